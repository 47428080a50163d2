import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK_MODULE = path.resolve(__dirname, '../../dist/record/lock.js');

/**
 * A process trying the run lock with no wait; prints "got" or "busy". The winner holds the lock
 * until its stdin closes, so the other one always meets it, however late it starts.
 */
function startLock(stateDir: string): { said: Promise<string>; done: () => Promise<void> } {
  const script = `
    const { RunLock } = require(${JSON.stringify(LOCK_MODULE)});
    RunLock.acquire(${JSON.stringify(stateDir)}, { waitMs: 0, command: 'send' }).then(
      (lock) => { console.log('got'); process.stdin.on('end', () => lock.release()).resume(); },
      () => console.log('busy'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const said = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('error', reject);
    void exited.then(() => resolve(out.trim()));
  });
  return {
    said,
    done: () => {
      child.stdin.end();
      return exited;
    },
  };
}

async function tryTwoAtOnce(stateDir: string): Promise<string[]> {
  const runs = [startLock(stateDir), startLock(stateDir)];
  const results = await Promise.all(runs.map((r) => r.said));
  await Promise.all(runs.map((r) => r.done()));
  return results.sort();
}

describe('the run lock', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('two runs starting at the same moment: exactly one gets the lock, every time', async () => {
    for (let round = 0; round < 12; round++) {
      const stateDir = path.join(dir, `state-${round}`);
      const results = await tryTwoAtOnce(stateDir);
      expect(results).toEqual(['busy', 'got']);
    }
  });
});
