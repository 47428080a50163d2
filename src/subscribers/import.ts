import { ErrorCode, type Problem, problem, warning } from '../errors';
import { checkAddress } from '../discover/address';
import { type SubscriberRow, parseSubscriberCsv } from '../discover/subscribers';
import { type CsvRecord, fromSpreadsheetCell, headerKey, normalizeText, parseIgnoringColumns, readRecords } from './csv';
import type { SuppressionReason } from './suppression';

/**
 * Reading other services' subscriber exports. The address and name columns are found exactly as
 * `herald send` finds them (discovery's parser); the status columns are read here, because each
 * service words them differently:
 *
 *   Mailchimp   "Email Address", "First Name", "Last Name"; the unsubscribed and cleaned exports
 *               are separate files, recognised by their UNSUB_TIME / CLEAN_TIME columns; the newer
 *               contacts export has an "Email Marketing" column (Subscribed, Unsubscribed, Cleaned…)
 *   Substack    email, name, email_disabled (true = the reader turned emails off). active_subscription
 *               is about a *paid* plan: free readers have false and still get the newsletter
 *   Buttondown  email, subscriber_type (regular, premium, unsubscribed, undeliverable, unactivated…)
 *   ConvertKit  email_address or Email, first_name, status (active, cancelled, bounced, complained…)
 */
export type RowState =
  | { readonly kind: 'active' }
  | { readonly kind: 'suppressed'; readonly reason: SuppressionReason; readonly status: string }
  /** never confirmed, or not a newsletter subscriber at all: neither imported nor suppressed */
  | { readonly kind: 'skipped'; readonly status: string }
  | { readonly kind: 'unknown'; readonly status: string };

const STATUS_VALUES: Record<string, RowState> = {};
const define = (values: string[], state: RowState | ((status: string) => RowState)): void => {
  for (const v of values) STATUS_VALUES[v] = typeof state === 'function' ? state(v) : state;
};
define(['', 'subscribed', 'active', 'regular', 'premium', 'paid', 'free', 'gifted', 'comp', 'trialed', 'trialing', 'past_due', 'churned', 'unpaid', 'cold', 'confirmed', 'opted_in', 'opt_in'], { kind: 'active' });
define(['unsubscribed', 'unsubscribe', 'cancelled', 'canceled', 'opted_out', 'opt_out'], (s) => ({ kind: 'suppressed', reason: 'unsubscribed', status: s }));
define(['cleaned'], (s) => ({ kind: 'suppressed', reason: 'cleaned', status: s }));
define(['bounced', 'bounce', 'hard_bounce', 'hard_bounced', 'undeliverable'], (s) => ({ kind: 'suppressed', reason: 'bounced', status: s }));
define(['complained', 'complaint', 'spam', 'spammy', 'abuse'], (s) => ({ kind: 'suppressed', reason: 'complained', status: s }));
define(['removed', 'deleted', 'blocked', 'suppressed', 'banned'], (s) => ({ kind: 'suppressed', reason: 'removed', status: s }));
define(['pending', 'unconfirmed', 'unactivated', 'inactive', 'non_subscribed', 'nonsubscribed', 'transactional', 'archived'], (s) => ({ kind: 'skipped', status: s }));

/** Header names (as headerKey gives them) whose cell is a status word. */
const STATUS_COLUMNS = ['status', 'subscriptionstatus', 'memberstatus', 'emailmarketing', 'subscribertype', 'subscriberstatus'];
/** A non-empty cell in these columns says the whole row is of that kind (Mailchimp's per-status exports). */
const MARKER_COLUMNS: Record<string, RowState> = {
  unsubtime: { kind: 'suppressed', reason: 'unsubscribed', status: 'unsubscribed' },
  cleantime: { kind: 'suppressed', reason: 'cleaned', status: 'cleaned' },
};
/** A true-ish cell means the reader turned emails off (Substack). */
const DISABLED_COLUMNS = ['emaildisabled'];
const TRUE = new Set(['true', 't', 'yes', 'y', '1']);

