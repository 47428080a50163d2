import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';

/**
 * One sender at a time per newsletter, across processes. The lock is an exclusive SQLite
 * transaction on a file in the state folder: the operating system drops it when the process
 * dies, however it dies, so a lock left by a crashed run is taken over without guessing from PIDs.
 */
/** How long a run keeps trying while the lock is taken but nobody is recorded as holding it. */
const SETTLE_MS = 2000;
/** How often a run that was asked to wait tries the lock again. */
const POLL_MS = 100;

/** Waits, or less when `stop` aborts: a run waiting for the lock still hears SIGTERM. */
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

export class RunLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly infoFile: string,
  ) {}

  /**
   * Takes the lock, waiting up to `waitMs` for another run to finish. The waiting is done with
   * timers rather than SQLite's busy timeout, which would block the process: a signal while
   * waiting ends the wait at once.
   */
  static async acquire(stateDir: string, opts: { waitMs: number; command: string; stop?: AbortSignal; onWait?: (holder: string) => void }): Promise<RunLock> {
    makeDir(stateDir);
    const file = path.join(stateDir, 'herald.lock');
    const infoFile = `${file}.json`;
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('busy_timeout = 0');
    } catch (err) {
      throw new HeraldError(ErrorCode.ERECORD, `cannot open the run lock: ${(err as Error).message}`, {
        location: { file },
        hint: 'Check that the state folder is writable and its disk has room.',
        cause: err,
      });
    }
    const started = Date.now();
    let announced = false;
    for (;;) {
      try {
        db.exec('BEGIN EXCLUSIVE');
        break;
      } catch (err) {
        // only "busy" means another run holds it; a full disk or an unwritable folder stays so
        if (!isBusy(err)) {
          db.close();
          throw new HeraldError(ErrorCode.ERECORD, `cannot take the run lock: ${(err as Error).message}`, {
            location: { file },
            hint: 'Check that the state folder is writable and its disk has room.',
            cause: err,
          });
        }
        const holder = readHolder(infoFile);
        const elapsed = Date.now() - started;
        // no holder on record: two runs starting together touched the file at the same moment, or
        // the winner has not written its name yet; try again shortly rather than both giving up
        const settling = !holder && elapsed < SETTLE_MS;
        if ((settling || elapsed < opts.waitMs) && !opts.stop?.aborted) {
          if (holder && !announced) {
            announced = true;
            opts.onWait?.(holder);
          }
          await pause(settling ? 10 + Math.random() * 40 : POLL_MS, opts.stop);
          continue;
        }
        db.close();
        const stopped = opts.stop?.aborted;
        throw new HeraldError(ErrorCode.ELOCKED, `${stopped ? 'stopped while waiting: ' : ''}another herald is already running here${holder ? ` (${holder})` : ''}`, {
          location: { file },
          hint: stopped ? 'Nothing was sent by this run.' : 'It will finish on its own; run again later. Two runs never send at the same time.',
          cause: err,
        });
      }
    }
    const info = { pid: process.pid, host: os.hostname(), command: opts.command, since: new Date().toISOString() };
    const lock = new RunLock(db, infoFile);
    try {
      fs.writeFileSync(infoFile, `${JSON.stringify(info)}\n`);
    } catch (err) {
      lock.release();
      throw new HeraldError(ErrorCode.ERECORD, `cannot write ${infoFile}: ${(err as Error).message}`, {
        hint: 'Check that the state folder is writable and its disk has room.',
        cause: err,
      });
    }
    return lock;
  }

  release(): void {
    if (!this.db.open) return;
    try {
      fs.rmSync(this.infoFile, { force: true });
      this.db.exec('ROLLBACK');
    } finally {
      this.db.close();
    }
  }
}

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code ?? ''));
}

function readHolder(infoFile: string): string | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { pid: number; host: string; command: string; since: string };
    return `herald ${info.command}, pid ${info.pid} on ${info.host}, since ${info.since}`;
  } catch {
    return undefined;
  }
}
