import crypto from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Settings } from '../config/load';
import type { Outcome } from '../deliver/outcome';
import { createSmtpPool } from '../deliver/smtp-pool';
import { checkAddress } from '../discover/address';
import { cleanName, discoverSubscribers } from '../discover/subscribers';
import { type DkimSigner, signRaw } from '../render/dkim';
import type { Sender } from '../render/envelope';
import { encodeText } from '../render/compose';
import { headerText } from '../render/header-text';
import type { OutgoingMessage } from '../render/message';
import { type AddResult, addSubscriber } from '../subscribers/store';
import { readSuppressions } from '../subscribers/suppression';
import { confirmToken } from './confirm-token';
import { escapeHtml } from './html';

/**
 * The optional subscribe form (serve.subscribeForm): double opt-in. Asking to subscribe only sends
 * a confirmation email; the address joins subscribers/subscribers.csv when its owner follows the
 * link and presses the button. The form says the same thing whatever the address's state, so it
 * cannot be used to find out who is subscribed, and it is rate-limited so it cannot be used to
 * flood a mailbox.
 */

/** One confirmation email per address per this long. */
export const PER_ADDRESS_COOLDOWN_MS = 15 * 60_000;
/** At most this many confirmation emails per hour in all. */
export const MAX_CONFIRMATIONS_PER_HOUR = 60;

export type SendMail = (message: OutgoingMessage) => Promise<Outcome>;

export type SubscribeOutcome =
  /** A confirmation email went out. */
  | { readonly kind: 'sent'; readonly email: string }
  /** Nothing was sent (already subscribed, suppressed for a reason other than unsubscribing, rate limit); the page says the same as for 'sent'. */
  | { readonly kind: 'quiet'; readonly email: string; readonly why: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'failed'; readonly email: string; readonly reply: string };

export interface SubscribeDeps {
  readonly settings: Settings;
  readonly sender: Sender;
  readonly secret: string;
  /** Public URL of the confirm page, e.g. https://news.example.com/subscribe/confirm */
  readonly confirmUrl: string;
  readonly dkim?: DkimSigner;
  readonly now: () => Date;
  /** How the email leaves; by default a one-connection SMTP pool per message through HERALD_SMTP_URL. */
  readonly sendMail?: SendMail;
}

export class SubscribeFlow {
  private readonly recent = new Map<string, number>();
  private sentTimes: number[] = [];
  private readonly sendMail: SendMail;

  constructor(private readonly deps: SubscribeDeps) {
    this.sendMail = deps.sendMail ?? smtpSender(deps.settings);
  }

  async request(rawEmail: string, rawName: string): Promise<SubscribeOutcome> {
    const check = checkAddress(rawEmail.slice(0, 320));
    if (!check.ok) return { kind: 'invalid', reason: check.reason };
    const email = check.address;
    const name = formName(rawName);
    const dir = this.deps.settings.subscribersDir;
    const suppression = readSuppressions(dir).get(check.key);
    if (suppression && suppression.reason !== 'unsubscribed') return { kind: 'quiet', email, why: `suppressed (${suppression.reason})` };
    const discovered = discoverSubscribers(dir);
    if (discovered.subscribers.some((s) => s.key === check.key)) return { kind: 'quiet', email, why: 'already subscribed' };
    if (discovered.excluded.has(check.key) && !suppression) return { kind: 'quiet', email, why: 'marked in a subscriber file' };

    const now = this.deps.now().getTime();
    for (const [key, at] of this.recent) if (now - at > PER_ADDRESS_COOLDOWN_MS) this.recent.delete(key);
    this.sentTimes = this.sentTimes.filter((t) => now - t < 3_600_000);
    if (this.recent.has(check.key)) return { kind: 'quiet', email, why: 'confirmation sent recently' };
    if (this.sentTimes.length >= MAX_CONFIRMATIONS_PER_HOUR) return { kind: 'quiet', email, why: 'hourly limit of confirmation emails reached' };
    this.recent.set(check.key, now);
    this.sentTimes.push(now);

    const message = await this.confirmationMessage(email, name, check.smtputf8);
    const outcome = await this.sendMail(message);
    if (outcome.kind === 'accepted') return { kind: 'sent', email };
    this.recent.delete(check.key); // let them try again
    return { kind: 'failed', email, reply: outcome.reply };
  }

  /** The button on the confirm page: adds the address, lifting an earlier `unsubscribed` (never another reason). */
  confirm(email: string, name: string): AddResult {
    return addSubscriber(this.deps.settings.subscribersDir, { email, name }, { lift: ['unsubscribed'] });
  }

  private async confirmationMessage(email: string, name: string, smtputf8: boolean): Promise<OutgoingMessage> {
    const { sender, settings } = this.deps;
    const url = new URL(this.deps.confirmUrl);
    url.searchParams.set('token', confirmToken({ email, name, at: this.deps.now() }, this.deps.secret));
    const link = url.toString();
    const newsletter = settings.name;
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
    const messageId = `<confirm-${crypto.randomBytes(12).toString('hex')}@${sender.messageIdDomain}>`;
    const composer = new MailComposer({
      from: sender.from,
      to: { name: headerText(name).trim(), address: email },
      replyTo: sender.replyTo,
      text,
      html,
      messageId,
      date: this.deps.now(),
      // encoded as every herald subject is (render/compose.ts)
      headers: { 'Auto-Submitted': 'auto-generated', Subject: { prepared: true, foldLines: true, value: encodeText(`Confirm your subscription to ${newsletter}`) } },
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    let raw = await composer.compile().build();
    if (this.deps.dkim) raw = await signRaw(this.deps.dkim, raw);
    return { messageId, envelope: { from: sender.from.address, to: email }, raw, smtputf8 };
  }
}

function smtpSender(settings: Settings): SendMail {
  return async (message) => {
    const pool = createSmtpPool(settings.env.smtpUrl, { ...settings.smtp, connections: 1, retries: Math.min(settings.smtp.retries, 1) });
    try {
      return await pool.send(message);
    } finally {
      await pool.close();
    }
  };
}

/**
 * A name typed into the public form ends up in subscribers.csv, which people open in spreadsheets:
 * a cell that starts with = + - or @ is run there as a formula ("CSV injection"). No one's name
 * needs those in front, so they are dropped.
 */
export function formName(raw: string): string {
  return cleanName(raw).replace(/^[=+\-@\s]+/, '');
}
