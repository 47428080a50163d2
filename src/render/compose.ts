import crypto from 'node:crypto';
import type * as MimeFuncs from 'nodemailer/lib/mime-funcs';
import type * as Qp from 'nodemailer/lib/qp';
import type * as Shared from 'nodemailer/lib/shared';
import { feedbackIdValue } from '../config/feedback-settings';
import { splitListId } from '../config/header-settings';
import { needsSmtpUtf8 } from '../subscribers/address';
import { type Sender, messageIdFor, unsubscribeLinks } from './envelope';
import { headerText } from './header-text';
import type { Recipient, RenderedMessage } from './rendered-message';
import type { RenderedPost } from './rendered';
import { type RecipientValues, type Segments, escapeHtml } from './template';

/**
 * The fast path: a post's MIME message assembled once, with only the recipient-dependent bytes
 * built per subscriber. Every static piece of the HTML and text parts is quoted-printable encoded
 * once and ends with a soft line break, and so does every personalised value, so joining them
 * keeps every line within 76 characters and decodes to exactly the slow path's content
 * (tests compare both with mailparser). Encoding helpers are nodemailer's own.
 */
export interface MessageTemplate {
  readonly postId: string;
  readonly sender: Sender;
  readonly subject: Segments;
  readonly staticSubject?: string;
  /**
   * Everything after the per-recipient headers, as bytes ready to send: the common headers and
   * both encoded parts, with a slot wherever a recipient's value goes.
   */
  readonly rest: readonly (Buffer | BodySlot)[];
}

export interface BodySlot {
  readonly name: keyof RecipientValues;
  readonly fallback: string;
  /** HTML-escape the value (the HTML part) or not (the text part). */
  readonly escape: boolean;
}

const CRLF = '\r\n';

interface Encoders {
  readonly mimeFuncs: typeof MimeFuncs;
  readonly qp: typeof Qp;
  readonly normalizeDomain: typeof Shared.normalizeDomain;
}
let encoders: Encoders | undefined;
/** nodemailer's encoders, loaded when the first message is composed rather than at start-up. */
function lib(): Encoders {
  /* eslint-disable @typescript-eslint/no-require-imports */
  encoders ??= {
    mimeFuncs: require('nodemailer/lib/mime-funcs') as typeof MimeFuncs,
    qp: require('nodemailer/lib/qp') as typeof Qp,
    normalizeDomain: (require('nodemailer/lib/shared') as typeof Shared).normalizeDomain,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return encoders;
}

export function compileMessage(rendered: RenderedPost, sender: Sender, date: Date): MessageTemplate {
  const staticSubject = rendered.subject.parts.every((p) => typeof p === 'string') ? rendered.subject.parts.join('') : undefined;
  const headers = [
    header('From', formatAddress(sender.from.name, sender.from.address)),
    sender.replyTo ? header('Reply-To', formatAddress(sender.replyTo.name, sender.replyTo.address)) : '',
    staticSubject !== undefined ? header('Subject', encodeText(staticSubject)) : '',
    dateHeader(date),
    header('List-ID', listIdValue(sender.listId)),
    sender.feedbackId ? header('Feedback-ID', feedbackIdValue(sender.feedbackId, rendered.post.id)) : '',
  ].join('');
  const rest = [headers, ...alternativeParts(rendered.text, rendered.html)];
  return { postId: rendered.post.id, sender, subject: rendered.subject, staticSubject, rest: joinStatic(rest) };
}

export function dateHeader(date: Date): string {
  return header('Date', date.toUTCString().replace(/GMT$/, '+0000'));
}

/**
 * The MIME headers and body every herald message has: multipart/alternative, the text part then
 * the HTML part, each quoted-printable, with a slot wherever a recipient's value goes.
 */
export function alternativeParts(text: Segments, html: Segments): (string | BodySlot)[] {
  const boundary = `--_herald-${crypto.randomBytes(12).toString('hex')}`;
  return [
    'MIME-Version: 1.0' + CRLF,
    header('Content-Type', `multipart/alternative; boundary="${boundary}"`),
    CRLF,
    `--${boundary}${CRLF}`,
    ...encodePart(text, 'text/plain', false),
    `--${boundary}${CRLF}`,
    ...encodePart(html, 'text/html', true),
    `--${boundary}--${CRLF}`,
  ];
}

/** Adjacent static pieces become one Buffer, so a recipient's message is a handful of copies. */
export function joinStatic(pieces: readonly (string | BodySlot)[]): (Buffer | BodySlot)[] {
  const out: (Buffer | BodySlot)[] = [];
  let text = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
      continue;
    }
    if (text) out.push(Buffer.from(text, 'utf8'));
    text = '';
    out.push(piece);
  }
  if (text) out.push(Buffer.from(text, 'utf8'));
  return out;
}

/** `messageId` is the recipient's Message-ID when the caller has it already (the send loop's claim). */
export function personalise(template: MessageTemplate, recipient: Recipient, messageId = messageIdFor(template.sender, template.postId, recipient.key)): RenderedMessage {
  const links = unsubscribeLinks(template.sender, recipient);
  const values: RecipientValues = { name: recipient.name, email: recipient.email, unsubscribe_url: links.visible };
  let head = header('To', formatAddress(recipient.name, recipient.email));
  if (template.staticSubject === undefined) head += header('Subject', encodeText(fillPlain(template.subject, values)));
  head += header('Message-ID', messageId);
  head += header('List-Unsubscribe', links.header);
  if (links.oneClick) head += 'List-Unsubscribe-Post: List-Unsubscribe=One-Click' + CRLF;
  const chunks: Buffer[] = [Buffer.from(head, 'utf8')];
  for (const piece of template.rest) {
    if (Buffer.isBuffer(piece)) {
      chunks.push(piece);
    } else {
      const value = values[piece.name] || piece.fallback;
      chunks.push(Buffer.from(qpChunk(piece.escape ? escapeHtml(value) : value), 'utf8'));
    }
  }
  // the shared pieces go to the socket as they are: no per-recipient copy of the whole message
  return { messageId, envelope: { from: template.sender.from.address, to: recipient.email }, raw: chunks, smtputf8: recipient.smtputf8 };
}

