import fs from 'node:fs';
import path from 'node:path';
import { checkAddress } from '../discover/address';
import { type ParsedCsv, cleanName, discoverSubscribers, listCsvFiles, parseSubscriberCsv } from '../discover/subscribers';
import { ErrorCode, HeraldError, type Problem } from '../errors';
import { csvLine, discoveryColumns, normalizeText, readRecords, spreadsheetCell } from './csv';
import { type InterpretedExport, interpretExport } from './import';
import { withListLock } from './lock';
import {
  SUPPRESSION_FILE, type Suppression, type SuppressionReason, addSuppressions, readSuppressions, removeSuppression, stamp, writeFileAtomic,
} from './suppression';

/**
 * The subscriber list as files: every subscribers/*.csv, merged by discovery, and the suppression
 * list. Everything here that changes a file does so under the list lock, atomically.
 */

/** The file `subscribers add` and the subscribe form append to. */
export const MAIN_FILE = 'subscribers.csv';

const rel = (file: string): string => `subscribers/${path.basename(file)}`;

interface ScannedFile {
  readonly file: string;
  readonly abs: string;
  readonly parsed: ParsedCsv;
}

/** Every subscriber file except the suppression list, each read with discovery's parser. */
function scanFiles(dir: string): ScannedFile[] {
  return listCsvFiles(dir)
    .filter((abs) => path.basename(abs) !== SUPPRESSION_FILE)
    .map((abs) => ({ file: rel(abs), abs, parsed: parseSubscriberCsv(fs.readFileSync(abs, 'utf8'), rel(abs)) }));
}

export interface ListEntry {
  readonly email: string;
  readonly name: string;
  /** "active", or why the address receives nothing: a suppression reason or another file's status word. */
  readonly status: string;
  readonly since?: string;
}

export interface SubscriberList {
  /** Exactly the audience `herald send` would mail now. */
  readonly active: readonly ListEntry[];
  /** Everyone who receives nothing: the suppression list, and rows another file marks (status column). */
  readonly suppressed: readonly ListEntry[];
  readonly files: readonly string[];
  readonly brokenFiles: readonly string[];
  readonly problems: readonly Problem[];
}

export function readList(dir: string): SubscriberList {
  const discovered = discoverSubscribers(dir);
  const suppressions = readSuppressions(dir);
  // names and status words of rows discovery leaves out, from each file as import reads it
  const others = new Map<string, { email: string; name: string; status: string }>();
  const names = new Map<string, string>();
  for (const abs of listCsvFiles(dir)) {
    if (path.basename(abs) === SUPPRESSION_FILE) continue;
    const seen: InterpretedExport = interpretExport(fs.readFileSync(abs, 'utf8'), rel(abs));
    for (const r of [...seen.active, ...seen.suppressed, ...seen.skipped]) if (r.name && !names.has(r.key)) names.set(r.key, r.name);
    for (const r of [...seen.suppressed, ...seen.skipped]) if (!others.has(r.key)) others.set(r.key, { email: r.email, name: r.name, status: r.status });
  }
  const active = discovered.subscribers.map((s) => ({ email: s.email, name: s.name, status: 'active' }));
  const activeKeys = new Set(discovered.subscribers.map((s) => s.key));
  const problems: Problem[] = [...discovered.problems];
  const suppressed: ListEntry[] = [];
  for (const [key, s] of suppressions) {
    if (!activeKeys.has(key)) suppressed.push({ email: s.email, name: names.get(key) ?? '', status: s.reason, since: s.at || undefined });
  }
  for (const key of discovered.excluded) {
    if (suppressions.has(key)) continue;
    const other = others.get(key);
    suppressed.push({ email: other?.email ?? key, name: other?.name ?? '', status: other?.status.toLowerCase() || 'excluded' });
  }
  suppressed.sort((a, b) => a.email.localeCompare(b.email));
  return { active, suppressed, files: discovered.files, brokenFiles: discovered.brokenFiles, problems };
}

