import { type MimePart, decodeWords, header, leaves, parseFields, parseMime } from './mime';
import { tokensInText } from './verp';

/**
 * What a message in a bounce mailbox says, before anything is matched or decided: a delivery
 * status notification (RFC 3464, or the plain-text kind many servers still send), a feedback-loop
 * complaint (ARF, RFC 5965), or mail that only looks like one (auto-replies, challenges).
 */
export interface BouncedRecipient {
  readonly address: string;
  readonly originalAddress?: string;
  /** failed, delayed, delivered, relayed, expanded (RFC 3464); failed for a plain-text bounce. */
  readonly action: string;
  /** The enhanced status code (RFC 3463), e.g. 5.1.1; derived from the SMTP code when only that is given. */
  readonly status: string;
  readonly diagnostic: string;
}

interface Found {
  /** Message-IDs of the original message, as quoted by the report. */
  readonly messageIds: readonly string[];
  /** VERP tokens anywhere in the report (its own envelope headers or the quoted original's Return-Path). */
  readonly tokens: readonly string[];
  /** The report's own Date, when it has a valid one. */
  readonly date?: Date;
  /** The report's own Message-ID: the same report read twice has the same one. */
  readonly reportId?: string;
}

export type ParsedReport =
  | (Found & { readonly kind: 'bounce'; readonly standard: boolean; readonly recipients: readonly BouncedRecipient[] })
  | (Found & { readonly kind: 'complaint'; readonly feedbackType: string; readonly recipients: readonly string[] })
  | { readonly kind: 'auto-reply' | 'challenge' }
  | { readonly kind: 'other'; readonly reason: string };

