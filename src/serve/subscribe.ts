import crypto from 'node:crypto';
import type { Settings } from '../config/load';
import { checkAddress } from '../subscribers/address';
import { cleanName } from '../subscribers/columns';
import { subscriberFolder } from '../subscribers/files';
import { discoverSubscribers } from '../subscribers/read';
import { type DkimSigner, signRaw } from '../render/dkim';
import type { Sender } from '../render/envelope';
import { composeNotice } from '../render/one-message';
import { type AddResult, addSubscriber } from '../subscribers/store';
import { readSuppressions } from '../subscribers/suppression';
import { type RateLimits, type RateWindow } from '../record/rate-limit';
import { confirmToken } from './confirm-token';
import { escapeHtml } from './html';
import type { MailMessage, MailPort, MailResult } from './ports';

/**
 * The optional subscribe form (serve.subscribeForm): double opt-in. Asking to subscribe only sends
 * a confirmation email; the address joins subscribers/subscribers.csv when its owner follows the
 * link and presses the button. The form says the same thing whatever the address's state, so it
 * cannot be used to find out who is subscribed, and it is rate-limited (limits kept in the state
 * folder, so a restart does not reset them) so it cannot be used to flood a mailbox.
 *
 * Nothing a visitor types reaches a header of the confirmation: To is the bare address (checked
 * as strictly as a subscriber row), the subject is fixed by the settings, and the name travels
 * only inside the signed link, to be stored as data when the owner confirms.
 */

/** RFC 5321's limit on a forward path, less the angle brackets. */
export const MAX_ADDRESS_LENGTH = 254;
/** Longer than any real person's name; a field this long is somebody's payload. */
export const MAX_NAME_LENGTH = 100;
/** A form with an address, a name and the hidden field; anything bigger is refused with 413. */
export const MAX_FORM_BYTES = 4096;

/** Confirmation emails per address: one per 15 minutes and three per day. */
export const PER_ADDRESS_COOLDOWN_MS = 15 * 60_000;
export const PER_ADDRESS_WINDOWS: readonly RateWindow[] = [{ max: 1, ms: PER_ADDRESS_COOLDOWN_MS }, { max: 3, ms: 24 * 3_600_000 }];
/** At most this many confirmation emails per hour in all. */
export const MAX_CONFIRMATIONS_PER_HOUR = 60;
/** Requests with a valid address per client (an IPv4 address or an IPv6 /64): 10 per hour, 30 per day. */
export const PER_CLIENT_WINDOWS: readonly RateWindow[] = [{ max: 10, ms: 3_600_000 }, { max: 30, ms: 24 * 3_600_000 }];

export type SubscribeOutcome =
  /** A confirmation email went out. */
  | { readonly kind: 'sent'; readonly email: string }
  /** Nothing was sent (already subscribed, suppressed for a reason other than unsubscribing, rate limit); the page says the same as for 'sent'. */
  | { readonly kind: 'quiet'; readonly email: string; readonly why: string }
  | { readonly kind: 'invalid'; readonly field: 'email' | 'name'; readonly reason: string }
  /** This client asked too often; nothing about the address was looked at. */
  | { readonly kind: 'limited'; readonly retryAfterSeconds: number }
  | { readonly kind: 'failed'; readonly email: string; readonly reply: string };

export interface SubscribeDeps {
  readonly settings: Settings;
  readonly sender: Sender;
  readonly secret: string;
  /** Public URL of the confirm page, e.g. https://news.example.com/subscribe/confirm */
  readonly confirmUrl: string;
  readonly dkim?: DkimSigner;
  readonly now: () => Date;
  /** The persistent counters (src/record/rate-limit.ts). */
  readonly limits: RateLimits;
  /** How the confirmation email leaves (the caller's SMTP pool, kept for the server's lifetime). */
  readonly mail: MailPort;
}

export class SubscribeFlow {
  constructor(private readonly deps: SubscribeDeps) {}

