import crypto from 'node:crypto';
import type { EventKind } from '../record/sqlite';

/**
 * Provider webhooks, each read into the same event shape and checked with the provider's own
 * signature or shared secret (SES's through SNS is in sns.ts). A request that fails its check is
 * refused before anything in it is looked at.
 */
export interface WebhookEvent {
  /** The provider's id of the event: the same event delivered twice counts once. */
  readonly eventKey: string;
  readonly kind: EventKind | 'ignored';
  readonly email: string;
  /** The Message-ID herald gave the message, when the provider passes it on. */
  readonly messageId?: string;
  /** The envelope sender, when the provider passes it on (a VERP address). */
  readonly returnPath?: string;
  readonly status: string;
  readonly detail: string;
  readonly at?: Date;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

const ok: Verdict = { ok: true };
const refuse = (status: 401 | 403, reason: string): Verdict => ({ ok: false, status, reason });

/** How old a signed timestamp may be: a captured request cannot be replayed days later. */
const MAX_AGE_MS = 15 * 60_000;

const angle = (id: string | undefined): string | undefined => (id ? (id.trim().startsWith('<') ? id.trim() : `<${id.trim()}>`) : undefined);
const date = (value: unknown): Date | undefined => {
  const at = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
};

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// Postmark: no signature; the webhook URL carries HTTP Basic credentials only herald and Postmark know

export function verifyPostmark(authorization: string | undefined, secret: string): Verdict {
  if (!authorization?.startsWith('Basic ')) return refuse(401, 'no credentials');
  const pass = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':');
  return safeEqual(pass, secret) ? ok : refuse(403, 'wrong credentials');
}

export function postmarkEvents(body: unknown): WebhookEvent[] {
  const e = body as { RecordType?: string; ID?: number | string; Type?: string; TypeCode?: number; Email?: string; BouncedAt?: string; Description?: string; Details?: string; MessageID?: string; Content?: string };
  if (!e || typeof e.Email !== 'string') return [];
  const key = `postmark:${e.RecordType}:${e.ID ?? e.MessageID}`;
  const messageId = typeof e.Content === 'string' ? /^message-id:\s*(<[^>\s]+>)/im.exec(e.Content)?.[1] : undefined;
  const base = { eventKey: key, email: e.Email, messageId, at: date(e.BouncedAt), detail: `${e.Description ?? ''} ${e.Details ?? ''}`.trim() };
  if (e.RecordType === 'SpamComplaint' || e.Type === 'SpamComplaint') return [{ ...base, kind: 'complaint', status: 'abuse' }];
  if (e.RecordType !== 'Bounce') return [];
  const hard = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
  const soft = new Set(['SoftBounce', 'Transient', 'DnsError', 'MailboxFull']);
  const sender = new Set(['Blocked', 'SpamNotification', 'DMARCPolicy']);
  const kind = hard.has(e.Type ?? '') ? 'hard' : soft.has(e.Type ?? '') ? 'soft' : sender.has(e.Type ?? '') ? 'sender' : 'ignored';
  return [{ ...base, kind, status: `${e.Type} (${e.TypeCode ?? '-'})` }];
}

// Mailgun: HMAC-SHA256 of timestamp and token under the webhook signing key

export function verifyMailgun(body: unknown, key: string, now: Date): Verdict {
  const s = (body as { signature?: { timestamp?: string; token?: string; signature?: string } })?.signature;
  if (!s?.timestamp || !s.token || !s.signature) return refuse(401, 'no signature');
  const expected = crypto.createHmac('sha256', key).update(`${s.timestamp}${s.token}`).digest('hex');
  if (!safeEqual(expected, s.signature.toLowerCase())) return refuse(403, 'signature does not verify');
  if (Math.abs(now.getTime() - Number(s.timestamp) * 1000) > MAX_AGE_MS) return refuse(403, 'signature too old');
  return ok;
}

export function mailgunEvents(body: unknown): WebhookEvent[] {
  const e = (body as { 'event-data'?: Record<string, unknown> })?.['event-data'] as
    | { id?: string; event?: string; severity?: string; recipient?: string; timestamp?: number; reason?: string; envelope?: { sender?: string };
        message?: { headers?: { 'message-id'?: string } }; 'delivery-status'?: { code?: number; description?: string; message?: string; 'enhanced-code'?: string } }
    | undefined;
  if (!e || typeof e.recipient !== 'string' || !e.id) return [];
  const status = e['delivery-status'];
  const base = { eventKey: `mailgun:${e.id}`, email: e.recipient, messageId: angle(e.message?.headers?.['message-id']), returnPath: e.envelope?.sender, at: date(e.timestamp) };
  if (e.event === 'complained') return [{ ...base, kind: 'complaint', status: 'abuse', detail: 'complaint' }];
  if (e.event !== 'failed') return [];
  const code = status?.['enhanced-code'] ?? String(status?.code ?? '');
  const detail = `${status?.code ?? ''} ${status?.message || status?.description || e.reason || ''}`.trim();
  const blocked = /^5\.7\./.test(code) || /block|policy|reputation|spam/i.test(detail);
  const kind = e.severity === 'temporary' ? 'soft' : blocked ? 'sender' : 'hard';
  return [{ ...base, kind, status: code || (kind === 'soft' ? '4.0.0' : '5.0.0'), detail }];
}

// SendGrid: ECDSA P-256 over timestamp + body, with the verification key from the Mail Settings page

export function verifySendgrid(raw: Buffer, signature: string | undefined, timestamp: string | undefined, publicKey: string, now: Date): Verdict {
  if (!signature || !timestamp) return refuse(401, 'no signature');
  let valid = false;
  try {
    const key = crypto.createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    valid = crypto.verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), raw]), key, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return refuse(403, 'signature does not verify');
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > MAX_AGE_MS) return refuse(403, 'signature too old');
  return ok;
}

export function sendgridEvents(body: unknown): WebhookEvent[] {
  if (!Array.isArray(body)) return [];
  return body.flatMap((item): WebhookEvent[] => {
    const e = item as { email?: string; event?: string; type?: string; sg_event_id?: string; 'smtp-id'?: string; status?: string; reason?: string; timestamp?: number };
    if (typeof e.email !== 'string' || !e.sg_event_id) return [];
    const base = { eventKey: `sendgrid:${e.sg_event_id}`, email: e.email, messageId: angle(e['smtp-id']), at: date(e.timestamp), detail: e.reason ?? '' };
    if (e.event === 'spamreport') return [{ ...base, kind: 'complaint', status: 'abuse' }];
    if (e.event !== 'bounce') return [];
    const status = e.status ?? '5.0.0';
    const kind = e.type === 'blocked' || /^5\.7\./.test(status) ? 'sender' : /^4\./.test(status) ? 'soft' : 'hard';
    return [{ ...base, kind, status }];
  });
}
