/**
 * What happened to one message, in the terms the record needs. The classification follows RFC
 * 5321 reply classes and RFC 3463 enhanced codes; see the README's "SMTP replies" table.
 */
export type Outcome =
  /** The server accepted the message for this recipient (250 after the data). */
  | { readonly kind: 'accepted'; readonly reply: string }
  /** The server refused this recipient for good (5xx on RCPT TO or after the data). */
  | { readonly kind: 'failed'; readonly reply: string }
  /** The server asked to try this recipient later (4xx on RCPT TO or after the data). */
  | { readonly kind: 'deferred'; readonly reply: string }
  /** Definitely not delivered (connection trouble before the data ended, 421): try again. */
  | { readonly kind: 'retry'; readonly reply: string; readonly throttle: boolean }
  /** The data was sent and no reply came: it may have been delivered. */
  | { readonly kind: 'in_doubt'; readonly reply: string }
  /** Our side is misconfigured (authentication, sender refused): stop the whole run. */
  | { readonly kind: 'abort'; readonly reply: string };

export interface SmtpErrorLike {
  readonly code?: string;
  readonly command?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly message?: string;
}

const THROTTLE_TEXT = /throttl|rate|too many|slow down|try again later/i;

/**
 * Pure: maps a nodemailer SMTP error to an outcome. `dataEnded` says whether the whole message
 * (and so the final dot) had been written when the error came: only then can a missing reply mean
 * the server might have the message.
 */
export function classifySmtpError(err: SmtpErrorLike, dataEnded: boolean): Outcome {
  const code = err.responseCode ?? 0;
  const reply = describe(err);
  if (err.code === 'EAUTH' || code === 530 || code === 534 || code === 535 || code === 538) return { kind: 'abort', reply };
  if (err.command === 'MAIL FROM') {
    if (code >= 500) return { kind: 'abort', reply };
    return { kind: 'retry', reply, throttle: code === 421 || code === 454 || THROTTLE_TEXT.test(reply) };
  }
  if (code === 421 || code === 454) return { kind: 'retry', reply, throttle: true };
  if (code >= 500) return { kind: 'failed', reply };
  if (code >= 400) return { kind: 'deferred', reply };
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return { kind: 'failed', reply };
  // no reply at all: a timeout or a dropped connection
  return dataEnded ? { kind: 'in_doubt', reply } : { kind: 'retry', reply, throttle: false };
}

function describe(err: SmtpErrorLike): string {
  if (err.response) return err.response.replace(/\s+/g, ' ').trim();
  return `${err.code ?? 'ERROR'}: ${(err.message ?? 'unknown error').replace(/\s+/g, ' ').trim()}`;
}

/**
 * A permanent failure that says the mailbox does not exist or is disabled (550/551/553 with no
 * enhanced code, or 5.1.x / 5.2.x) means "never mail this address again". Policy refusals (5.7.x)
 * are about the sender, not the address, and do not suppress it.
 */
export function isMailboxGone(reply: string): boolean {
  const match = /^(5\d\d)(?:[ -](5\.(\d{1,3})\.\d{1,3}))?/.exec(reply.trim());
  if (!match || !['550', '551', '553'].includes(match[1]!)) return false;
  return match[2] === undefined || match[3] === '1' || match[3] === '2';
}
