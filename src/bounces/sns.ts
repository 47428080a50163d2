import crypto from 'node:crypto';
import type { Verdict, WebhookEvent } from './webhook-events';

/**
 * Amazon SES events through SNS. A message is believed only when (1) its signature verifies with
 * the certificate at SigningCertURL, (2) that URL is on SNS's own host (https://sns.REGION.amazonaws.com/…
 * .pem), so nobody can sign with a certificate of their own, and (3) its TopicArn is on the
 * configured allowlist, since anyone can create a validly signed topic in their own AWS account.
 * A subscription confirmation passing the same checks is confirmed by visiting its SubscribeURL
 * (on the same host). `testUrlPrefix` (HERALD_SNS_TEST_URL_PREFIX) lets tests serve their own
 * certificate; it is never set in production.
 */
export interface SnsMessage {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: string;
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly Subject?: string;
  readonly SubscribeURL?: string;
  readonly Token?: string;
}

export interface SnsOptions {
  readonly topicArns: readonly string[];
  readonly testUrlPrefix?: string;
  readonly fetchText?: (url: string) => Promise<string>;
}

const SNS_HOST = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;
const certificates = new Map<string, crypto.KeyObject>();

export function allowedSnsUrl(url: string, testUrlPrefix: string | undefined): boolean {
  return SNS_HOST.test(url) || Boolean(testUrlPrefix && url.startsWith(testUrlPrefix));
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.text();
}

/** The canonical text SNS signs, by message type. */
function signedText(m: SnsMessage): string {
  const keys = m.Type === 'Notification'
    ? ['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((k) => `${k}\n${(m as unknown as Record<string, string>)[k] ?? ''}\n`).join('');
}

export async function verifySns(body: unknown, opts: SnsOptions): Promise<Verdict & { message?: SnsMessage }> {
  const m = body as SnsMessage;
  if (!m || typeof m.Signature !== 'string' || typeof m.SigningCertURL !== 'string' || typeof m.Type !== 'string') return { ok: false, status: 401, reason: 'not a signed SNS message' };
  if (!allowedSnsUrl(m.SigningCertURL, opts.testUrlPrefix) || !/\.pem$/.test(new URL(m.SigningCertURL).pathname)) {
    return { ok: false, status: 403, reason: `signing certificate not on SNS's host: ${m.SigningCertURL}` };
  }
  if (!opts.topicArns.includes(m.TopicArn)) return { ok: false, status: 403, reason: `topic ${m.TopicArn} is not in bounces.webhooks.ses.topicArns` };
  const algorithm = m.SignatureVersion === '2' ? 'sha256' : m.SignatureVersion === '1' ? 'sha1' : undefined;
  if (!algorithm) return { ok: false, status: 403, reason: `unknown SignatureVersion ${m.SignatureVersion}` };
  let key = certificates.get(m.SigningCertURL);
  if (!key) {
    try {
      key = new crypto.X509Certificate(await (opts.fetchText ?? fetchText)(m.SigningCertURL)).publicKey;
    } catch (err) {
      return { ok: false, status: 403, reason: `cannot fetch the signing certificate: ${(err as Error).message}` };
    }
    certificates.set(m.SigningCertURL, key);
  }
  const valid = crypto.verify(algorithm, Buffer.from(signedText(m), 'utf8'), key, Buffer.from(m.Signature, 'base64'));
  return valid ? { ok: true, message: m } : { ok: false, status: 403, reason: 'signature does not verify' };
}

/** Confirms a verified subscription by visiting its SubscribeURL, which must be on SNS's host too. */
export async function confirmSubscription(m: SnsMessage, opts: SnsOptions): Promise<void> {
  if (!m.SubscribeURL || !allowedSnsUrl(m.SubscribeURL, opts.testUrlPrefix)) throw new Error(`SubscribeURL not on SNS's host: ${m.SubscribeURL}`);
  await (opts.fetchText ?? fetchText)(m.SubscribeURL);
}

interface SesRecipient { readonly emailAddress?: string; readonly status?: string; readonly diagnosticCode?: string }

/** The bounce and complaint events in an SES notification. */
export function sesEvents(m: SnsMessage): WebhookEvent[] {
  let n: {
    notificationType?: string; eventType?: string;
    bounce?: { feedbackId?: string; bounceType?: string; bounceSubType?: string; bouncedRecipients?: SesRecipient[]; timestamp?: string };
    complaint?: { feedbackId?: string; complainedRecipients?: SesRecipient[]; complaintFeedbackType?: string; timestamp?: string };
    mail?: { source?: string; commonHeaders?: { messageId?: string }; headers?: { name: string; value: string }[] };
  };
  try {
    n = JSON.parse(m.Message) as typeof n;
  } catch {
    return [];
  }
  const type = n.notificationType ?? n.eventType;
  const headerId = n.mail?.headers?.find((h) => h.name.toLowerCase() === 'message-id')?.value;
  const messageId = n.mail?.commonHeaders?.messageId ?? headerId;
  const shared = { messageId: messageId?.startsWith('<') ? messageId : messageId && `<${messageId}>`, returnPath: n.mail?.source };
  if (type === 'Complaint' && n.complaint) {
    const c = n.complaint;
    return (c.complainedRecipients ?? []).flatMap((r) => (r.emailAddress ? [{
      ...shared, eventKey: `ses:${c.feedbackId ?? m.MessageId}:${r.emailAddress}`, kind: 'complaint' as const, email: r.emailAddress,
      status: c.complaintFeedbackType ?? 'abuse', detail: 'complaint', at: c.timestamp ? new Date(c.timestamp) : undefined,
    }] : []));
  }
  if (type === 'Bounce' && n.bounce) {
    const b = n.bounce;
    return (b.bouncedRecipients ?? []).flatMap((r) => {
      if (!r.emailAddress) return [];
      const status = r.status ?? (b.bounceType === 'Transient' ? '4.0.0' : '5.0.0');
      const kind = /^5\.7\./.test(status) || b.bounceSubType === 'ContentRejected' ? 'sender'
        : b.bounceType === 'Permanent' ? 'hard' : b.bounceType === 'Transient' ? 'soft' : 'ignored';
      return [{ ...shared, eventKey: `ses:${b.feedbackId ?? m.MessageId}:${r.emailAddress}`, kind, email: r.emailAddress, status,
        detail: r.diagnosticCode ?? `${b.bounceType} ${b.bounceSubType ?? ''}`.trim(), at: b.timestamp ? new Date(b.timestamp) : undefined }] as WebhookEvent[];
    });
  }
  return [];
}
