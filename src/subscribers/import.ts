import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError, type Problem, problem, warning } from '../errors';
import { checkAddress } from './address';
import { writeFileAtomic } from './atomic-write';
import { type CsvRecord, csvLine, fromSpreadsheetCell, normalizeText, readRecords } from './csv';
import { DEFAULT_FOLDER, SUPPRESSION_FILE, listFileName as rel } from './files';
import { withListLock } from './lock';
import { type SubscriberRow, parseSubscriberCsv, scanFiles } from './read';
import { type RowState, type SuppressionReason, rowState, statusColumns } from './status';
import { addSuppressions, readSuppressions, stamp } from './suppression';

/**
 * Reading other services' subscriber exports (`subscribers import`). The address and name
 * columns are found exactly as `herald send` finds them (read.ts); the status columns with the
 * wider set of words exports use (status.ts).
 */

// kept here too for the callers that know status words by this module
export { type RowState, statusWord, stateOf } from './status';

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
    // not valid CSV: the list reader says what is wrong and where, in the words every command uses
    return { ...empty, broken: true, problems: parseSubscriberCsv(normalized, file).problems };
  }
  const header: CsvRecord | undefined = records[0];
  if (!header) return { ...empty, problems: [warning(ErrorCode.ESUBSCRIBER, 'is empty', { file })] };

  const columns = statusColumns(header.cells);
  const parsed = parseSubscriberCsv(normalized, file, { status: false });
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

export interface ImportOptions {
  /** The subscriber file to write, without .csv: NAME.csv in the subscriber folder. */
  readonly name: string;
  /** Overwrite NAME.csv when it exists. */
  readonly replace: boolean;
  /** The subscriber folder as messages name it (the `subscribers` setting). */
  readonly folder?: string;
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
 * Imports another service's export: its active rows become NAME.csv in the subscriber folder (email,name), its
 * unsubscribed/cleaned/bounced rows go on the suppression list. A file that cannot be read as a
 * whole writes nothing (throws); bad rows are reported and skipped.
 */
export function importSubscribers(dir: string, source: string, sourceLabel: string, opts: ImportOptions): ImportReport {
  const name = opts.name.replace(/\.csv$/i, '');
  const folder = opts.folder ?? DEFAULT_FOLDER;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) {
    throw new HeraldError(ErrorCode.EUSAGE, `"${opts.name}" is not a file name for ${folder}/ (letters, digits, . _ -)`);
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
  const target = rel(targetAbs, folder);
  const base = { source: sourceLabel, target, interpreted };
  if (interpreted.broken) {
    return { ...base, imported: 0, keptSuppressed: 0, alreadySubscribed: 0, newlySuppressed: 0, written: false };
  }
  const plan = (): Omit<ImportReport, 'written' | 'newlySuppressed'> & { rows: string[] } => {
    const suppressions = readSuppressions(dir, folder);
    const elsewhere = new Set(scanFiles(dir, folder).filter((f) => path.resolve(f.abs) !== path.resolve(targetAbs)).flatMap((f) => f.parsed.rows.map((r) => r.key)));
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
