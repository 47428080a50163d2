/**
 * The record as the delivery loop writes through it; the SQLite record satisfies it, and so can
 * a record kept in memory. Writes are synchronous: a claim is durable (fsync) when `apply`
 * returns, and the message it claims is handed to the transport only after that.
 */
export interface DeliveryRecord {
  /** The next recipients of a post that may be attempted now, in list order after `afterSeq`; a new array the caller owns. */
  due(postId: string, now: Date, opts: { afterSeq: number; limit: number; includeInDoubt: boolean }): DueRecipient[];
  /**
   * One transaction: record the outcome of finished messages and claim the next ones. Returns,
   * per claim, whether this run now owns the recipient (false when another state won the race).
   */
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], now: Date, opts: { includeInDoubt: boolean }): boolean[];
  /** A recipient who left the list after the post was queued receives nothing. */
  skip(postId: string, key: string, reason: string, now: Date): void;
}

/** A queued recipient as delivery needs it: who, how often tried already, and where in the list. */
export interface DueRecipient {
  readonly postId: string;
  readonly key: string;
  readonly email: string;
  readonly name: string;
  readonly attempts: number;
  readonly seq: number;
}

/** This run takes a recipient (pending, deferred or in doubt → sending) under a Message-ID. */
export interface Claim {
  readonly postId: string;
  readonly key: string;
  readonly messageId: string;
}

/** What the server's answer (or its absence) makes of a claimed recipient. */
export type SettledAs = 'sent' | 'failed' | 'deferred' | 'in_doubt' | 'pending';

export interface Settle {
  readonly postId: string;
  readonly key: string;
  readonly state: SettledAs;
  readonly reply: string;
  readonly nextAttemptAt?: string;
  /** The relay that answered, when the run sends through several. */
  readonly relay?: string;
}
