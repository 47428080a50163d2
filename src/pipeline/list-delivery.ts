import crypto from 'node:crypto';
import type { App } from '../app';
import type { Settings } from '../config/load';
import { deliverPost } from '../deliver/deliver-post';
import { redactSmtpUrl } from '../deliver/smtp-pool';
import { throttleSettings } from '../deliver/throttle';
import { fileStamp } from '../discover/posts';
import type { Subscriber } from '../subscribers/read';
import { ErrorCode, HeraldError, type Problem, problem, warning } from '../errors';
import { type Output, reportProblems } from '../output';
import type { SendRecord } from '../record/sqlite';
import type { Sender } from '../render/envelope';
import { collectGarbagePeriodically } from '../fast/heap';
import { withFingerprint } from './fingerprint';
import { readSubscribersApart } from './inputs';
import { runBudget, subscribedKeys, suppressGoneMailboxes } from './policy';
import { createProgress } from './progress';
import { recipientsOf, settingsTopicRules, withDeliveryTimes } from './routing';
import type { ReadyPost } from './render-posts';
import type { PostReport } from './send-report';
import { noteSigningSecret } from './signing-secret';

export interface ListDeliveryOptions {
  readonly sender: Sender;
  readonly sign?: (raw: Buffer) => Promise<Buffer>;
  /** The plan's new posts: their audience is queued in the record before anything goes out. */
  readonly fresh: readonly ReadyPost['post'][];
  readonly resendInDoubt: boolean;
  readonly progress: 'tty' | 'log' | 'quiet';
  readonly stop: AbortSignal;
  /** Problems found on the way are reported and added here. */
  readonly problems: Problem[];
}

export interface ListDelivery {
  readonly reports: PostReport[];
  /** The per-run or per-day cap ended the run with recipients still due. */
  readonly capped: boolean;
}

/**
 * The deliver and record stages of a real send: the list is read (only now, and only because
 * there is something to send), each new post's audience is queued in the record, and every
 * rendered post goes through the delivery loop to the SMTP transport, which the record settles.
 */
export async function deliverToList(app: Pick<App, 'settings' | 'io' | 'now' | 'smtp' | 'relays'>, record: SendRecord, ready: readonly ReadyPost[], opts: ListDeliveryOptions): Promise<ListDelivery> {
  const { settings, io, now } = app;
  const audience = await readAudience(settings, record, io, opts.problems);
  const transport = settings.relays
    ? app.relays({ stop: opts.stop, sentToday: record.sentSinceByRelay(new Date(now().getTime() - 24 * 3_600_000)) })
    : app.smtp({ stop: opts.stop });
  let stopCollecting = (): void => undefined;
  try {
    const budget = { remaining: runBudget(settings, record, now()) };
    const progress = createProgress(io, opts.progress);
    const runId = crypto.randomUUID();
    // every new post's audience is recorded up front; from then on the list is only needed as keys,
    // and the subscriber objects can go before the long part of the run
    const rules = settingsTopicRules(settings);
    for (const { post } of ready) {
      if (!opts.fresh.includes(post)) continue;
      record.queuePost(withFingerprint(post, settings), withDeliveryTimes(recipientsOf(post, audience.values(), rules), settings, now()), now());
      const stamp = fileStamp(settings.root, post);
      if (stamp) record.stampFiles([{ id: post.id, file: post.file, stamp }]);
    }
    const secretProblems = noteSigningSecret(record, settings, now());
    reportProblems(io, secretProblems);
    opts.problems.push(...secretProblems);
    const subscribed = subscribedKeys(audience);
    audience.clear();
    stopCollecting = collectGarbagePeriodically();
    const reports: PostReport[] = [];
    for (const { post, rendered } of ready) {
      if (opts.stop.aborted) break;
      progress.start(post, record.dueCount(post.id, now(), opts.resendInDoubt));
      const result = await deliverPost(rendered, record, transport, {
        runId,
        sender: opts.sender,
        subscribed,
        includeInDoubt: opts.resendInDoubt,
        retries: settings.smtp.retries,
        retryDelayMs: settings.smtp.retryDelayMs,
        throttle: throttleSettings(settings.smtp),
        messagesPerSecond: settings.smtp.messagesPerSecond,
        budget,
        deferral: settings.deferral,
        stop: opts.stop,
        now,
        sign: opts.sign,
        onOutcome: (_row, outcome) => progress.tick(outcome.kind),
      });
      progress.end();
      reports.push({ id: post.id, title: post.title, file: post.file, result });
      suppressGoneMailboxes(record, settings, subscribed);
      if (result.aborted) {
        opts.problems.push(problem(ErrorCode.ESMTP, `sending stopped: ${result.aborted}`, undefined,
          `Nobody was marked failed. Check HERALD_SMTP_URL (${redactSmtpUrl(settings.env.smtpUrl ?? '')}) and the sender address, then run again.`));
        reportProblems(io, opts.problems.slice(-1));
        break;
      }
      if (result.unavailable) {
        opts.problems.push(warning(ErrorCode.ESMTP, `sending stopped: ${result.unavailable}`, undefined,
          'Nothing was lost: the recipients not reached are left for the next run. Check the relays this names (herald check logs in to each), or wait for their quota, then run herald send again.'));
        reportProblems(io, opts.problems.slice(-1));
        break;
      }
      if (result.throttled) {
        io.err(`the SMTP server kept asking herald to slow down (${result.throttled}); the rest is left for the next run.`);
        break;
      }
    }
    if (settings.deliverAt) describeWaiting(io, record.waiting(now()), ready, settings.deliverAt);
    const capped = budget.remaining <= 0 && ready.some(({ post }) => record.dueCount(post.id, now(), opts.resendInDoubt) > 0);
    return { reports, capped };
  } finally {
    stopCollecting();
    await transport.close();
  }
}

/** The list by key, bounced mailboxes taken out; nothing is sent when a file could not be read. */
async function readAudience(settings: Settings, record: SendRecord, io: Output, problems: Problem[]): Promise<Map<string, Subscriber>> {
  const inputs = await readSubscribersApart(settings);
  reportProblems(io, inputs.problems);
  // one by one: a list can have more problems than a call takes arguments
  for (const p of inputs.problems) problems.push(p);
  if (inputs.subscriberFileBroken) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, 'a subscriber file could not be read, so nothing is sent (the list would be incomplete)', {
      hint: 'Fix the file named above, then run herald send again.',
    });
  }
  suppressGoneMailboxes(record, settings, inputs.subscriberMap);
  return inputs.subscriberMap;
}

/** Recipients whose own morning has not come yet are expected, not late: said once per post. */
function describeWaiting(io: Output, waiting: ReadonlyMap<string, number>, ready: readonly ReadyPost[], deliverAt: string): void {
  for (const { post } of ready) {
    const n = waiting.get(post.id);
    if (n) io.out(`"${post.title}": ${n} ${n === 1 ? 'recipient waits' : 'recipients wait'} for ${deliverAt} in their time zone`);
  }
}