/** A part's headers and body: static text quoted-printable encoded once, slots left for each recipient. */
function encodePart(segments: Segments, type: string, escape: boolean): (string | BodySlot)[] {
  const head = `Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
  const body = segments.parts.map((part) => (typeof part === 'string' ? qpChunk(part) : { ...part, escape }));
  return [head, ...body, CRLF];
}

/**
 * Quoted-printable, wrapped at 76, always ending in a soft line break so chunks can be joined.
 * The same text as nodemailer's encoder and wrapper make, with shortcuts for the usual values.
 */
export function qpChunk(text: string): string {
  if (!text) return '';
  // most names and addresses: nothing to encode, and short enough for nodemailer to keep as one line
  if (text.length <= 76 && QP_AS_IS.test(text)) return `${text}=${CRLF}`;
  // links: of printable ASCII, the encoder changes only "=" (and a space at the end, excluded here)
  const encoded = PRINTABLE.test(text) ? text.replace(/=/g, '=3D') : lib().qp.encode(Buffer.from(text.replace(/\r?\n/g, CRLF), 'utf8'));
  return `${lib().qp.wrap(encoded, 76)}=${CRLF}`;
}

/** Printable ASCII without "=", not ending in a space: text that quoted-printable leaves as it is. */
const QP_AS_IS = /^[\x20-\x3c\x3e-\x7e]*[\x21-\x3c\x3e-\x7e]$/;
/** Printable ASCII not ending in a space. */
const PRINTABLE = /^[\x20-\x7e]*[\x21-\x7e]$/;

function fillPlain(segments: Segments, values: RecipientValues): string {
  return segments.parts.map((p) => (typeof p === 'string' ? p : values[p.name] || p.fallback)).join('');
}

/** One header line, folded at 76 as nodemailer folds it. */
export function header(name: string, value: string): string {
  return lib().mimeFuncs.foldLines(`${name}: ${value}`, 76) + CRLF;
}

/** Unstructured text (the subject): encoded-words where needed, and never a word too long to fold. */
export function encodeText(value: string): string {
  const text = headerText(value);
  // text that looks like an encoded-word would be decoded by the reader's client: it is encoded itself
  if (text.includes('=?')) return lib().mimeFuncs.encodeWord(text, 'Q', 52);
  const encoded = lib().mimeFuncs.encodeWords(text, 'Q', 52);
  // a line may not pass 998 octets: a long run without spaces (a title of one long word) is split into encoded-words
  return LONG_WORD.test(encoded) ? lib().mimeFuncs.encodeWord(text, 'Q', 52) : encoded;
}

const LONG_WORD = /\S{900}/;

/** A mailbox as nodemailer writes it: the name as it is, quoted, or as encoded-words. */
export function formatAddress(name: string, address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const addr = `${local}@${headerDomain(address.slice(at + 1), needsSmtpUtf8(local))}`;
  if (!name) return addr;
  if (/^[\w ]*$/.test(name)) return name.length < 900 ? `${name} <${addr}>` : `${lib().mimeFuncs.encodeWord(name, 'Q', 52)} <${addr}>`;
  const text = headerText(name).trim();
  if (!text) return addr;
  return `${encodePhrase(text)} <${addr}>`;
}

/** A phrase (display name, List-Id name) of printable ASCII is quoted; anything else becomes encoded-words. */
function encodePhrase(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && text.length < 900) return lib().mimeFuncs.quoteString(text);
  return lib().mimeFuncs.encodeWord(text, 'Q', 52);
}

/**
 * The List-Id header: its name is a phrase like a display name (kept as it is when it is plain
 * words, as herald always wrote it), the identifier in angle brackets is ASCII by construction.
 */
export function listIdValue(listId: string): string {
  const { phrase, id, bracketed } = splitListId(listId);
  if (!bracketed) return /^[\x21-\x7e]+$/.test(id) ? id : encodeText(id);
  const text = headerText(phrase).trim();
  if (!text) return `<${id}>`;
  return `${PLAIN_PHRASE.test(text) && !text.includes('=?') && text.length < 900 ? text : encodePhrase(text)} <${id}>`;
}

/** Atoms and dots separated by spaces: a phrase that needs no quoting (RFC 5322 obs-phrase allows the dots). */
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~. ]*$/;

/**
 * An address's domain as nodemailer writes it in a header (IDNA-normalised, as Unicode when the
 * local part is). Lower-case ASCII labels, none punycode and the last starting with a letter (so
 * not an IPv4 address either), which is how subscriber addresses are stored, are their own
 * normal form: no IDNA pass for each recipient.
 */
export function headerDomain(domain: string, unicodeLocalPart: boolean): string {
  return PLAIN_DOMAIN.test(domain) && !domain.includes('xn--') ? domain : lib().normalizeDomain(domain, unicodeLocalPart);
}

const PLAIN_DOMAIN = /^(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*$/;
