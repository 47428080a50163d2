import crypto from 'node:crypto';
import { type FeedbackId, type FeedbackIdSettings, feedbackPart } from '../config/feedback-settings';
import { type Mailbox, parseMailbox, splitListId } from '../config/header-settings';
import type { Subscriber } from '../subscribers/read';
import { ErrorCode, HeraldError } from '../errors';
import { asciiDomain } from '../subscribers/address';
import { unsubscribeToken, unsubscribeUrl } from '../unsubscribe/token';

/** Sender, list identity and unsubscribe settings, resolved once per run from the settings. */
export interface Sender {
  readonly from: Mailbox;
  readonly replyTo?: Mailbox;
  /** The List-Id as text (it also seeds Message-IDs); compose.ts encodes it for the header. */
  readonly listId: string;
  readonly messageIdDomain: string;
  /**
   * The https unsubscribe link around its token, split once per run: the link is the base URL
   * with token=… set, and a token's characters need no escaping in a query.
   */
  readonly unsubscribeUrl?: readonly [before: string, after: string];
  readonly unsubscribeMailto: string;
  readonly secret?: string;
  /** Feedback-ID's parts, or undefined when it is turned off. */
  readonly feedbackId?: FeedbackId;
  /** The token of links that must unsubscribe nobody (a test copy's), used when there is no secret. */
  readonly inertToken?: string;
}

/** The settings a Sender is resolved from (Settings satisfies it). */
export interface SenderSettings {
  readonly name: string;
  readonly siteUrl: string;
  readonly from?: string;
  readonly replyTo?: string;
  readonly listId?: string;
  readonly unsubscribe: { readonly url?: string; readonly mailto?: string };
  readonly feedbackId?: FeedbackIdSettings;
  /** herald.config.json's path, named in messages. */
  readonly configPath: string;
  /** HERALD_FROM (its presence names it in messages) and HERALD_SECRET. */
  readonly env: { readonly from?: string; readonly secret?: string };
}

export function resolveSender(settings: SenderSettings, opts: { requireSecret: boolean }): Sender {
  if (!settings.from) {
    throw new HeraldError(ErrorCode.ECONFIG, 'no sender: set HERALD_FROM or "from" in herald.config.json', {
      location: { file: settings.configPath },
      hint: 'For example "from": "The Dispatch <news@example.com>".',
    });
  }
  const from = mailbox(settings.from, settings.env.from ? 'HERALD_FROM' : 'from', settings.configPath);
  const replyTo = settings.replyTo ? mailbox(settings.replyTo, 'replyTo', settings.configPath) : undefined;
  const secret = settings.env.secret;
  if (settings.unsubscribe.url && !secret && opts.requireSecret) {
    throw new HeraldError(ErrorCode.ECONFIG, 'an unsubscribe URL is configured but HERALD_SECRET is not set', {
      hint: 'Set HERALD_SECRET to a long random string (e.g. `openssl rand -hex 32`) and keep it: it signs the unsubscribe links.',
    });
  }
  const site = new URL(settings.siteUrl);
  const domain = asciiDomain(from.address.slice(from.address.lastIndexOf('@') + 1));
  // a list-id label is a DNS label at most: a long name must not make a header line too long to fold
  const slug = settings.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 63).replace(/^-|-$/g, '') || 'newsletter';
  const mailto = settings.unsubscribe.mailto ? mailbox(settings.unsubscribe.mailto, 'unsubscribe.mailto', settings.configPath).address : from.address;
  const listId = settings.listId ?? `${settings.name.replace(/[<>"\r\n]/g, '')} <${slug}.${site.hostname}>`;
  const feedback = settings.feedbackId ?? { enabled: true, campaign: '{{id}}' };
  return {
    from,
    replyTo,
    listId,
    feedbackId: feedback.enabled
      ? { campaign: feedback.campaign, list: feedback.list ?? feedbackPart(splitListId(listId).id), sender: feedback.sender ?? feedbackPart(domain) }
      : undefined,
    messageIdDomain: domain,
    unsubscribeUrl: settings.unsubscribe.url ? aroundToken(settings.unsubscribe.url) : undefined,
    unsubscribeMailto: `${mailto.slice(0, mailto.lastIndexOf('@'))}@${asciiDomain(mailto.slice(mailto.lastIndexOf('@') + 1))}`,
    secret,
  };
}

/** The same rule as the settings' check (config/header-settings.ts), for values that skipped it, such as HERALD_FROM. */
function mailbox(value: string, setting: string, file: string): Mailbox {
  const parsed = parseMailbox(value);
  if ('problem' in parsed) {
    throw new HeraldError(ErrorCode.ECONFIG, `${setting}: ${parsed.problem}`, {
      location: setting === 'HERALD_FROM' ? undefined : { file },
      hint: 'Write it as "Name <address@example.com>" or just address@example.com.',
    });
  }
  return parsed;
}

/** The same post and subscriber always get the same Message-ID, so a resend is recognisable. */
export function messageIdFor(sender: Sender, postId: string, key: string): string {
  const digest = sha256Hex(`${sender.listId}\n${postId}\n${key}`).slice(0, 40);
  return `<${digest}@${sender.messageIdDomain}>`;
}

/** crypto.hash (Node 20.12 and later) hashes without building a Hash object per call. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

const TOKEN_MARK = 'herald-token-mark';

function aroundToken(base: string): readonly [string, string] {
  const url = unsubscribeUrl(base, TOKEN_MARK);
  const at = url.lastIndexOf(TOKEN_MARK);
  return [url.slice(0, at), url.slice(at + TOKEN_MARK.length)];
}

export interface UnsubscribeLinks {
  /** The link shown in the email: https when configured, else the mailto. */
  readonly visible: string;
  readonly header: string;
  readonly oneClick: boolean;
}

export function unsubscribeLinks(sender: Sender, subscriber: Pick<Subscriber, 'key' | 'email'>): UnsubscribeLinks {
  const token = sender.secret ? unsubscribeToken(subscriber.key, sender.secret) : (sender.inertToken ?? 'preview-token');
  const mailto = `mailto:${sender.unsubscribeMailto}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;
  if (sender.unsubscribeUrl) {
    const https = sender.unsubscribeUrl[0] + token + sender.unsubscribeUrl[1];
    return { visible: https, header: `<${https}>, <${mailto}>`, oneClick: true };
  }
  return { visible: mailto, header: `<${mailto}>`, oneClick: false };
}
