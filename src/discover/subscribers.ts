import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, type Problem, problem, warning } from '../errors';
import { checkAddress } from './address';
import { CsvLines } from './csv-lines';

export interface Subscriber {
  /** The address as it is sent to: local part as written, domain in lower case. */
  readonly email: string;
  /** The identity in the record: the whole address in lower case. */
  readonly key: string;
  readonly name: string;
  readonly smtputf8: boolean;
}

export interface SubscriberRow extends Subscriber {
  readonly file: string;
  readonly line: number;
}

export interface DiscoveredSubscribers {
  readonly subscribers: readonly Subscriber[];
  /** Keys of rows whose status says they must receive nothing (unsubscribed, cleaned, bounced…). */
  readonly excluded: ReadonlySet<string>;
  readonly problems: readonly Problem[];
  readonly files: readonly string[];
  /** Files that could not be read as a whole (bad CSV, no email column). */
  readonly brokenFiles: readonly string[];
}

/** The suppression list beside the subscriber files: see src/subscribers/suppression.ts. */
export const SUPPRESSION_FILE = 'suppressed.csv';

/** Header names (lower case, letters and digits only) used by common exports for each column. */
const EMAIL_HEADERS = ['email', 'emailaddress', 'mail', 'subscriberemail', 'emailaddr'];
const NAME_HEADERS = ['name', 'fullname', 'subscribername', 'displayname'];
const FIRST_NAME_HEADERS = ['firstname', 'givenname', 'first'];
const LAST_NAME_HEADERS = ['lastname', 'surname', 'familyname', 'last'];
const STATUS_HEADERS = ['status', 'subscriptionstatus', 'memberstatus'];
export const EXCLUDED_STATUSES = new Set([
  'unsubscribed', 'cleaned', 'bounced', 'suppressed', 'complained', 'spam', 'blocked', 'deleted', 'removed', 'inactive',
]);

export const headerKey = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Merges every subscribers/*.csv (sorted by name); a bad row is reported and skipped. */
export function discoverSubscribers(dir: string): DiscoveredSubscribers {
  const files = listCsvFiles(dir);
  const problems: Problem[] = [];
  const rows: SubscriberRow[] = [];
  const excluded = new Set<string>();
  const brokenFiles: string[] = [];
  for (const abs of files) {
    const rel = `subscribers/${path.basename(abs)}`;
    const parsed = parseSubscriberCsv(fs.readFileSync(abs, 'utf8'), rel);
    // appended one by one: spread into push(), a list of some 125,000 rows overflows the stack
    append(problems, parsed.problems);
    if (parsed.broken) brokenFiles.push(rel);
    for (const key of parsed.excluded) excluded.add(key);
    // every row of the suppression list suppresses, whatever its status cell says
    if (path.basename(abs) === SUPPRESSION_FILE) for (const row of parsed.rows) excluded.add(row.key);
    else append(rows, parsed.rows);
  }
  const { unique, duplicates } = dedupe(rows.filter((r) => !excluded.has(r.key)));
  append(problems, duplicates);
  return { subscribers: unique, excluded, problems, files: files.map((f) => `subscribers/${path.basename(f)}`), brokenFiles };
}

function append<T>(to: T[], items: readonly T[]): void {
  for (const item of items) to.push(item);
}

/**
 * A parser allocates fast and keeps little: V8 would let its young generation grow to 48 MB
 * before collecting, which is most of the thread's peak memory for nothing.
 */
const SHORT_LIVED_THREAD = { maxYoungGenerationSizeMb: 8 };
/**
 * Below this many bytes of CSV (some 40,000 rows) the parser's garbage is a few MB and a thread
 * would cost more than it saves: starting it, loading the parser again, and copying the list back.
 */
const APART_FROM_BYTES = 2 * 1024 * 1024;

/**
 * discoverSubscribers on a thread of its own, for large lists: parsing 100,000 rows makes far
 * more garbage than the list it leaves, and a worker's heap is returned whole when it ends, so the
 * send that follows does not carry the parser's high-water mark. A small list is parsed here.
 */
