import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

/**
 * The suppression list: everyone who must never be mailed again, whatever the other CSV files say.
 * It lives beside the subscriber files as subscribers/suppressed.csv, readable and editable by a
 * person, and every row carries a status that subscriber discovery already excludes, so one
 * mechanism honours it everywhere. Writes are atomic (temp file, fsync, rename), so a crash
 * leaves either the old list or the new one, never half a file.
 */
export const SUPPRESSION_FILE = 'suppressed.csv';
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

export function readSuppressions(subscribersDir: string): Map<string, Suppression> {
  const file = suppressionPath(subscribersDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const rows = parse(text, { bom: true, columns: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as Record<string, string>[];
  const out = new Map<string, Suppression>();
  for (const row of rows) {
    const email = row['email'] ?? '';
    if (!email) continue;
    const reason = (SUPPRESSION_REASONS as readonly string[]).includes(row['status'] ?? '') ? (row['status'] as SuppressionReason) : 'removed';
    out.set(email.toLowerCase(), { email, reason, at: row['date'] ?? '', note: row['note'] ?? '' });
  }
  return out;
}

/** Adds (or keeps) entries; returns how many were new. Durable before it returns. */
export function addSuppressions(subscribersDir: string, entries: readonly Suppression[]): number {
  const current = readSuppressions(subscribersDir);
  let added = 0;
  for (const entry of entries) {
    const key = entry.email.toLowerCase();
    if (current.has(key)) continue;
    current.set(key, entry);
    added++;
  }
  if (added) writeSuppressions(subscribersDir, current);
  return added;
}

/** Removes an address from the list (a person re-subscribed on purpose); true when it was there. */
export function removeSuppression(subscribersDir: string, email: string): boolean {
  const current = readSuppressions(subscribersDir);
  if (!current.delete(email.toLowerCase())) return false;
  writeSuppressions(subscribersDir, current);
  return true;
}

function writeSuppressions(subscribersDir: string, entries: ReadonlyMap<string, Suppression>): void {
  const lines = [HEADER, ...[...entries.values()].map((e) => [e.email, e.reason, e.at, e.note].map(csvCell).join(','))];
  writeFileAtomic(suppressionPath(subscribersDir), `${lines.join('\n')}\n`);
}

export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Write to a temp file, fsync it, rename over the target, fsync the folder. */
export function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
