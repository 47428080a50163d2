import path from 'node:path';
import Database from 'better-sqlite3';
import { makeDir } from './make-dir';

/**
 * An exclusive lock across processes, held as an exclusive SQLite transaction on a file: the
 * operating system drops it when the process dies, however it dies, so a lock left by a crashed
 * process is taken over without guessing from PIDs. The run lock (record/lock.ts) and the
 * subscriber list's edit lock (subscribers/lock.ts) are both this lock, each with its own way of
 * waiting and its own messages.
 */
export class FileLock {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  /** Opens the lock file, creating it and its folder; errors are thrown as they are. */
  static open(file: string): FileLock {
    makeDir(path.dirname(file));
    return new FileLock(new Database(file), file);
  }

  /**
   * Takes the lock: true when taken, false when another process holds it. `blockMs` lets SQLite
   * wait that long for it, blocking the whole process (only for short waits in synchronous code).
   * Anything but "busy" (a full disk, a read-only folder) is thrown as what it is.
   */
  tryTake(blockMs = 0): boolean {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(blockMs))}`);
    try {
      this.db.exec('BEGIN EXCLUSIVE');
      return true;
    } catch (err) {
      if (isBusy(err)) return false;
      throw err;
    }
  }

  /**
   * Takes the lock, trying again with timers while it is busy, so the process keeps running (and
   * hears signals) while it waits. `nextTry` says how long to pause before the next try, given
   * the time waited so far, or undefined to give up; `stop` ends the wait at once. Resolves to
   * whether the lock was taken.
   */
  async take(nextTry: (waitedMs: number) => number | undefined, stop?: AbortSignal): Promise<boolean> {
    const started = Date.now();
    for (;;) {
      if (this.tryTake()) return true;
      if (stop?.aborted) return false;
      const pauseMs = nextTry(Date.now() - started);
      if (pauseMs === undefined) return false;
      await pause(pauseMs, stop);
    }
  }

  /** False once released. */
  get open(): boolean {
    return this.db.open;
  }

  /** Gives the lock up (when held) and closes the file. */
  release(): void {
    if (!this.db.open) return;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.db.close();
    }
  }
}

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code ?? ''));
}

/** Waits, or less when `stop` aborts: a process waiting for a lock still hears SIGTERM. */
function pause(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    }
  });
}