export function countByStatus(entries: readonly ListEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.status] = (out[e.status] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** email,name,status of everyone, active first: the lines of `subscribers export`, safe to open in a spreadsheet. */
export function exportLines(list: SubscriberList): string[] {
  return ['email,name,status', ...[...list.active, ...list.suppressed].map((e) => csvLine([e.email, e.name, e.status].map(spreadsheetCell)))];
}

export type AddResult =
  | { readonly kind: 'added'; readonly email: string; readonly file: string; readonly lifted?: Suppression }
  | { readonly kind: 'already'; readonly email: string; readonly file: string; readonly line: number; readonly lifted?: Suppression }
  | { readonly kind: 'suppressed'; readonly email: string; readonly suppression: Suppression }
  | { readonly kind: 'excluded'; readonly email: string; readonly file: string };

export interface AddOptions {
  /** Suppression reasons this add may lift (the address is taken off the suppression list); others refuse. */
  readonly lift?: readonly SuppressionReason[];
}

/**
 * Adds one address to subscribers/subscribers.csv (appended, atomically). An address that is
 * already active is left alone; one on the suppression list is refused unless its reason is in
 * `lift`; one another file marks as unsubscribed (a status column) is refused, since only that
 * file can change it.
 */
export function addSubscriber(dir: string, input: { email: string; name?: string }, opts: AddOptions = {}): AddResult {
  const check = checkAddress(input.email);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, check.reason);
  const name = cleanName(input.name ?? '');
  return withListLock(dir, () => {
    const suppression = readSuppressions(dir).get(check.key);
    if (suppression && !(opts.lift ?? []).includes(suppression.reason)) return { kind: 'suppressed', email: check.address, suppression };
    const files = scanFiles(dir);
    const broken = files.find((f) => f.parsed.broken);
    if (broken) {
      throw new HeraldError(ErrorCode.ESUBSCRIBER, 'cannot be read, so the list cannot be changed safely', {
        location: { file: broken.file }, hint: 'Fix that file first (herald check shows what is wrong).',
      });
    }
    const marking = files.find((f) => f.parsed.excluded.has(check.key));
    if (marking) return { kind: 'excluded', email: check.address, file: marking.file };
    const existing = files.flatMap((f) => f.parsed.rows).find((r) => r.key === check.key);
    let result: AddResult;
    if (existing) {
      result = { kind: 'already', email: existing.email, file: existing.file, line: existing.line };
    } else {
      appendRow(path.join(dir, MAIN_FILE), check.address, check.key, name);
      result = { kind: 'added', email: check.address, file: rel(MAIN_FILE) };
    }
    // lifted only once the row is in place: a crash in between leaves the address suppressed, never mailed by mistake
    if (suppression) {
      removeSuppression(dir, check.key);
      result = { ...result, lifted: suppression } as AddResult;
    }
    return result;
  });
}

function appendRow(file: string, address: string, key: string, name: string): void {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const header = readRecords(normalizeText(text))?.[0]?.cells;
  if (!header) text = `${text.replace(/\s+$/, '')}${text.trim() ? '\n' : ''}email,name\n`;
  const cells = header ? [...header].fill('') : ['', ''];
  const columns = header ? discoveryColumns(header) : { email: 0, name: [1] };
  if (columns.email < 0) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, 'has no email column', { location: { file: rel(file) } });
  }
  cells[columns.email] = address;
  const [first, last] = columns.name;
  if (first !== undefined && last !== undefined) {
    const space = name.indexOf(' ');
    cells[first] = space < 0 ? name : name.slice(0, space);
    cells[last] = space < 0 ? '' : name.slice(space + 1);
  } else if (first !== undefined) {
    cells[first] = name;
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const next = `${text}${text && !text.endsWith('\n') ? eol : ''}${csvLine(cells)}${eol}`;
  // read back with discovery's parser before anything is written: the row must be exactly this subscriber
  const check = parseSubscriberCsv(next, rel(file));
  const appended = check.rows[check.rows.length - 1];
  if (check.broken || !appended || appended.key !== key || check.excluded.has(key)) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, `appending ${address} would not read back as an active subscriber; nothing was written`, {
      location: { file: rel(file) },
    });
  }
  writeFileAtomic(file, next);
}

export type RemoveResult = { readonly kind: 'removed'; readonly email: string; readonly wasActive: boolean } | { readonly kind: 'already'; readonly email: string; readonly suppression: Suppression };

/** Puts an address on the suppression list as `removed` (the subscriber files are not edited). */
export function removeSubscriber(dir: string, email: string, note: string, now = new Date()): RemoveResult {
  const check = checkAddress(email);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, check.reason);
  return withListLock(dir, () => {
    const existing = readSuppressions(dir).get(check.key);
    if (existing) return { kind: 'already', email: check.address, suppression: existing };
    const wasActive = discoverSubscribers(dir).subscribers.some((s) => s.key === check.key);
    addSuppressions(dir, [{ email: check.address, reason: 'removed', at: stamp(now), note }]);
    return { kind: 'removed', email: check.address, wasActive };
  });
}

