import { parse } from 'csv-parse/sync';
import { CsvLines } from '../discover/csv-lines';
import { type ParsedCsv, parseSubscriberCsv } from '../discover/subscribers';
import { csvCell } from './suppression';

/**
 * Helpers that wrap discovery's CSV reading (src/discover/subscribers.ts) instead of repeating it,
 * so that what `subscribers add` and `subscribers import` write is read back by `herald send`
 * exactly as they meant it: the same email column, the same name, the same address checks.
 */

/** A CSV's text with its BOM removed and every line ending made LF; line numbers do not change. */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** The same comparison discovery uses for header names (lower case, letters and digits only): discovery's own. */
export { headerKey } from '../discover/subscribers';

export interface CsvRecord {
  readonly cells: readonly string[];
  /** The line the record starts on, as discovery reports it. */
  readonly line: number;
  /** The line it ends on (the same unless a quoted cell holds a line break), in LF-only text. */
  readonly endLine: number;
}

/** Records with the options discovery parses with; undefined when the text is not valid CSV. */
export function readRecords(text: string): CsvRecord[] | undefined {
  try {
    const records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as { record: string[]; info: { lines: number; bytes: number } }[];
    const lines = new CsvLines(text);
    let start = 0;
    return records.map((r) => {
      const line = lines.startOf(start);
      start = r.info.bytes;
      return { cells: r.record, line, endLine: r.info.lines };
    });
  } catch {
    return undefined;
  }
}

export const csvLine = (cells: readonly string[]): string => cells.map(csvCell).join(',');

/** Cells a spreadsheet would run as a formula (OWASP's list of first characters). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell for a CSV meant to be opened in a spreadsheet (`subscribers export`): one that starts
 * with = + - @, a tab or a carriage return gets a ' in front, which spreadsheets show as text
 * instead of running it ("CSV injection"; an address may legally start with = or +, and one like
 * =cmd|'/C calc'!A0@example.com is valid). herald's own list files keep data as it is.
 */
export function spreadsheetCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes spreadsheetCell for a cell read from an export: the ' comes off again. */
export function fromSpreadsheetCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

const PROBE_DOMAIN = 'probe.invalid';

/**
 * Which columns discovery reads the address and the name from, for a header row: it parses a
 * probe row whose every cell is a distinct address and sees which ones come back.
 * `name` is empty (no name column), one index (a full name) or two (first and last name).
 */
export function discoveryColumns(header: readonly string[]): { email: number; name: number[] } {
  const probe = header.map((_, i) => `c${i}@${PROBE_DOMAIN}`);
  const parsed = parseSubscriberCsv(`${csvLine(header.map((h) => h.replace(/\s+/g, ' ')))}\n${csvLine(probe)}\n`, 'probe');
  const row = parsed.rows[0];
  if (parsed.broken || !row) return { email: -1, name: [] };
  const index = (s: string): number[] => [...s.matchAll(/c(\d+)@probe\.invalid/g)].map((m) => Number(m[1]));
  return { email: index(row.email)[0] ?? -1, name: index(row.name) };
}

/**
 * Parses a file with discovery's parser after renaming the given header columns, so discovery
 * ignores them (import reads status columns itself, with more values than discovery knows).
 * Line numbers in the result are the original file's.
 */
export function parseIgnoringColumns(normalized: string, header: CsvRecord, ignore: ReadonlySet<number>, file: string): ParsedCsv {
  let offset = 0;
  for (let n = 0; n < header.endLine; n++) {
    const next = normalized.indexOf('\n', offset);
    if (next < 0) {
      offset = normalized.length;
      break;
    }
    offset = next + 1;
  }
  const renamed = header.cells.map((h, i) => (ignore.has(i) ? `herald_ignored_${i}` : h.replace(/\s+/g, ' ')));
  // the header becomes one line; blank lines (skipped, but counted) keep every row on its line
  return parseSubscriberCsv(`${csvLine(renamed)}\n${'\n'.repeat(header.endLine - 1)}${normalized.slice(offset)}`, file);
}
