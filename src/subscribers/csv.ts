import { CsvLines } from './csv-lines';

/**
 * The CSV text of the list, read and written one way: every reader (`herald send`, the
 * suppression list, `subscribers add` and `import`) parses with the same options and numbers
 * records by the line they start on, so a message names the same line whichever command wrote it.
 */

/** How a record went wrong: csv-parse's message without its own line count, and the line the record starts on. */
export interface CsvFault {
  readonly reason: string;
  readonly line: number;
  readonly error: unknown;
}

/**
 * Calls `each` with every record's cells and the line it starts on (see csv-lines.ts); the fault
 * when the text is not valid CSV, after the records before it were handed over.
 */
export function eachRecord(text: string, each: (cells: string[], line: number) => void): CsvFault | undefined {
  const lines = new CsvLines(text);
  /** Where the next record's text begins (bytes): the end of the one before. */
  let recordStart = 0;
  // loaded when a list is read, not when a command that may never read one starts
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('csv-parse/sync') as typeof import('csv-parse/sync');
  try {
    // each record is handed over as it is parsed and not kept: a 100,000-row export never exists
    // in memory as parsed rows, only as what the caller takes from it
    parse(text, {
      bom: true, relax_column_count: true, skip_empty_lines: true, trim: true,
      on_record: (record: string[], context: { bytes: number }) => {
        const line = lines.startOf(recordStart);
        recordStart = context.bytes;
        each(record, line);
        return undefined;
      },
    });
    return undefined;
  } catch (err) {
    // the record that failed is the one after the last that parsed: named by the line it starts on
    return { reason: csvErrorMessage(err), line: lines.startOf(recordStart), error: err };
  }
}

/** csv-parse's message without its own line number, which counts differently (see csv-lines.ts). */
export function csvErrorMessage(err: unknown): string {
  return (err as Error).message.replace(/ (?:at|on) line \d+/g, '');
}

export interface CsvRecord {
  readonly cells: readonly string[];
  /** The line the record starts on, as every message names it. */
  readonly line: number;
}

/** Every record of a text, kept; undefined when it is not valid CSV. */
export function readRecords(text: string): CsvRecord[] | undefined {
  const records: CsvRecord[] = [];
  return eachRecord(text, (cells, line) => records.push({ cells, line })) ? undefined : records;
}

/** A CSV's text with its BOM removed and every line ending made LF; line numbers do not change. */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** A cell as herald writes it: quoted when it holds a quote, comma or line break, or starts or ends with a space. */
export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
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
