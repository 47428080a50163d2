import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { FileLock } from '../file-lock';

/**
 * One writer at a time for the files in subscribers/, across processes: `herald serve` records an
 * unsubscribe while `herald send` suppresses a bounced mailbox while someone runs
 * `herald subscribers remove`. Each does read, change, write-atomically; without this lock two of
 * them could each read the old list and the second rename would silently drop the first change.
 *
 * It is a FileLock (the same lock as the run lock) on a dot-file ignored by discovery, taken with
 * a short blocking wait: the edits it guards are quick and synchronous. It is re-entrant within a
 * process, so a locked operation may call another (import → addSuppressions).
 */
export const LIST_LOCK_FILE = '.herald-edit.lock';
const DEFAULT_WAIT_MS = 10_000;

/** Folders whose lock this process holds now. */
const held = new Set<string>();

export function withListLock<T>(subscribersDir: string, fn: () => T, waitMs = DEFAULT_WAIT_MS): T {
  const dir = path.resolve(subscribersDir);
  if (held.has(dir)) return fn();
  const file = path.join(dir, LIST_LOCK_FILE);
  const lock = FileLock.open(file);
  let taken: boolean;
  try {
    taken = lock.tryTake(waitMs);
  } catch (err) {
    // not "busy": a full disk or a read-only folder is reported as what it is
    lock.release();
    throw err;
  }
  if (!taken) {
    lock.release();
    throw new HeraldError(ErrorCode.ELOCKED, 'another herald is changing the subscriber list right now', {
      location: { file },
      hint: 'Try again in a moment.',
    });
  }
  held.add(dir);
  try {
    return fn();
  } finally {
    held.delete(dir);
    lock.release();
  }
}