export interface ImportOptions {
  /** The subscriber file to write, without .csv: subscribers/NAME.csv. */
  readonly name: string;
  /** Overwrite subscribers/NAME.csv when it exists. */
  readonly replace: boolean;
  readonly dryRun: boolean;
  readonly now?: Date;
}

export interface ImportReport {
  readonly source: string;
  readonly target: string;
  readonly interpreted: InterpretedExport;
  /** Rows written to the target file. */
  readonly imported: number;
  /** Active in the export but on the suppression list here: they stay suppressed. */
  readonly keptSuppressed: number;
  /** Active in the export and already active in another subscriber file. */
  readonly alreadySubscribed: number;
  /** New entries on the suppression list. */
  readonly newlySuppressed: number;
  readonly written: boolean;
}

export const importName = (file: string): string =>
  path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'imported';

/**
 * Imports another service's export: its active rows become subscribers/NAME.csv (email,name), its
 * unsubscribed/cleaned/bounced rows go on the suppression list. A file that cannot be read as a
 * whole writes nothing (throws); bad rows are reported and skipped.
 */
export function importSubscribers(dir: string, source: string, sourceLabel: string, opts: ImportOptions): ImportReport {
  const name = opts.name.replace(/\.csv$/i, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) {
    throw new HeraldError(ErrorCode.EUSAGE, `"${opts.name}" is not a file name for subscribers/ (letters, digits, . _ -)`);
  }
  if (`${name}.csv`.toLowerCase() === SUPPRESSION_FILE) throw new HeraldError(ErrorCode.EUSAGE, `"${name}" is the suppression list; choose another --as`);
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw new HeraldError(ErrorCode.EUSAGE, `cannot read ${sourceLabel}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const interpreted = interpretExport(text, sourceLabel);
  const targetAbs = path.join(dir, `${name}.csv`);
  const target = rel(targetAbs);
  const base = { source: sourceLabel, target, interpreted };
  if (interpreted.broken) {
    return { ...base, imported: 0, keptSuppressed: 0, alreadySubscribed: 0, newlySuppressed: 0, written: false };
  }
  const plan = (): Omit<ImportReport, 'written' | 'newlySuppressed'> & { rows: string[] } => {
    const suppressions = readSuppressions(dir);
    const elsewhere = new Set(scanFiles(dir).filter((f) => path.resolve(f.abs) !== path.resolve(targetAbs)).flatMap((f) => f.parsed.rows.map((r) => r.key)));
    const willSuppress = new Set(interpreted.suppressed.map((r) => r.key));
    let keptSuppressed = 0;
    let alreadySubscribed = 0;
    const rows: string[] = [];
    for (const row of interpreted.active) {
      if (suppressions.has(row.key) || willSuppress.has(row.key)) keptSuppressed++;
      else if (elsewhere.has(row.key)) alreadySubscribed++;
      else rows.push(csvLine([row.email, row.name]));
    }
    return { ...base, imported: rows.length, keptSuppressed, alreadySubscribed, rows };
  };
  if (opts.dryRun) {
    const { rows: _rows, ...report } = plan();
    const known = readSuppressions(dir);
    return { ...report, newlySuppressed: new Set(interpreted.suppressed.filter((r) => !known.has(r.key)).map((r) => r.key)).size, written: false };
  }
  return withListLock(dir, () => {
    if (fs.existsSync(targetAbs) && !opts.replace) {
      throw new HeraldError(ErrorCode.EUSAGE, `${target} exists already`, {
        hint: `Import under another name with --as NAME, or pass --replace to overwrite ${target}.`,
      });
    }
    // suppressions first: whatever happens next, nobody the export says not to mail is mailed
    const at = stamp(opts.now);
    const newlySuppressed = addSuppressions(dir, interpreted.suppressed.map((r) => ({
      email: r.email, reason: r.reason, at, note: `imported from ${path.basename(sourceLabel)}:${r.line} (${r.status})`,
    })));
    const { rows, ...report } = plan();
    if (rows.length) writeFileAtomic(targetAbs, `email,name\n${rows.map((r) => `${r}\n`).join('')}`);
    else if (opts.replace && fs.existsSync(targetAbs)) writeFileAtomic(targetAbs, 'email,name\n');
    return { ...report, newlySuppressed, written: rows.length > 0 };
  });
}
