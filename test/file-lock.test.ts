import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileLock } from '../src/file-lock';

/** Two connections to one lock file contend like two processes do (SQLite tracks both). */
describe('the file lock', () => {
  let dir: string;
  const opened: FileLock[] = [];
  const open = (file = path.join(dir, 'sub', 'x.lock')): FileLock => {
    const lock = FileLock.open(file);
    opened.push(lock);
    return lock;
  };
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-file-lock-'))));
  afterEach(() => {
    for (const lock of opened.splice(0)) lock.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('opening creates the folder; one holder at a time; released, the next one takes it', () => {
    const first = open();
    const second = open();
    expect(fs.existsSync(path.join(dir, 'sub'))).toBe(true);
    expect(first.tryTake()).toBe(true);
    expect(second.tryTake()).toBe(false);
    first.release();
    expect(first.open).toBe(false);
    expect(second.tryTake()).toBe(true);
  });

  test('releasing twice, or a lock never taken, is harmless', () => {
    const lock = open();
    lock.release();
    lock.release();
    const other = open();
    expect(other.tryTake()).toBe(true);
  });

  test('waiting with timers: taken once the holder lets go, with the time waited passed to each decision', async () => {
    const holder = open();
    expect(holder.tryTake()).toBe(true);
    const waiter = open();
    const waited: number[] = [];
    const taken = waiter.take((ms) => {
      waited.push(ms);
      if (waited.length === 3) holder.release();
      return 1;
    });
    await expect(taken).resolves.toBe(true);
    expect(waited).toHaveLength(3);
    expect(waited.every((ms, i) => i === 0 || ms >= waited[i - 1]!)).toBe(true);
  });

  test('waiting gives up when told to, and at once on stop, without taking the lock', async () => {
    const holder = open();
    expect(holder.tryTake()).toBe(true);
    let asked = 0;
    await expect(open().take(() => (++asked < 3 ? 1 : undefined))).resolves.toBe(false);
    expect(asked).toBe(3);

    const stop = new AbortController();
    const waiting = open().take(() => 60_000, stop.signal);
    setImmediate(() => stop.abort());
    await expect(waiting).resolves.toBe(false);
    const stopped = new AbortController();
    stopped.abort();
    let consulted = false;
    await expect(open().take(() => ((consulted = true), 1), stopped.signal)).resolves.toBe(false);
    expect(consulted).toBe(false);
  });

  test('an error other than "busy" is thrown as what it is, not taken for a holder', () => {
    const file = path.join(dir, 'x.lock');
    fs.writeFileSync(file, 'not a database, and long enough to have a header that SQLite reads and refuses\n'.repeat(20));
    const lock = open(file);
    expect(() => lock.tryTake()).toThrow(expect.objectContaining({ code: 'SQLITE_NOTADB' }));
  });
});