export function discoverSubscribersApart(dir: string, opts: { apartFromBytes?: number } = {}): Promise<DiscoveredSubscribers> {
  const bytes = listCsvFiles(dir).reduce((sum, file) => sum + fileSize(file), 0);
  if (bytes < (opts.apartFromBytes ?? APART_FROM_BYTES)) return Promise.resolve().then(() => discoverSubscribers(dir));
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'subscribers-worker.js'), { workerData: { dir }, resourceLimits: SHORT_LIVED_THREAD });
    worker.once('message', (found: Omit<DiscoveredSubscribers, 'excluded'> & { excluded: string[] }) => {
      resolve({ ...found, excluded: new Set(found.excluded) });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function listCsvFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv') && !e.name.startsWith('.'))
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export interface ParsedCsv {
  broken: boolean;
  readonly rows: SubscriberRow[];
  readonly excluded: Set<string>;
  readonly problems: Problem[];
}

/** Pure: one CSV file's text to rows; `file` is only used in messages. */
export function parseSubscriberCsv(text: string, file: string): ParsedCsv {
  const result: ParsedCsv = { broken: false, rows: [], excluded: new Set(), problems: [] };
  let columns: Columns | undefined;
  let headerSeen = false;
  const lines = new CsvLines(text);
  /** Where the next record's text begins (bytes): the end of the one before. */
  let recordStart = 0;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('csv-parse/sync') as typeof import('csv-parse/sync');
  try {
    // each record is handled as it is parsed and not kept: a 100,000-row export never exists
    // in memory as parsed rows, only as the subscribers taken from it
    parse(text, {
      bom: true, relax_column_count: true, skip_empty_lines: true, trim: true,
      on_record: (record: string[], context: { bytes: number }) => {
        const line = lines.startOf(recordStart);
        recordStart = context.bytes;
        if (!headerSeen) {
          headerSeen = true;
          columns = headerColumns(record, line, file, result);
        } else if (columns) {
          takeRow(record, line, columns, file, result);
        }
        return undefined;
      },
    });
  } catch (err) {
    // the record that failed is the one after the last that parsed: named by the line it starts on
    const line = lines.startOf(recordStart);
    // a file that cannot be read to its end contributes no subscribers (its exclusions still hold)
    result.rows.length = 0;
    result.broken = true;
    result.problems.push(problem(ErrorCode.ESUBSCRIBER, `is not valid CSV: ${csvErrorMessage(err)}`, { file, line }, 'Check the quotes in the row starting on that line.'));
    return result;
  }
  if (!headerSeen) result.problems.push(warning(ErrorCode.ESUBSCRIBER, 'is empty', { file }));
  return result;
}

/** csv-parse's message without its own line number, which counts differently (see csv-lines.ts). */
export function csvErrorMessage(err: unknown): string {
  return (err as Error).message.replace(/ (?:at|on) line \d+/g, '');
}

function headerColumns(header: string[], line: number, file: string, result: ParsedCsv): Columns | undefined {
  const columns = findColumns(header);
  if (columns.email >= 0) return columns;
  result.broken = true;
  result.problems.push(
    problem(ErrorCode.ESUBSCRIBER, `has no email column (header: ${header.join(', ')})`, { file, line },
      'Name the column "email" (or "Email Address" as Mailchimp does).'),
  );
  return undefined;
}

function takeRow(record: string[], line: number, columns: Columns, file: string, result: ParsedCsv): void {
  const cell = (i: number): string => (i >= 0 ? (record[i] ?? '').trim() : '');
  const check = checkAddress(cell(columns.email));
  if (!check.ok) {
    result.problems.push(problem(ErrorCode.ESUBSCRIBER, `${check.reason}; row skipped`, { file, line }));
    return;
  }
  const status = cell(columns.status).toLowerCase();
  if (EXCLUDED_STATUSES.has(status)) {
    result.excluded.add(check.key);
    return;
  }
  const name = cell(columns.name) || [cell(columns.first), cell(columns.last)].filter(Boolean).join(' ');
  result.rows.push({ email: check.address, key: check.key, name: cleanName(name), smtputf8: check.smtputf8, file, line });
}

/** A display name is data for a header: no line breaks, no control characters, bounded length. */
/** A display name is data for a header: no line breaks or control characters, bounded length. */
export function cleanName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

interface Columns {
  readonly email: number;
  readonly name: number;
  readonly first: number;
  readonly last: number;
  readonly status: number;
}

function findColumns(header: string[]): Columns {
  const keys = header.map(headerKey);
  const find = (names: string[]): number => {
    for (const n of names) {
      const i = keys.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  return { email: find(EMAIL_HEADERS), name: find(NAME_HEADERS), first: find(FIRST_NAME_HEADERS), last: find(LAST_NAME_HEADERS), status: find(STATUS_HEADERS) };
}

function dedupe(rows: SubscriberRow[]): { unique: Subscriber[]; duplicates: Problem[] } {
  const seen = new Map<string, SubscriberRow>();
  const duplicates: Problem[] = [];
  for (const row of rows) {
    const first = seen.get(row.key);
    if (first) {
      duplicates.push(warning(ErrorCode.ESUBSCRIBER, `${row.email} is listed already at ${first.file}:${first.line}; it receives one copy`, { file: row.file, line: row.line }));
      continue;
    }
    seen.set(row.key, row);
  }
  return { unique: [...seen.values()].map(({ email, key, name, smtputf8 }) => ({ email, key, name, smtputf8 })), duplicates };
}
