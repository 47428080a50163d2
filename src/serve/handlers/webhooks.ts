import type { Settings } from '../../config/load';
import { emptyTally } from '../../bounces/apply';
import { bounceContext } from '../../bounces/context';
import { confirmSubscription, sesEvents, verifySns } from '../../bounces/sns';
import { applyWebhookEvents } from '../../bounces/webhook-apply';
import {
  type Verdict, type WebhookEvent, mailgunEvents, postmarkEvents, sendgridEvents, verifyMailgun, verifyPostmark, verifySendgrid,
} from '../../bounces/webhook-events';
import { SendRecord } from '../../record/sqlite';
import { BodyTooLarge, readBody } from '../body';
import type { Exchange, Handler, HandlerContext } from '../exchange';
import type { Route } from '../router';

/**
 * Provider webhooks for bounces and complaints (README, "Bounces and complaints"): POST
 * PATH/ses (through SNS), PATH/postmark, PATH/mailgun, PATH/sendgrid, each present only when its
 * secret or allowlist is configured. A request that fails its provider's check is refused (401
 * without credentials, 403 with wrong ones) and logged; the events of one that passes are acted on
 * like bounce reports, each once however often it is delivered.
 */
export interface WebhookSecrets {
  readonly postmark?: string;
  readonly mailgun?: string;
  readonly sendgrid?: string;
  /** Tests only: a URL prefix allowed for SNS certificates and subscription links besides SNS's host. */
  readonly snsTestUrlPrefix?: string;
}

const MAX_WEBHOOK_BYTES = 1024 * 1024;

type Check = (ex: Exchange, raw: Buffer, body: unknown) => Promise<Verdict & { events?: WebhookEvent[] }>;

export function webhookRoutes(settings: Settings, secrets: WebhookSecrets, ctx: HandlerContext): Route<Handler>[] {
  const base = settings.bounces.webhooks.path.replace(/\/$/, '');
  const providers: [string, Check][] = [];
  const ses = settings.bounces.webhooks.ses;
  if (ses) {
    const opts = { topicArns: ses.topicArns, testUrlPrefix: secrets.snsTestUrlPrefix };
    providers.push(['ses', async (_ex, _raw, body) => {
      const verdict = await verifySns(body, opts);
      if (!verdict.ok || !verdict.message) return verdict;
      const m = verdict.message;
      if (m.Type === 'SubscriptionConfirmation') {
        await confirmSubscription(m, opts);
        ctx.log.error(`herald serve: confirmed the SNS subscription to ${m.TopicArn}`);
        return { ok: true, events: [] };
      }
      return { ok: true, events: m.Type === 'Notification' ? sesEvents(m) : [] };
    }]);
  }
  const { postmark, mailgun, sendgrid } = secrets;
  if (postmark) providers.push(['postmark', async (ex, _raw, body) => ({ ...verifyPostmark(ex.req.headers.authorization, postmark), events: postmarkEvents(body) })]);
  if (mailgun) providers.push(['mailgun', async (_ex, _raw, body) => ({ ...verifyMailgun(body, mailgun, ctx.now()), events: mailgunEvents(body) })]);
  if (sendgrid) {
    providers.push(['sendgrid', async (ex, raw, body) => {
      const header = (name: string): string | undefined => [ex.req.headers[name]].flat()[0];
      const verdict = verifySendgrid(raw, header('x-twilio-email-event-webhook-signature'), header('x-twilio-email-event-webhook-timestamp'), sendgrid, ctx.now());
      return { ...verdict, events: sendgridEvents(body) };
    }]);
  }
  return providers.map(([name, check]) => ({ path: `${base}/${name}`, methods: { POST: handler(settings, name, check, ctx) } }));
}

function handler(settings: Settings, provider: string, check: Check, ctx: HandlerContext): Handler {
  return async (ex) => {
    let raw: Buffer;
    try {
      raw = await readBody(ex.req, MAX_WEBHOOK_BYTES);
    } catch (err) {
      ex.outcome = 'body-error';
      return answer(ex, err instanceof BodyTooLarge ? 413 : 400, 'the request body could not be read');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const verdict = await check(ex, raw, body);
    if (!verdict.ok) {
      ex.outcome = 'webhook-refused';
      ctx.log.error(`herald serve: ${provider} webhook refused (${verdict.status}): ${verdict.reason}`);
      return answer(ex, verdict.status, 'refused');
    }
    if (body === undefined) {
      ex.outcome = 'webhook-unreadable';
      return answer(ex, 400, 'the body is not JSON');
    }
    const tally = emptyTally();
    const record = SendRecord.open(settings.stateDir, { readonly: false })!;
    try {
      applyWebhookEvents(verdict.events ?? [], { ...bounceContext(settings, record, ctx.now()), store: record.feedback }, `${provider} webhook`, tally);
    } finally {
      record.close();
    }
    for (const p of tally.senderProblems) ctx.log.error(`herald serve: ${p.email}'s server refused the sender (${p.status}: ${p.detail}); the address stays on the list`);
    ex.outcome = `webhook ${provider} events=${tally.read} suppressed=${tally.suppressed} duplicates=${tally.duplicates} unmatched=${tally.unmatched}`;
    return answer(ex, 200, 'ok');
  };
}

function answer(ex: Exchange, status: number, text: string): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  ex.res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', ...(ex.stopping() ? { Connection: 'close' } : {}) });
  ex.res.end(body);
}
