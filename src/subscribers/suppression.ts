import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { checkAddress } from '../discover/address';
import { CsvLines } from '../discover/csv-lines';
import { SUPPRESSION_FILE, csvErrorMessage } from '../discover/subscribers';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';
import { withListLock } from './lock';

/**
 * The suppression list: everyone who must never be mailed again, whatever the other CSV files say.
 * It lives beside the subscriber files as subscribers/suppressed.csv, readable and editable by a
 * person, and every row carries a status that subscriber discovery already excludes, so one
 * mechanism honours it everywhere. Writes are atomic (temp file, fsync, rename), so a crash
 * leaves either the old list or the new one, never half a file, and they happen under the list
 * lock (lock.ts), so two processes changing it at once cannot lose each other's entries.
 */
export { SUPPRESSION_FILE } from '../discover/subscribers';
export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'removed', 'complained', 'cleaned'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

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

/** The identity used everywhere (discovery, the record, tokens): the address checked and lower-cased. */
export function addressKey(email: string): string {
  const check = checkAddress(email);
  return check.ok ? check.key : email.trim().toLowerCase();
}

/** A timestamp for the date column: ISO 8601 in UTC, to the second. */
export function stamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Every row of the list stops its address, whatever its status cell says (discovery reads it so). */
export function isSuppressed(subscribersDir: string, email: string): boolean {
  return readSuppressions(subscribersDir).has(addressKey(email));
}

export function readSuppressions(subscribersDir: string): Map<string, Suppression> {
  const file = suppressionPath(subscribersDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  let rows: Record<string, string>[];
  let recordStart = 0;
  try {
    const [header = [], ...body] = parse(text, {
      bom: true, skip_empty_lines: true, relax_column_count: true, trim: true,
      on_record: (record: string[], context: { bytes: number }) => {
        recordStart = context.bytes;
        return record;
      },
    }) as string[][];
    rows = body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  } catch (err) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, `the suppression list is not valid CSV: ${csvErrorMessage(err)}`, {
      location: { file: `subscribers/${SUPPRESSION_FILE}`, line: new CsvLines(text).startOf(recordStart) },
      hint: 'Fix the quotes in the row starting on that line; until then nobody is added to or removed from the list.',
      cause: err,
    });
  }
  const out = new Map<string, Suppression>();
  for (const row of rows) {
    const email = row['email'] ?? '';
    if (!email) continue;
    const status = (row['status'] ?? '').toLowerCase();
    // written back as "removed": a row in this file is meant to stop the address
    const reason = isSuppressionReason(status) ? status : 'removed';
    out.set(addressKey(email), { email, reason, at: row['date'] ?? '', note: row['note'] ?? '' });
  }
  return out;
}

/**
 * Adds (or keeps) entries; returns how many were new. An address already on the list keeps its
 * first reason and date. Durable (fsynced and renamed into place) before it returns.
 */
export function addSuppressions(subscribersDir: string, entries: readonly Suppression[]): number {
  const checked = entries.map((entry) => {
    const check = checkAddress(entry.email);
    if (!check.ok) throw new HeraldError(ErrorCode.ESUBSCRIBER, `cannot suppress an invalid address: ${check.reason}`);
    return { key: check.key, entry: { ...entry, email: check.address, note: oneLine(entry.note) } };
  });
  if (!checked.length) return 0;
  return withListLock(subscribersDir, () => {
    const current = readSuppressions(subscribersDir);
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
export function removeSuppression(subscribersDir: string, email: string): boolean {
  return withListLock(subscribersDir, () => {
    const current = readSuppressions(subscribersDir);
    if (!current.delete(addressKey(email))) return false;
    writeSuppressions(subscribersDir, current);
    return true;
  });
}

function writeSuppressions(subscribersDir: string, entries: ReadonlyMap<string, Suppression>): void {
  const lines = [HEADER, ...[...entries.values()].map((e) => [e.email, e.reason, e.at, e.note].map(csvCell).join(','))];
  writeFileAtomic(suppressionPath(subscribersDir), `${lines.join('\n')}\n`);
}

/** A note is for a person reading the file: one line, bounded. */
function oneLine(note: string): string {
  return note.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Write to a temp file, fsync it, rename over the target, fsync the folder. */
export function writeFileAtomic(file: string, content: string): void {
  makeDir(path.dirname(file));
  // the name never ends in .csv, so discovery cannot read a half-written temp file
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // a new file: the umask decides
  }
  try {
    const fd = fs.openSync(tmp, 'wx', 0o666);
    try {
      if (mode !== undefined) fs.fchmodSync(fd, mode); // keep the permissions someone gave the list
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
