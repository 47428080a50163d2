/**
 * What happened to one message, in the terms the record needs. The classification follows RFC
 * 5321 reply classes and RFC 3463 enhanced codes; see the README's "SMTP replies" table.
 */
export type Outcome = OutcomeKind & {
  /** The relay that gave this outcome, when the run sends through several (see relay-pool.ts). */
  readonly relay?: string;
};

type OutcomeKind =
  /** The server accepted the message for this recipient (250 after the data). */
  | { readonly kind: 'accepted'; readonly reply: string }
  /** The server refused this recipient for good (5xx on RCPT TO or after the data). */
  | { readonly kind: 'failed'; readonly reply: string }
  /** The server asked to try this recipient later (4xx on RCPT TO or after the data). */
  | { readonly kind: 'deferred'; readonly reply: string }
  /**
   * Definitely not delivered (connection trouble before the data ended, 421, throttling): try
   * again. `throttle` says the server asked the whole session to slow down (421, or a throttling
   * reply to MAIL FROM); a recipient throttled alone (454 to RCPT TO) only waits itself.
   */
  | { readonly kind: 'retry'; readonly reply: string; readonly throttle: boolean }
  /** The data was sent and no reply came: it may have been delivered. */
  | { readonly kind: 'in_doubt'; readonly reply: string }
  /** Our side is misconfigured (authentication, sender refused): stop the whole run. */
  | { readonly kind: 'abort'; readonly reply: string }
  /** No relay can take mail now (every one out or at its quota): nothing was sent; the run stops for a later one. */
  | { readonly kind: 'unavailable'; readonly reply: string };

export interface SmtpErrorLike {
  readonly code?: string;
  readonly command?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly message?: string;
}

const THROTTLE_TEXT = /throttl|rate|too many|slow down|try again later/i;
const AUTH_CODES = new Set([530, 534, 535, 538]);

interface Reply {
  readonly code: number;
  readonly command: string;
  readonly text: string;
  readonly err: SmtpErrorLike;
  readonly dataEnded: boolean;
}

/**
 * The reply table, first match wins; the README's "SMTP replies" table says the same in words.
 * `throttle` on a retry means "slow the whole run down"; see throttle.ts.
 */
const RULES: readonly { readonly when: (r: Reply) => boolean; readonly then: (r: Reply) => Outcome }[] = [
  // authentication refused: our settings are wrong
  { when: (r) => r.err.code === 'EAUTH' || AUTH_CODES.has(r.code), then: (r) => ({ kind: 'abort', reply: r.text }) },
  // the sender refused for good: our settings are wrong
  { when: (r) => r.command === 'MAIL FROM' && r.code >= 500, then: (r) => ({ kind: 'abort', reply: r.text }) },
  // MAIL FROM not taken now: no recipient was named yet, so the session itself is held back
  { when: (r) => r.command === 'MAIL FROM', then: (r) => ({ kind: 'retry', reply: r.text, throttle: r.code === 421 || r.code === 454 || THROTTLE_TEXT.test(r.text) }) },
  // the server is closing the session, whatever the stage
  { when: (r) => r.code === 421, then: (r) => ({ kind: 'retry', reply: r.text, throttle: true }) },
  // this recipient or message throttled (Amazon SES): only it waits and tries again
  { when: (r) => r.code === 454, then: (r) => ({ kind: 'retry', reply: r.text, throttle: false }) },
  { when: (r) => r.code >= 500, then: (r) => ({ kind: 'failed', reply: r.text }) },
  { when: (r) => r.code >= 400, then: (r) => ({ kind: 'deferred', reply: r.text }) },
  { when: (r) => r.err.code === 'EENVELOPE' || r.err.code === 'EMESSAGE', then: (r) => ({ kind: 'failed', reply: r.text }) },
  // no reply at all (a timeout, a dropped connection): after the final dot it may have arrived
  { when: (r) => r.dataEnded, then: (r) => ({ kind: 'in_doubt', reply: r.text }) },
  { when: () => true, then: (r) => ({ kind: 'retry', reply: r.text, throttle: false }) },
];

/**
 * Pure: maps a nodemailer SMTP error to an outcome. `dataEnded` says whether the whole message
 * (and so the final dot) had been written when the error came: only then can a missing reply mean
 * the server might have the message.
 */
export function classifySmtpError(err: SmtpErrorLike, dataEnded: boolean): Outcome {
  const reply: Reply = { code: err.responseCode ?? 0, command: err.command ?? '', text: describe(err), err, dataEnded };
  return RULES.find((rule) => rule.when(reply))!.then(reply);
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
