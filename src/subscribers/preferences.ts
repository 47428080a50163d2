import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { addressKey } from './address';
import { writeFileAtomic } from './atomic-write';
import { findColumns, headerKey, oneLineText, topicWords } from './columns';
import { csvLine, eachRecord } from './csv';
import { DEFAULT_FOLDER, PREFERENCES_FILE } from './files';
import { withListLock } from './lock';

/**
 * What readers chose on the preferences page, kept apart from the lists in
 * subscribers/preferences.csv: a row there overrides the topics, time zone and frequency of the
 * same address in any list file, and since importing or editing a list never touches this file,
 * a choice survives re-imports. Written like the suppression list: whole, atomically, under the
 * list lock.
 */

export interface Preference {
  readonly email: string;
  /** Topic keys; empty when the reader chose none. */
  readonly topics: readonly string[];
  /** An IANA zone, or empty for the newsletter's. */
  readonly timeZone: string;
  /** instant, daily or weekly (with a weekday, e.g. "weekly:monday"); empty for the list's. */
  readonly frequency: string;
  readonly at: string;
}

const HEADER = 'email,topics,timezone,frequency,date';

export function preferencesPath(subscribersDir: string): string {
  return path.join(subscribersDir, PREFERENCES_FILE);
}

/** Every row by address key; none when the file is missing. */
export function readPreferences(subscribersDir: string, folder: string = DEFAULT_FOLDER): Map<string, Preference> {
  let text: string;
  try {
    text = fs.readFileSync(preferencesPath(subscribersDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const out = new Map<string, Preference>();
  let columns: { email: number; topics: number; timeZone: number; frequency: number; date: number } | undefined;
  const fault = eachRecord(text, (cells) => {
    if (!columns) {
      const found = findColumns(cells);
      const keys = cells.map(headerKey);
      columns = { email: found.email, topics: found.topics, timeZone: found.timeZone, frequency: keys.indexOf('frequency'), date: keys.indexOf('date') };
      return;
    }
    const cell = (i: number): string => (i >= 0 ? oneLineText(cells[i] ?? '', 200) : '');
    const email = cell(columns.email);
    if (!email) return;
    out.set(addressKey(email), { email, topics: topicWords(cell(columns.topics)) ?? [], timeZone: cell(columns.timeZone), frequency: cell(columns.frequency), at: cell(columns.date) });
  });
  if (fault) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, `is not valid CSV: ${fault.reason}`, { location: { file: `${folder}/${PREFERENCES_FILE}`, line: fault.line }, hint: 'Check the quotes in the row starting on that line.' });
  }
  return out;
}

/** Records one reader's choice, replacing their earlier one. */
export function writePreference(subscribersDir: string, preference: Preference): void {
  withListLock(subscribersDir, () => {
    const current = readPreferences(subscribersDir);
    current.set(addressKey(preference.email), preference);
    const lines = [HEADER];
    for (const p of current.values()) lines.push(csvLine([p.email, p.topics.join(';'), p.timeZone, p.frequency, p.at]));
    writeFileAtomic(preferencesPath(subscribersDir), lines.join('\n') + '\n');
  });
}
