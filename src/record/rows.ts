/**
 * The rows the record hands out, and the states a recipient moves through (the transitions and
 * why they are safe are written where they happen: deliveries.ts).
 */
export const DELIVERY_STATES = ['pending', 'sending', 'sent', 'failed', 'deferred', 'in_doubt', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type SettledState = Exclude<DeliveryState, 'sending'>;

export type StateCounts = Readonly<Record<DeliveryState, number>>;

export function emptyCounts(): Record<DeliveryState, number> {
  return { pending: 0, sending: 0, sent: 0, failed: 0, deferred: 0, in_doubt: 0, skipped: 0 };
}

export interface PostRow {
  readonly id: string;
  readonly file: string;
  readonly title: string;
  readonly firstSeenAt: string;
  /** baseline: existed when herald first met the folder, not mailed; queued: its audience is recorded. */
  readonly disposition: 'baseline' | 'queued';
  readonly queuedAt: string | null;
  readonly recipients: number;
  /** The hash of its text when it was last read, and its URL (null in rows written before herald kept them). */
  readonly contentHash: string | null;
  readonly url: string | null;
}

/** A post as the record stores it: the hash of its text and its URL help name it after a rename. */
export interface PostEntry {
  readonly id: string;
  readonly file: string;
  readonly title: string;
  readonly contentHash?: string | null;
  readonly url?: string | null;
}

export interface DeliveryRow {
  readonly postId: string;
  readonly key: string;
  readonly email: string;
  readonly name: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly messageId: string | null;
  readonly reply: string | null;
  readonly firstAttemptAt: string | null;
  readonly updatedAt: string;
  readonly sentAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly seq: number;
  /** What a later bounce or complaint said about this delivery (`herald log` only). */
  readonly feedback?: string | null;
}

/** A row as `herald log` shows it: with the relay that gave its last outcome, when the run sent through several. */
export interface LoggedRow extends DeliveryRow {
  readonly relay: string | null;
}

/** The columns of `deliveries` as a DeliveryRow names them. */
export const ROW_COLUMNS = `post_id AS postId, email_key AS key, email, name, state, attempts, message_id AS messageId,
  smtp_reply AS reply, first_attempt_at AS firstAttemptAt, updated_at AS updatedAt, sent_at AS sentAt,
  next_attempt_at AS nextAttemptAt, seq`;

/**
 * The states still in play, as the partial index states them. SQLite uses that index only for a
 * query whose WHERE clause contains this very term, so every query that wants it repeats it.
 */
export const OPEN = `state IN ('pending', 'sending', 'deferred', 'in_doubt')`;