export function statusWord(value: string): string {
  return value.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export function stateOf(value: string): RowState {
  const word = statusWord(value);
  return STATUS_VALUES[word] ?? { kind: 'unknown', status: value.trim() };
}

const RANK: Record<RowState['kind'], number> = { active: 0, skipped: 1, suppressed: 2, unknown: 3 };

interface StatusColumns {
  readonly status: number[];
  readonly markers: { index: number; state: RowState }[];
  readonly disabled: number[];
}

function statusColumns(header: readonly string[]): StatusColumns {
  const keys = header.map(headerKey);
  const all = (names: readonly string[]): number[] => keys.flatMap((k, i) => (names.includes(k) ? [i] : []));
  return {
    status: all(STATUS_COLUMNS),
    markers: keys.flatMap((k, index) => (MARKER_COLUMNS[k] ? [{ index, state: MARKER_COLUMNS[k] }] : [])),
    disabled: all(DISABLED_COLUMNS),
  };
}

/** The most restrictive state any of the row's status columns gives. */
function rowState(cells: readonly string[], columns: StatusColumns): RowState {
  const cell = (i: number): string => (cells[i] ?? '').trim();
  const states: RowState[] = [{ kind: 'active' }];
  for (const i of columns.status) states.push(stateOf(cell(i)));
  for (const m of columns.markers) if (cell(m.index)) states.push(m.state);
  for (const i of columns.disabled) {
    if (TRUE.has(cell(i).toLowerCase())) states.push({ kind: 'suppressed', reason: 'unsubscribed', status: 'emails disabled' });
  }
  return states.reduce((a, b) => (RANK[b.kind] > RANK[a.kind] ? b : a));
}

/** A row of `herald subscribers export` comes back as it was before the export guarded it against spreadsheets. */
function fromExport(row: SubscriberRow): SubscriberRow {
  const name = fromSpreadsheetCell(row.name);
  const email = fromSpreadsheetCell(row.email);
  const check = email === row.email ? undefined : checkAddress(email);
  return check?.ok ? { ...row, email: check.address, key: check.key, smtputf8: check.smtputf8, name } : { ...row, name };
}

export interface ImportRow {
  readonly email: string;
  readonly key: string;
  readonly name: string;
  readonly line: number;
}

export interface InterpretedExport {
  /** The file could not be read as a whole (bad CSV, no email column): nothing may be written. */
  readonly broken: boolean;
  readonly active: readonly ImportRow[];
  readonly suppressed: readonly (ImportRow & { readonly reason: SuppressionReason; readonly status: string })[];
  readonly skipped: readonly (ImportRow & { readonly status: string })[];
  readonly duplicates: number;
  /** Rows with a bad address or an unknown status. */
  readonly invalid: number;
  /** Invalid rows and unknown statuses (errors), duplicates and skipped rows (warnings), each with file:line. */
  readonly problems: readonly Problem[];
}

/** Pure: one export's text to the rows to import and to suppress; `file` only names it in problems. */
export function interpretExport(text: string, file: string): InterpretedExport {
  const normalized = normalizeText(text);
  const records = readRecords(normalized);
  const empty = { broken: false, active: [], suppressed: [], skipped: [], duplicates: 0, invalid: 0 };
  if (!records) {
    // not valid CSV: discovery's parser says what is wrong and where, in the words every command uses
    return { ...empty, broken: true, problems: parseSubscriberCsv(normalized, file).problems };
  }
  const header: CsvRecord | undefined = records[0];
  if (!header) return { ...empty, problems: [warning(ErrorCode.ESUBSCRIBER, 'is empty', { file })] };

  const columns = statusColumns(header.cells);
  const ignore = new Set([...columns.status, ...columns.markers.map((m) => m.index), ...columns.disabled]);
  const parsed = parseIgnoringColumns(normalized, header, ignore, file);
  if (parsed.broken) return { ...empty, broken: true, problems: parsed.problems };

  const problems: Problem[] = [...parsed.problems];
  let invalid = parsed.problems.filter((p) => p.severity === 'error').length;
  let duplicates = 0;
  const rows = new Map<string, { row: ImportRow; state: RowState }>();
  const cellsByLine = new Map(records.slice(1).map((r) => [r.line, r.cells]));
  for (const parsedRow of parsed.rows) {
    const row = fromExport(parsedRow);
    const state = rowState(cellsByLine.get(row.line) ?? [], columns);
    const where = { file, line: row.line };
    const first = rows.get(row.key);
    if (first) {
      duplicates++;
      // a later row that says "do not mail" wins over an earlier one that does not
      const wins = state.kind === 'suppressed' && first.state.kind !== 'suppressed';
      problems.push(warning(ErrorCode.ESUBSCRIBER, `${row.email} is listed already at ${file}:${first.row.line}; ${wins ? 'this row says not to mail it, so it is suppressed' : 'row skipped'}`, where));
      if (wins) rows.set(row.key, { row: first.row, state });
      continue;
    }
    rows.set(row.key, { row: { email: row.email, key: row.key, name: row.name, line: row.line }, state });
  }

  const active: ImportRow[] = [];
  const suppressed: (ImportRow & { reason: SuppressionReason; status: string })[] = [];
  const skipped: (ImportRow & { status: string })[] = [];
  for (const { row, state } of rows.values()) {
    const where = { file, line: row.line };
    switch (state.kind) {
      case 'active':
        active.push(row);
        break;
      case 'suppressed':
        suppressed.push({ ...row, reason: state.reason, status: state.status });
        break;
      case 'skipped':
        skipped.push({ ...row, status: state.status });
        problems.push(warning(ErrorCode.ESUBSCRIBER, `${row.email} has status "${state.status}" (never confirmed, or not a newsletter subscriber); not imported`, where));
        break;
      case 'unknown':
        invalid++;
        problems.push(problem(ErrorCode.ESUBSCRIBER, `unknown status "${state.status}" for ${row.email}; row skipped`, where,
          'Known: subscribed/active/regular, unsubscribed/cancelled, cleaned, bounced, complained, removed, pending/unconfirmed.'));
        break;
    }
  }
  problems.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
  return { broken: false, active, suppressed, skipped, duplicates, invalid, problems };
}
