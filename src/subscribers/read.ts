import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, type Problem, problem, problemFromError, warning } from '../errors';
import { type Preference, readPreferences } from './preferences';
import { parseFrequency } from '../plan/digest-period';
import { checkAddress } from './address';
import { type Columns, cleanName, findColumns, nameOf, topicWords } from './columns';
import { eachRecord } from './csv';
import { DEFAULT_FOLDER, SUPPRESSION_FILE, listCsvFiles, listFileName } from './files';
import { EXCLUDED_STATUSES } from './status';

/**
 * Reading the subscriber list: every subscribers/*.csv merged into the audience of a send, with
 * a problem (file and line) for each row that cannot be mailed.
 */

export interface Subscriber {
  /** The address as it is sent to: local part as written, domain in lower case. */
  readonly email: string;
  /** The identity in the record: the whole address in lower case (see address.ts). */
  readonly key: string;
  readonly name: string;
  readonly smtputf8: boolean;
  /** The topics column's words, as written (the `topics` setting decides what they mean). */
  readonly topics?: readonly string[];
  /** An IANA time zone from the list (checked when read), for `deliverAt`. */
  readonly timeZone?: string;
  /** "daily" or "weekly:DAY" for a digest reader; absent for instant. */
  readonly frequency?: string;
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

/** Merges every *.csv of the folder (sorted by name); a bad row is reported and skipped. `folder` names it in messages. */
export function discoverSubscribers(dir: string, folder: string = DEFAULT_FOLDER): DiscoveredSubscribers {
  const files = listCsvFiles(dir);
  const problems: Problem[] = [];
  const rows: SubscriberRow[] = [];
  const excluded = new Set<string>();
  const brokenFiles: string[] = [];
  for (const abs of files) {
    const rel = listFileName(abs, folder);
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
  applyPreferences(unique, dir, problems, folder);
  return { subscribers: unique, excluded, problems, files: files.map((f) => listFileName(f, folder)), brokenFiles };
}

/** A reader's choices on the preferences page override their list row (preferences.ts). */
function applyPreferences(subscribers: Subscriber[], dir: string, problems: Problem[], folder: string): void {
  let chosen: ReadonlyMap<string, Preference>;
  try {
    chosen = readPreferences(dir, folder);
  } catch (err) {
    problems.push(problemFromError(err));
    return;
  }
  if (!chosen.size) return;
  for (let i = 0; i < subscribers.length; i++) {
    const p = chosen.get(subscribers[i]!.key);
    if (!p) continue;
    const { topics: _topics, timeZone: _zone, frequency: listed, ...rest } = subscribers[i]!;
    const frequency = p.frequency ? parseFrequency(p.frequency) : listed;
    subscribers[i] = withChoices(rest, p.topics.length ? p.topics : undefined, p.timeZone ? canonicalTimeZone(p.timeZone) : undefined, frequency === 'instant' ? undefined : frequency);
  }
}

function append<T>(to: T[], items: readonly T[]): void {
  for (const item of items) to.push(item);
}

export interface ScannedFile {
  readonly file: string;
  readonly abs: string;
  readonly parsed: ParsedCsv;
}

/** Every subscriber file except the suppression list, each read as `herald send` reads it. */
export function scanFiles(dir: string, folder: string = DEFAULT_FOLDER): ScannedFile[] {
  return listCsvFiles(dir)
    .filter((abs) => path.basename(abs) !== SUPPRESSION_FILE)
    .map((abs) => ({ file: listFileName(abs, folder), abs, parsed: parseSubscriberCsv(fs.readFileSync(abs, 'utf8'), listFileName(abs, folder)) }));
}

export interface ParsedCsv {
  broken: boolean;
  readonly rows: SubscriberRow[];
  readonly excluded: Set<string>;
  readonly problems: Problem[];
}

export interface ParseOptions {
  /**
   * Read the status column (default): a row whose status says it receives nothing is excluded.
   * Import reads status columns itself, with the wider set of words an export uses (status.ts).
   */
  readonly status?: boolean;
}

/** Pure: one CSV file's text to rows; `file` is only used in messages. */
export function parseSubscriberCsv(text: string, file: string, opts: ParseOptions = {}): ParsedCsv {
  const result: ParsedCsv = { broken: false, rows: [], excluded: new Set(), problems: [] };
  let columns: Columns | undefined;
  let headerSeen = false;
  const fault = eachRecord(text, (record, line) => {
    if (!headerSeen) {
      headerSeen = true;
      columns = headerColumns(record, line, file, result);
      if (columns && opts.status === false) columns = { ...columns, status: -1 };
    } else if (columns) {
      takeRow(record, line, columns, file, result);
    }
  });
  if (fault) {
    // a file that cannot be read to its end contributes no subscribers (its exclusions still hold)
    result.rows.length = 0;
    result.broken = true;
    result.problems.push(problem(ErrorCode.ESUBSCRIBER, `is not valid CSV: ${fault.reason}`, { file, line: fault.line }, 'Check the quotes in the row starting on that line.'));
    return result;
  }
  if (!headerSeen) result.problems.push(warning(ErrorCode.ESUBSCRIBER, 'is empty', { file }));
  return result;
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
  const row: SubscriberRow = { email: check.address, key: check.key, name: cleanName(nameOf(cell, columns)), smtputf8: check.smtputf8, file, line };
  result.rows.push(withChoices(row, topicWords(cell(columns.topics)), zoneCell(cell(columns.timeZone), file, line, result.problems), frequencyCell(cell(columns.frequency), file, line, result.problems)));
}

/** Only rows that have them carry topics and a time zone: most lists have neither, and 100,000 rows of undefined keys cost memory. */
function withChoices<T extends Subscriber>(row: T, topics: readonly string[] | undefined, timeZone: string | undefined, frequency?: string): T {
  if (topics === undefined && timeZone === undefined && frequency === undefined) return row;
  return { ...row, ...(topics ? { topics } : {}), ...(timeZone ? { timeZone } : {}), ...(frequency ? { frequency } : {}) };
}

/** A frequency cell, checked: a wrong one is reported with its line, and the row is mailed instantly. */
function frequencyCell(value: string, file: string, line: number, problems: Problem[]): string | undefined {
  const frequency = parseFrequency(value);
  if (frequency === undefined) {
    problems.push(problem(ErrorCode.ESUBSCRIBER, `"${value.slice(0, 60)}" is not a frequency; this subscriber is mailed each post at once`, { file, line },
      'Write instant, daily, or weekly with a weekday ("weekly monday"), or leave the cell empty.'));
  }
  return frequency === 'instant' ? undefined : frequency;
}

/** A time zone cell, checked: a wrong one is reported with its line, and the row is mailed at the newsletter's time zone. */
function zoneCell(value: string, file: string, line: number, problems: Problem[]): string | undefined {
  if (!value) return undefined;
  const zone = canonicalTimeZone(value);
  if (zone) return zone;
  problems.push(problem(ErrorCode.ESUBSCRIBER, `"${value.slice(0, 60)}" is not a time zone; this subscriber is mailed at the newsletter's time zone (schedule.timezone)`, { file, line },
    'Write an IANA time zone name such as "Europe/Berlin", "America/Chicago" or "UTC", or leave the cell empty.'));
  return undefined;
}

const knownZones = new Map<string, string | undefined>();

/** The IANA name Intl knows a zone by ("europe/berlin" → "Europe/Berlin"), or undefined; cached, since a list repeats a few zones. */
export function canonicalTimeZone(value: string): string | undefined {
  if (knownZones.has(value)) return knownZones.get(value);
  let zone: string | undefined;
  try {
    zone = /^[A-Za-z][A-Za-z0-9_+\/-]*$/.test(value) ? new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone : undefined;
  } catch {
    zone = undefined;
  }
  knownZones.set(value, zone);
  return zone;
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
  return { unique: [...seen.values()].map(({ email, key, name, smtputf8, topics, timeZone, frequency }) => withChoices({ email, key, name, smtputf8 }, topics, timeZone, frequency)), duplicates };
}
