/**
 * nodemailer's own MIME composer (MailComposer), kept as the reference that herald's composer
 * (src/render/compose.ts) is compared with: the messages herald sends must read back, through
 * mailparser, exactly as the same message composed by nodemailer does. Tests only; herald sends
 * nothing composed here.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Mailbox } from '../../src/config/header-settings';
import { feedbackIdValue } from '../../src/config/feedback-settings';
import { encodeText, listIdValue } from '../../src/render/compose';
import { type Sender, messageIdFor, unsubscribeLinks } from '../../src/render/envelope';
import { headerText } from '../../src/render/header-text';
import type { RenderedMessage as OutgoingMessage, Recipient } from '../../src/render/rendered-message';
import { type RenderedPost, fillMessage } from '../../src/render/rendered';

export interface ReferenceOptions {
  readonly date?: Date;
  /** As a test copy: a [test] subject and the given Message-ID. */
  readonly test?: { readonly messageId: string };
}

/** One subscriber's message of a post, composed by nodemailer. */
export async function nodemailerMessage(rendered: RenderedPost, sender: Sender, recipient: Recipient, opts: ReferenceOptions = {}): Promise<OutgoingMessage & { readonly raw: Buffer }> {
  const links = unsubscribeLinks(sender, recipient);
  const filled = fillMessage(rendered, { name: recipient.name, email: recipient.email, unsubscribe_url: links.visible });
  const messageId = opts.test?.messageId ?? messageIdFor(sender, rendered.post.id, recipient.key);
  const headers: Record<string, string | { prepared: boolean; foldLines: boolean; value: string }> = {
    // nodemailer would encode the whole value as text, angle brackets included; its name is a phrase
    'List-Id': { prepared: true, foldLines: true, value: listIdValue(sender.listId) },
    // encoded as herald encodes subjects, which also covers text that looks like an encoded-word
    Subject: { prepared: true, foldLines: true, value: encodeText(opts.test ? `[test] ${filled.subject}` : filled.subject) },
    'List-Unsubscribe': links.header,
  };
  if (links.oneClick) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  if (sender.feedbackId) headers['Feedback-ID'] = feedbackIdValue(sender.feedbackId, rendered.post.id);
  const composer = new MailComposer({
    from: sender.from,
    to: { name: headerText(recipient.name).trim(), address: recipient.email },
    replyTo: sender.replyTo,
    html: filled.html,
    text: filled.text,
    messageId,
    date: opts.date ?? new Date(),
    headers,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const raw = await composer.compile().build();
  return { messageId, envelope: { from: sender.from.address, to: recipient.email }, raw, smtputf8: recipient.smtputf8 };
}

/** A message that is not a post (the subscribe form's confirmation), composed by nodemailer as herald once did. */
export async function nodemailerNotice(mail: {
  from: Mailbox; replyTo?: Mailbox; to: string; subject: string; messageId: string; date: Date; headers?: Record<string, string>; text: string; html: string;
}): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from,
    to: { name: '', address: mail.to },
    replyTo: mail.replyTo,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    date: mail.date,
    headers: { ...mail.headers, Subject: { prepared: true, foldLines: true, value: encodeText(mail.subject) } },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
