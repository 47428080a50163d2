import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { FileLock } from '../file-lock';
import { makeDir } from '../make-dir';

/**
 * One sender at a time per newsletter, across processes: a FileLock on a file in the state
 * folder, with a note beside it saying who holds it.
 */
/** How long a run keeps trying while the lock is taken but nobody is recorded as holding it. */
const SETTLE_MS = 2000;
/** How often a run that was asked to wait tries the lock again. */
const POLL_MS = 100;

const HINT = 'Check that the state folder is writable and its disk has room.';

export class RunLock {
  private constructor(
    private readonly lock: FileLock,
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
    let lock: FileLock;
    try {
      lock = FileLock.open(file);
    } catch (err) {
      throw new HeraldError(ErrorCode.ERECORD, `cannot open the run lock: ${(err as Error).message}`, { location: { file }, hint: HINT, cause: err });
    }
    let announced = false;
    const nextTry = (waitedMs: number): number | undefined => {
      const holder = readHolder(infoFile);
      // no holder on record: two runs starting together touched the file at the same moment, or
      // the winner has not written its name yet; try again shortly rather than both giving up
      const settling = !holder && waitedMs < SETTLE_MS;
      if (!settling && waitedMs >= opts.waitMs) return undefined;
      if (holder && !announced) {
        announced = true;
        opts.onWait?.(holder);
      }
      return settling ? 10 + Math.random() * 40 : POLL_MS;
    };
    let taken: boolean;
    try {
      taken = await lock.take(nextTry, opts.stop);
    } catch (err) {
      // not "busy": a full disk or an unwritable folder stays so, waiting would not help
      lock.release();
      throw new HeraldError(ErrorCode.ERECORD, `cannot take the run lock: ${(err as Error).message}`, { location: { file }, hint: HINT, cause: err });
    }
    if (!taken) {
      lock.release();
      const holder = readHolder(infoFile);
      const stopped = opts.stop?.aborted;
      throw new HeraldError(ErrorCode.ELOCKED, `${stopped ? 'stopped while waiting: ' : ''}another herald is already running here${holder ? ` (${holder})` : ''}`, {
        location: { file },
        hint: stopped ? 'Nothing was sent by this run.' : 'It will finish on its own; run again later. Two runs never send at the same time.',
      });
    }
    const info = { pid: process.pid, host: os.hostname(), command: opts.command, since: new Date().toISOString() };
    const runLock = new RunLock(lock, infoFile);
    try {
      fs.writeFileSync(infoFile, `${JSON.stringify(info)}\n`);
    } catch (err) {
      runLock.release();
      throw new HeraldError(ErrorCode.ERECORD, `cannot write ${infoFile}: ${(err as Error).message}`, { hint: HINT, cause: err });
    }
    return runLock;
  }

  release(): void {
    // once only: after that the note may well be the next holder's
    if (!this.lock.open) return;
    try {
      fs.rmSync(this.infoFile, { force: true });
    } finally {
      this.lock.release();
    }
  }
}

function readHolder(infoFile: string): string | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { pid: number; host: string; command: string; since: string };
    return `herald ${info.command}, pid ${info.pid} on ${info.host}, since ${info.since}`;
  } catch {
    return undefined;
  }
}
