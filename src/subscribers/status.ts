import { STATUS_HEADERS, headerKey } from './columns';

/**
 * Every status word herald knows, each defined once: what `subscribers import` makes of a row
 * with it, and whether a row with it in a file in subscribers/ receives nothing when herald sends
 * (the words README's "Subscribers" section lists). Import understands more words than a
 * subscriber file's status column does, since each service words its exports differently:
 *
 *   Mailchimp   "Email Address", "First Name", "Last Name"; the unsubscribed and cleaned exports
 *               are separate files, recognised by their UNSUB_TIME / CLEAN_TIME columns; the newer
 *               contacts export has an "Email Marketing" column (Subscribed, Unsubscribed, Cleaned…)
 *   Substack    email, name, email_disabled (true = the reader turned emails off). active_subscription
 *               is about a *paid* plan: free readers have false and still get the newsletter
 *   Buttondown  email, subscriber_type (regular, premium, unsubscribed, undeliverable, unactivated…)
 *   ConvertKit  email_address or Email, first_name, status (active, cancelled, bounced, complained…)
 */

/** Why an address is on the suppression list (its status column). */
export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'removed', 'complained', 'cleaned'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export type RowState =
  | { readonly kind: 'active' }
  | { readonly kind: 'suppressed'; readonly reason: SuppressionReason; readonly status: string }
  /** never confirmed, or not a newsletter subscriber at all: neither imported nor suppressed */
  | { readonly kind: 'skipped'; readonly status: string }
  | { readonly kind: 'unknown'; readonly status: string };

const STATUS_VALUES: Record<string, RowState> = {};
const EXCLUDED: string[] = [];
/**
 * In a subscriber file's status column, a row with this word receives nothing. Only the words
 * README lists do: what a list file means is a promise to the person who keeps it, so a word
 * joins them with the README, not because an import learned it.
 */
const STOPS_SENDING = true;

const define = (values: string[], state: RowState | ((status: string) => RowState), stopsSending = false): void => {
  for (const v of values) {
    STATUS_VALUES[v] = typeof state === 'function' ? state(v) : state;
    if (stopsSending) EXCLUDED.push(v);
  }
};
const suppressed = (reason: SuppressionReason) => (status: string): RowState => ({ kind: 'suppressed', reason, status });
const skipped = (status: string): RowState => ({ kind: 'skipped', status });

define(['', 'subscribed', 'active', 'regular', 'premium', 'paid', 'free', 'gifted', 'comp', 'trialed', 'trialing', 'past_due', 'churned', 'unpaid', 'cold', 'confirmed', 'opted_in', 'opt_in'], { kind: 'active' });
define(['unsubscribed'], suppressed('unsubscribed'), STOPS_SENDING);
define(['unsubscribe', 'cancelled', 'canceled', 'opted_out', 'opt_out'], suppressed('unsubscribed'));
define(['cleaned'], suppressed('cleaned'), STOPS_SENDING);
define(['bounced'], suppressed('bounced'), STOPS_SENDING);
define(['bounce', 'hard_bounce', 'hard_bounced', 'undeliverable'], suppressed('bounced'));
define(['complained', 'spam'], suppressed('complained'), STOPS_SENDING);
define(['complaint', 'spammy', 'abuse'], suppressed('complained'));
define(['removed', 'deleted', 'blocked', 'suppressed'], suppressed('removed'), STOPS_SENDING);
define(['banned'], suppressed('removed'));
define(['inactive'], skipped, STOPS_SENDING);
define(['pending', 'unconfirmed', 'unactivated', 'non_subscribed', 'nonsubscribed', 'transactional', 'archived'], skipped);

/**
 * The status words that make a row of a subscriber file receive nothing, compared with the cell
 * in lower case. Every suppression reason is one, so the suppression list needs no rule of its own.
 */
export const EXCLUDED_STATUSES: ReadonlySet<string> = new Set(EXCLUDED);

/** A status cell as import compares it: "Hard Bounce" and "hard-bounce" are hard_bounce. */
export function statusWord(value: string): string {
  return value.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export function stateOf(value: string): RowState {
  const word = statusWord(value);
  return STATUS_VALUES[word] ?? { kind: 'unknown', status: value.trim() };
}

/** Columns an export may say a row's status in, beyond a subscriber file's status column. */
const EXPORT_STATUS_HEADERS = [...STATUS_HEADERS, 'emailmarketing', 'subscribertype', 'subscriberstatus'];
/** A non-empty cell in these columns says the whole row is of that kind (Mailchimp's per-status exports). */
const MARKER_COLUMNS: Record<string, RowState> = {
  unsubtime: { kind: 'suppressed', reason: 'unsubscribed', status: 'unsubscribed' },
  cleantime: { kind: 'suppressed', reason: 'cleaned', status: 'cleaned' },
};
/** A true-ish cell means the reader turned emails off (Substack). */
const DISABLED_COLUMNS = ['emaildisabled'];
const TRUE = new Set(['true', 't', 'yes', 'y', '1']);

const RANK: Record<RowState['kind'], number> = { active: 0, skipped: 1, suppressed: 2, unknown: 3 };

/** The columns of an export that say something about a row's status. */
export interface StatusColumns {
  readonly status: number[];
  readonly markers: { index: number; state: RowState }[];
  readonly disabled: number[];
}

export function statusColumns(header: readonly string[]): StatusColumns {
  const keys = header.map(headerKey);
  const all = (names: readonly string[]): number[] => keys.flatMap((k, i) => (names.includes(k) ? [i] : []));
  return {
    status: all(EXPORT_STATUS_HEADERS),
    markers: keys.flatMap((k, index) => (MARKER_COLUMNS[k] ? [{ index, state: MARKER_COLUMNS[k] }] : [])),
    disabled: all(DISABLED_COLUMNS),
  };
}

/** The most restrictive state any of the row's status columns gives. */
export function rowState(cells: readonly string[], columns: StatusColumns): RowState {
  const cell = (i: number): string => (cells[i] ?? '').trim();
  const states: RowState[] = [{ kind: 'active' }];
  for (const i of columns.status) states.push(stateOf(cell(i)));
  for (const m of columns.markers) if (cell(m.index)) states.push(m.state);
  for (const i of columns.disabled) {
    if (TRUE.has(cell(i).toLowerCase())) states.push({ kind: 'suppressed', reason: 'unsubscribed', status: 'emails disabled' });
  }
  return states.reduce((a, b) => (RANK[b.kind] > RANK[a.kind] ? b : a));
}