export async function parseReport(raw: Buffer, returnPath: string | undefined): Promise<ParsedReport> {
  const message = await parseMime(raw);
  if (!message) return { kind: 'other', reason: 'not a mail message (no header block)' };
  const text = raw.toString('latin1');
  const found = (extraIds: readonly string[]): Found => ({
    messageIds: unique([...extraIds, ...quotedMessageIds(message)]),
    tokens: returnPath ? tokensInText(text, returnPath) : [],
    date: dateOf(header(message, 'date')),
    reportId: /<[^>\s]+>/.exec(header(message, 'message-id') ?? '')?.[0],
  });
  const all = leaves(message);
  const feedback = all.find((p) => p.type === 'message/feedback-report');
  if (feedback) {
    const fields = fieldBlocks(feedback.body.toString('latin1'))[0] ?? new Map<string, string[]>();
    return {
      kind: 'complaint',
      feedbackType: (fields.get('feedback-type')?.[0] ?? '').toLowerCase(),
      recipients: (fields.get('original-rcpt-to') ?? []).map(bareAddress).filter(Boolean),
      ...found([]),
    };
  }
  const status = all.find((p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status');
  if (status) {
    const [perMessage, ...perRecipient] = fieldBlocks(status.body.toString('utf8'));
    const recipients = perRecipient.flatMap((f) => dsnRecipient(f));
    const originals = [...(perMessage?.get('x-original-message-id') ?? []), ...inReplyTo(message)];
    return { kind: 'bounce', standard: true, recipients, ...found(originals) };
  }
  if (isChallenge(message)) return { kind: 'challenge' };
  if (looksLikeBounce(message)) return { kind: 'bounce', standard: false, recipients: plainRecipients(message), ...found(inReplyTo(message)) };
  if (isAutoReply(message)) return { kind: 'auto-reply' };
  return { kind: 'other', reason: 'neither a bounce, a complaint nor an auto-reply' };
}

/** The field blocks of a delivery-status or feedback-report body, separated by blank lines. */
function fieldBlocks(text: string): Map<string, string[]>[] {
  return text
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => parseFields(block.trim()))
    .filter((m) => m.size > 0);
}

function dsnRecipient(fields: Map<string, string[]>): BouncedRecipient[] {
  const address = bareAddress(typed(fields.get('final-recipient')?.[0]));
  if (!address) return [];
  const diagnostic = typed(fields.get('diagnostic-code')?.[0]);
  const action = (fields.get('action')?.[0] ?? 'failed').toLowerCase().split(/\s/)[0]!;
  const original = bareAddress(typed(fields.get('original-recipient')?.[0]));
  let status = (/\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(fields.get('status')?.[0] ?? '')?.[1]) ?? statusIn(diagnostic) ?? (action === 'failed' ? '5.0.0' : '4.0.0');
  // Exim says 5.0.0 in Status and the real code only in the diagnostic: the precise one decides
  if (/^\d\.0\.0$/.test(status)) status = statusIn(diagnostic) ?? status;
  return [{ address, originalAddress: original || undefined, action, status, diagnostic }];
}

/** "rfc822; someone@example.org" → the value after the type. */
function typed(value: string | undefined): string {
  if (!value) return '';
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim();
}

export function bareAddress(value: string): string {
  const angle = /<([^<>]*)>/.exec(value);
  return (angle ? angle[1]! : value).trim().replace(/^mailto:/i, '').toLowerCase();
}

/** The enhanced status code in a server's text, or one derived from its SMTP reply code. */
function statusIn(text: string): string | undefined {
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(text);
  if (enhanced) return `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
  const code = /(?:^|[\s:(])([45])\d\d(?=[\s:\-]|$)/.exec(text);
  return code ? `${code[1]}.0.0` : undefined;
}

/** Message-IDs of the original: in a quoted message or header part, or in the text of a plain bounce. */
function quotedMessageIds(message: MimePart): string[] {
  const ids: string[] = [];
  for (const part of leaves(message)) {
    if (part === message) continue;
    if (part.type === 'message/rfc822' || part.type === 'text/rfc822-headers' || part.type === 'message/global' || part.type === 'text/plain') {
      for (const m of part.body.toString('latin1').matchAll(/^message-id:[ \t]*(<[^>\s]+>)/gim)) ids.push(m[1]!);
    }
  }
  if (message.parts.length === 0) {
    for (const m of message.body.toString('latin1').matchAll(/^message-id:[ \t]*(<[^>\s]+>)/gim)) ids.push(m[1]!);
  }
  return ids;
}

function inReplyTo(message: MimePart): string[] {
  const values = [header(message, 'in-reply-to') ?? '', header(message, 'references') ?? ''].join(' ');
  return [...values.matchAll(/<[^>\s]+>/g)].map((m) => m[0]);
}

function dateOf(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const at = new Date(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const subjectOf = (m: MimePart): string => decodeWords(header(m, 'subject') ?? '');
const fromOf = (m: MimePart): string => (header(m, 'from') ?? '').toLowerCase();

const BOUNCE_SUBJECT = /undeliver|returned mail|delivery (status notification|failure|has failed)|failure notice|mail delivery failed|could not be delivered|delivery failed|non-?delivery/i;

function looksLikeBounce(m: MimePart): boolean {
  return Boolean(header(m, 'x-failed-recipients')) || /mailer-daemon|postmaster@/.test(fromOf(m)) || BOUNCE_SUBJECT.test(subjectOf(m));
}

const AUTO_SUBJECT = /^(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response|antwort)|away from|on vacation|vacation reply|abwesenheit|r[ée]ponse automatique)/i;

function isAutoReply(m: MimePart): boolean {
  const submitted = (header(m, 'auto-submitted') ?? 'no').toLowerCase();
  if (submitted !== 'no') return true;
  if (header(m, 'x-autoreply') || header(m, 'x-autorespond') || header(m, 'x-autoresponse')) return true;
  if (/^auto[-_]?reply$/i.test(header(m, 'precedence') ?? '')) return true;
  return AUTO_SUBJECT.test(subjectOf(m));
}

const CHALLENGE = /(verify|confirm) (that )?you are (a )?(human|person|real)|guest list|whitelist|approved senders|sender verification|challenge[- ]response|waitlisted/i;

function isChallenge(m: MimePart): boolean {
  if (/boxbe|spamarrest|mailblocks|choicemail/.test(fromOf(m))) return true;
  if (header(m, 'x-boxbe-id') || header(m, 'x-challenge')) return true;
  const text = leaves(m).filter((p) => p.type === 'text/plain').map((p) => p.body.toString('utf8').slice(0, 4000)).join('\n');
  return CHALLENGE.test(subjectOf(m)) || CHALLENGE.test(text);
}

/**
 * A plain-text bounce: the addresses it names before its copy of the original (or in
 * X-Failed-Recipients), each with the first status the notice gives.
 */
function plainRecipients(m: MimePart): BouncedRecipient[] {
  const text = leaves(m).filter((p) => p.type.startsWith('text/plain')).map((p) => p.body.toString('utf8')).join('\n');
  const marker = /^[ \t]*-{2,}.*(original|copy of|headers|below this line).*$/im.exec(text);
  const notice = marker ? text.slice(0, marker.index) : text;
  const status = statusIn(notice) ?? '5.0.0';
  const line = notice.split(/\r?\n/).find((l) => statusIn(l)) ?? '';
  const addresses = new Set<string>((header(m, 'x-failed-recipients') ?? '').split(',').map(bareAddress).filter(Boolean));
  for (const found of notice.matchAll(/[^\s<>()"',;:[\]]+@[a-z0-9.-]+\.[a-z]{2,}/gi)) addresses.add(found[0].toLowerCase());
  return [...addresses].map((address) => ({ address, action: 'failed', status, diagnostic: line.trim() }));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}
