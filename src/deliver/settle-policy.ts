import type { DueRecipient, Settle } from './delivery-record';
import type { Outcome } from './outcome';

export interface DeliverySummary {
  sent: number;
  failed: number;
  deferred: number;
  inDoubt: number;
  skipped: number;
  /** Released untouched (connection trouble, stop, abort, cap): the next run picks them up. */
  notAttempted: number;
  aborted?: string;
  /** Every relay was out or at its quota (why): the rest was left for a later run. */
  unavailable?: string;
  /** The server kept throttling (its last reply): the rest of the run was left for the next one. */
  throttled?: string;
}

export function emptySummary(): DeliverySummary {
  return { sent: 0, failed: 0, deferred: 0, inDoubt: 0, skipped: 0, notAttempted: 0 };
}

/** The summary's counters an outcome can add one to. */
export type Counted = 'sent' | 'failed' | 'deferred' | 'inDoubt' | 'notAttempted';

/**
 * Pure: which counter of the summary one settled message adds to. A retry counts nowhere here:
 * the loop counts it as not attempted only when it gives up retrying in this run.
 */
export const COUNTED_AS: Readonly<Record<Outcome['kind'], Counted | undefined>> = {
  accepted: 'sent',
  failed: 'failed',
  deferred: 'deferred',
  in_doubt: 'inDoubt',
  abort: 'notAttempted',
  unavailable: 'notAttempted',
  retry: undefined,
};

/**
 * Pure: what the record makes of a claimed recipient once its message has an outcome. `now` is
 * read only for a deferral, which waits `firstRetryMinutes`, doubled per attempt already made.
 */
export function settleFor(postId: string, row: Pick<DueRecipient, 'key' | 'attempts'>, outcome: Outcome, deferral: { readonly firstRetryMinutes: number }, now: () => Date): Settle {
  const settle = settleState(postId, row, outcome, deferral, now);
  return outcome.relay === undefined ? settle : { ...settle, relay: outcome.relay };
}

function settleState(postId: string, row: Pick<DueRecipient, 'key' | 'attempts'>, outcome: Outcome, deferral: { readonly firstRetryMinutes: number }, now: () => Date): Settle {
  switch (outcome.kind) {
    case 'accepted':
      return { postId, key: row.key, state: 'sent', reply: outcome.reply };
    case 'failed':
      return { postId, key: row.key, state: 'failed', reply: outcome.reply };
    case 'deferred': {
      const waitMs = deferral.firstRetryMinutes * 60_000 * 2 ** Math.min(row.attempts, 8);
      return { postId, key: row.key, state: 'deferred', reply: outcome.reply, nextAttemptAt: new Date(now().getTime() + waitMs).toISOString() };
    }
    case 'in_doubt':
      return { postId, key: row.key, state: 'in_doubt', reply: `no reply after the data: ${outcome.reply}` };
    case 'abort':
    case 'unavailable':
    case 'retry':
      // definitely not delivered: back to pending, for this run's retry queue or the next run
      return { postId, key: row.key, state: 'pending', reply: `not sent: ${outcome.reply}` };
  }
}

/** A claimed recipient whose message was never handed over goes back untouched. */
export function released(postId: string, key: string, why: string): Settle {
  return { postId, key, state: 'pending', reply: `not sent: ${why}` };
}