  /** `client` is clientOf() of the request: who is counted by the per-client limit. */
  async request(rawEmail: string, rawName: string, client: string): Promise<SubscribeOutcome> {
    if (rawEmail.trim().length > MAX_ADDRESS_LENGTH) return { kind: 'invalid', field: 'email', reason: `an email address has at most ${MAX_ADDRESS_LENGTH} characters` };
    if (rawName.trim().length > MAX_NAME_LENGTH) return { kind: 'invalid', field: 'name', reason: `a name has at most ${MAX_NAME_LENGTH} characters` };
    const check = checkAddress(rawEmail);
    if (!check.ok) return { kind: 'invalid', field: 'email', reason: check.reason };
    // valid, but a spreadsheet opening subscribers.csv would run it: no visitor's address needs it
    if (/^[=+-]/.test(check.address)) return { kind: 'invalid', field: 'email', reason: 'the address starts with a formula sign' };
    const email = check.address;
    const name = formName(rawName);
    const { limits, now } = this.deps;

    // counted before the lists are read: a client over its limit learns nothing about any address
    const asked = limits.take([{ scope: 'client', subject: client, windows: PER_CLIENT_WINDOWS }], now());
    if (!asked.ok) return { kind: 'limited', retryAfterSeconds: Math.ceil(asked.retryAfterMs / 1000) };

    const dir = this.deps.settings.subscribersDir;
    const folder = subscriberFolder(this.deps.settings.root, dir);
    const suppression = readSuppressions(dir, folder).get(check.key);
    if (suppression && suppression.reason !== 'unsubscribed') return { kind: 'quiet', email, why: `suppressed (${suppression.reason})` };
    const discovered = discoverSubscribers(dir, folder);
    if (discovered.subscribers.some((s) => s.key === check.key)) return { kind: 'quiet', email, why: 'already subscribed' };
    if (discovered.excluded.has(check.key) && !suppression) return { kind: 'quiet', email, why: 'marked in a subscriber file' };

    const sending = limits.take([
      { scope: 'address', subject: check.key, windows: PER_ADDRESS_WINDOWS },
      { scope: 'all', subject: '', windows: [{ max: MAX_CONFIRMATIONS_PER_HOUR, ms: 3_600_000 }] },
    ], now());
    if (!sending.ok) {
      return { kind: 'quiet', email, why: sending.scope === 'address' ? 'confirmation sent recently' : 'hourly limit of confirmation emails reached' };
    }
    let outcome: MailResult | undefined;
    try {
      outcome = await this.deps.mail.send(await this.confirmationMessage(email, name, check.smtputf8));
    } finally {
      if (outcome?.kind !== 'accepted') limits.release(sending.ids); // nothing went out: they may try again
    }
    return outcome.kind === 'accepted' ? { kind: 'sent', email } : { kind: 'failed', email, reply: outcome.reply };
  }

  /** The button on the confirm page: adds the address, lifting an earlier `unsubscribed` (never another reason). */
  confirm(email: string, name: string): AddResult {
    const { root, subscribersDir } = this.deps.settings;
    return addSubscriber(subscribersDir, { email, name }, { lift: ['unsubscribed'], folder: subscriberFolder(root, subscribersDir) });
  }

  private async confirmationMessage(email: string, name: string, smtputf8: boolean): Promise<MailMessage> {
    const { sender, settings, now } = this.deps;
    const url = new URL(this.deps.confirmUrl);
    url.searchParams.set('token', confirmToken({ email, name, at: now() }, this.deps.secret));
    const messageId = `<confirm-${crypto.randomBytes(12).toString('hex')}@${sender.messageIdDomain}>`;
    const content = confirmationContent(email, settings.name, url.toString());
    const message = composeConfirmation(sender, email, content, { messageId, date: now(), smtputf8 });
    return this.deps.dkim ? { ...message, raw: await signRaw(this.deps.dkim, message.raw) } : message;
  }
}

interface ConfirmationContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What the confirmation says. The name is not in it: it travels only inside the signed link. */
function confirmationContent(email: string, newsletter: string, link: string): ConfirmationContent {
  const text = [
    `Someone, hopefully you, asked to subscribe ${email} to ${newsletter}.`,
    '',
    'To confirm, open this link and press the button:',
    link,
    '',
    'The link works for 48 hours. If you did not ask for this, ignore this email: nothing happens, and you will not hear from us again.',
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.6; color: #1f2937;">
<p>Someone, hopefully you, asked to subscribe <strong>${escapeHtml(email)}</strong> to ${escapeHtml(newsletter)}.</p>
<p><a href="${escapeHtml(link)}">Confirm your subscription</a></p>
<p style="font-size: 13px; color: #6b7280;">The link works for 48 hours. If you did not ask for this, ignore this email: nothing happens, and you will not hear from us again.</p>
</body></html>`;
  return { subject: `Confirm your subscription to ${newsletter}`, text, html };
}

/** The confirmation as a message of its own (herald's one MIME composer), before DKIM signing. */
function composeConfirmation(sender: Sender, email: string, content: ConfirmationContent, meta: { readonly messageId: string; readonly date: Date; readonly smtputf8: boolean }): MailMessage & { readonly raw: Buffer } {
  return composeNotice({
    from: sender.from,
    // the bare address: a typed name would be a display name in the inbox
    to: email,
    replyTo: sender.replyTo,
    subject: content.subject,
    messageId: meta.messageId,
    date: meta.date,
    headers: { 'Auto-Submitted': 'auto-generated' },
    text: content.text,
    html: content.html,
    smtputf8: meta.smtputf8,
  });
}

/**
 * A name typed into the public form ends up in subscribers.csv, which people open in spreadsheets:
 * a cell that starts with = + - or @ is run there as a formula ("CSV injection"). No one's name
 * needs those in front, so they are dropped (and an address starting with = + or - is refused).
 */
export function formName(raw: string): string {
  return cleanName(raw).replace(/^[=+\-@\s]+/, '');
}
