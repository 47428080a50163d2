import crypto from 'node:crypto';
import type { Mailbox } from '../config/header-settings';
import { alternativeParts, compileMessage, dateHeader, encodeText, formatAddress, header, joinStatic, personalise } from './compose';
import type { Sender } from './envelope';
import { type RenderedMessage, type Recipient, messageBytes } from './rendered-message';
import type { RenderedPost } from './rendered';
import { TEST_COPY_TOKEN } from '../unsubscribe/token';

/**
 * Messages composed whole, one at a time, outside a post's send loop: a test copy (`send --to`)
 * and the subscribe form's confirmation. They go through the send loop's own composer
 * (compose.ts), so every message herald sends is built one way.
 */

export interface TestCopyOptions {
  readonly date?: Date;
}

/**
 * A post's test copy for one address: what a subscriber gets, with a subject marked `[test]` and a
 * Message-ID of its own, so it is never confused with the real one. Its unsubscribe links, the
 * one-click List-Unsubscribe header's included, carry TEST_COPY_TOKEN, which names nobody:
 * pressing unsubscribe in the tester's mail client unsubscribes no one, and herald serve says so.
 */
export function composeTestCopy(rendered: RenderedPost, sender: Sender, to: Recipient, opts: TestCopyOptions = {}): RenderedMessage & { readonly raw: Buffer } {
  const marked: RenderedPost = { ...rendered, subject: { parts: ['[test] ', ...rendered.subject.parts] } };
  const template = compileMessage(marked, { ...sender, secret: undefined, inertToken: TEST_COPY_TOKEN }, opts.date ?? new Date());
  const messageId = `<test-${Date.now().toString(36)}-${crypto.randomBytes(6).toString('hex')}@${sender.messageIdDomain}>`;
  const message = personalise(template, to, messageId);
  return { ...message, raw: messageBytes(message) };
}

/** A message that is not a post: plain text and HTML written by herald, to one bare address. */
export interface NoticeMail {
  readonly from: Mailbox;
  readonly replyTo?: Mailbox;
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly date: Date;
  /** More headers, as header text (e.g. Auto-Submitted). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly text: string;
  readonly html: string;
  readonly smtputf8: boolean;
}

export function composeNotice(mail: NoticeMail): RenderedMessage & { readonly raw: Buffer } {
  const head = [
    header('From', formatAddress(mail.from.name, mail.from.address)),
    header('To', formatAddress('', mail.to)),
    mail.replyTo ? header('Reply-To', formatAddress(mail.replyTo.name, mail.replyTo.address)) : '',
    header('Subject', encodeText(mail.subject)),
    header('Message-ID', mail.messageId),
    dateHeader(mail.date),
    ...Object.entries(mail.headers ?? {}).map(([name, value]) => header(name, encodeText(value))),
  ].join('');
  const pieces = joinStatic([head, ...alternativeParts({ parts: [mail.text] }, { parts: [mail.html] })]);
  // no recipient slots in a notice: every piece is already bytes
  const raw = Buffer.concat(pieces.filter((piece): piece is Buffer => Buffer.isBuffer(piece)));
  return { messageId: mail.messageId, envelope: { from: mail.from.address, to: mail.to }, raw, smtputf8: mail.smtputf8 };
}
