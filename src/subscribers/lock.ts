import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';

/**
 * One writer at a time for the files in subscribers/, across processes: `herald serve` records an
 * unsubscribe while `herald send` suppresses a bounced mailbox while someone runs
 * `herald subscribers remove`. Each does read, change, write-atomically; without this lock two of
 * them could each read the old list and the second rename would silently drop the first change.
 *
 * Like the run lock, it is an exclusive SQLite transaction on a dot-file (ignored by discovery),
 * which the operating system releases when the process dies, however it dies. It is re-entrant
 * within a process, so a locked operation may call another (import → addSuppressions).
 */
export const LIST_LOCK_FILE = '.herald-edit.lock';
const DEFAULT_WAIT_MS = 10_000;

/** Folders whose lock this process holds now. */
const held = new Set<string>();

export function withListLock<T>(subscribersDir: string, fn: () => T, waitMs = DEFAULT_WAIT_MS): T {
  const dir = path.resolve(subscribersDir);
  if (held.has(dir)) return fn();
  makeDir(dir);
  const file = path.join(dir, LIST_LOCK_FILE);
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(waitMs))}`);
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    // only "busy" is another writer; a full disk or a read-only folder is reported as what it is
    if (!/^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code ?? ''))) throw err;
    throw new HeraldError(ErrorCode.ELOCKED, 'another herald is changing the subscriber list right now', {
      location: { file },
      hint: 'Try again in a moment.',
      cause: err,
    });
  }
  held.add(dir);
  try {
    return fn();
  } finally {
    held.delete(dir);
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }
}
