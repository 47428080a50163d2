import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { addressKey, checkAddress } from './address';
import { writeFileAtomic } from './atomic-write';
import { findColumns, headerKey, oneLineText } from './columns';
import { csvLine, eachRecord } from './csv';
import { DEFAULT_FOLDER, SUPPRESSION_FILE } from './files';
import { withListLock } from './lock';
import { type SuppressionReason, SUPPRESSION_REASONS } from './status';

/**
 * The suppression list: everyone who must never be mailed again, whatever the other CSV files say.
 * It lives beside the subscriber files as subscribers/suppressed.csv, readable and editable by a
 * person, and every row carries a status that subscriber discovery already excludes, so one
 * mechanism honours it everywhere. Writes are atomic (temp file, fsync, rename), so a crash
 * leaves either the old list or the new one, never half a file, and they happen under the list
 * lock (lock.ts), so two processes changing it at once cannot lose each other's entries.
 */
// kept here too for the callers that know the list by this module
export { SUPPRESSION_FILE } from './files';
export { SUPPRESSION_REASONS, type SuppressionReason } from './status';
export { writeFileAtomic } from './atomic-write';

export interface Suppression {
  readonly email: string;
  readonly reason: SuppressionReason;
  readonly at: string;
  readonly note: string;
}

const HEADER = 'email,status,date,note';

export function suppressionPath(subscribersDir: string): string {
  return path.join(subscribersDir, SUPPRESSION_FILE);
}

export const isSuppressionReason = (value: string): value is SuppressionReason => (SUPPRESSION_REASONS as readonly string[]).includes(value);

/** A timestamp for the date column: ISO 8601 in UTC, to the second. */
export function stamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Every row of the list stops its address, whatever its status cell says (discovery reads it so). */
export function isSuppressed(subscribersDir: string, email: string, folder: string = DEFAULT_FOLDER): boolean {
  return readSuppressions(subscribersDir, folder).has(addressKey(email));
}

/** Every entry by address key; `folder` names the subscriber folder in messages (the `subscribers` setting). */
export function readSuppressions(subscribersDir: string, folder: string = DEFAULT_FOLDER): Map<string, Suppression> {
  const file = suppressionPath(subscribersDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  // the columns found as in every other list file, so a hand-edited "Email Address" header reads as `herald send` reads it
  let columns: { email: number; status: number; date: number; note: number } | undefined;
  const out = new Map<string, Suppression>();
  const fault = eachRecord(text, (cells) => {
    if (!columns) {
      const keys = cells.map(headerKey);
      const found = findColumns(cells);
      columns = { email: found.email, status: found.status, date: keys.indexOf('date'), note: keys.indexOf('note') };
      return;
    }
    const cell = (i: number): string => (i >= 0 ? cells[i] ?? '' : '');
    const email = cell(columns.email);
    if (!email) return;
    const status = cell(columns.status).toLowerCase();
    // written back as "removed": a row in this file is meant to stop the address
    const reason = isSuppressionReason(status) ? status : 'removed';
    out.set(addressKey(email), { email, reason, at: cell(columns.date), note: cell(columns.note) });
  });
  if (fault) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, `the suppression list is not valid CSV: ${fault.reason}`, {
      location: { file: `${folder}/${SUPPRESSION_FILE}`, line: fault.line },
      hint: 'Fix the quotes in the row starting on that line; until then nobody is added to or removed from the list.',
      cause: fault.error,
    });
  }
  return out;
}

/**
 * Adds (or keeps) entries; returns how many were new. An address already on the list keeps its
 * first reason and date. Durable (fsynced and renamed into place) before it returns.
 */
export function addSuppressions(subscribersDir: string, entries: readonly Suppression[], folder: string = DEFAULT_FOLDER): number {
  const checked = entries.map((entry) => {
    const check = checkAddress(entry.email);
    if (!check.ok) throw new HeraldError(ErrorCode.ESUBSCRIBER, `cannot suppress an invalid address: ${check.reason}`);
    return { key: check.key, entry: { ...entry, email: check.address, note: oneLineText(entry.note, NOTE_MAX) } };
  });
  if (!checked.length) return 0;
  return withListLock(subscribersDir, () => {
    const current = readSuppressions(subscribersDir, folder);
    let added = 0;
    for (const { key, entry } of checked) {
      if (current.has(key)) continue;
      current.set(key, entry);
      added++;
    }
    if (added) writeSuppressions(subscribersDir, current);
    return added;
  });
}

/** Removes an address from the list (a person re-subscribed on purpose); true when it was there. */
export function removeSuppression(subscribersDir: string, email: string, folder: string = DEFAULT_FOLDER): boolean {
  return withListLock(subscribersDir, () => {
    const current = readSuppressions(subscribersDir, folder);
    if (!current.delete(addressKey(email))) return false;
    writeSuppressions(subscribersDir, current);
    return true;
  });
}

function writeSuppressions(subscribersDir: string, entries: ReadonlyMap<string, Suppression>): void {
  const lines = [HEADER, ...[...entries.values()].map((e) => csvLine([e.email, e.reason, e.at, e.note]))];
  writeFileAtomic(suppressionPath(subscribersDir), `${lines.join('\n')}\n`);
}

/** A note is for a person reading the file: one line, bounded. */
const NOTE_MAX = 300;
