import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK_MODULE = path.resolve(__dirname, '../../dist/record/lock.js');

/**
 * One process trying the run lock with no wait. It prints "got" or "busy" at once; a winner then
 * holds the lock until its standard input closes, so the race is decided while both runs really
 * overlap, however slowly the machine schedules the two processes.
 */
function tryLock(stateDir: string): { result: Promise<string>; release: () => Promise<void> } {
  const script = `
    const { RunLock } = require(${JSON.stringify(LOCK_MODULE)});
    let lock;
    try { lock = RunLock.acquire(${JSON.stringify(stateDir)}, { waitMs: 0, command: 'send' }); console.log('got'); }
    catch { console.log('busy'); process.exit(0); }
    process.stdin.resume();
    process.stdin.on('end', () => { lock.release(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  // the loser has exited by the time its input is closed
  child.stdin.on('error', () => undefined);
  const result = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    result,
    release: () => {
      child.stdin.end();
      return exited;
    },
  };
}

describe('the run lock', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('two runs starting at the same moment: exactly one gets the lock, every time', async () => {
    for (let round = 0; round < 12; round++) {
      const stateDir = path.join(dir, `state-${round}`);
      const runs = [tryLock(stateDir), tryLock(stateDir)];
      const results = (await Promise.all(runs.map((r) => r.result))).sort();
      await Promise.all(runs.map((r) => r.release()));
      expect(results).toEqual(['busy', 'got']);
    }
  });
});
