import type MailComposer from 'nodemailer/lib/mail-composer';
import { encodeText, listIdValue } from './compose';
import { type Sender, messageIdFor, unsubscribeLinks } from './envelope';
import { headerText } from './header-text';
import { type RenderedPost, fillMessage } from './post';
import type { Recipient, RenderedMessage as OutgoingMessage } from './rendered-message';

// the message type, its bytes and its recipient live in rendered-message.ts; named here too for
// the callers that import them from this module
export { messageBytes, type Recipient, type RenderedMessage as OutgoingMessage } from './rendered-message';

export interface BuildOptions {
  readonly date?: Date;
  /** A test send gets its own Message-ID and a marked subject, so it is never confused with the real one. */
  readonly test?: boolean;
}

/** Builds one subscriber's message with nodemailer's own MIME composer (valid MIME, QP line limits). */
export async function buildMessage(rendered: RenderedPost, sender: Sender, recipient: Recipient, opts: BuildOptions = {}): Promise<OutgoingMessage & { readonly raw: Buffer }> {
  const links = unsubscribeLinks(sender, recipient);
  const filled = fillMessage(rendered, { name: recipient.name, email: recipient.email, unsubscribe_url: links.visible });
  const messageId = opts.test
    ? `<test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}@${sender.messageIdDomain}>`
    : messageIdFor(sender, rendered.post.id, recipient.key);
  const headers: Record<string, string | { prepared: boolean; foldLines: boolean; value: string }> = {
    // nodemailer would encode the whole value as text, angle brackets included; its name is a phrase
    'List-Id': { prepared: true, foldLines: true, value: listIdValue(sender.listId) },
    // encoded as the fast path does (compose.ts), which also covers text that looks like an encoded-word
    Subject: { prepared: true, foldLines: true, value: encodeText(opts.test ? `[test] ${filled.subject}` : filled.subject) },
    'List-Unsubscribe': links.header,
  };
  if (links.oneClick) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Composer = require('nodemailer/lib/mail-composer') as typeof MailComposer;
  const composer = new Composer({
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
