import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK_MODULE = path.resolve(__dirname, '../../dist/record/lock.js');

/** One process trying the run lock with no wait; prints "got" or "busy". */
function tryLock(stateDir: string): Promise<string> {
  const script = `
    const { RunLock } = require(${JSON.stringify(LOCK_MODULE)});
    RunLock.acquire(${JSON.stringify(stateDir)}, { waitMs: 0, command: 'send' })
      .then((lock) => setTimeout(() => { lock.release(); console.log('got'); }, 200), () => console.log('busy'));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

describe('the run lock', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('two runs starting at the same moment: exactly one gets the lock, every time', async () => {
    for (let round = 0; round < 12; round++) {
      const stateDir = path.join(dir, `state-${round}`);
      const results = (await Promise.all([tryLock(stateDir), tryLock(stateDir)])).sort();
      expect(results).toEqual(['busy', 'got']);
    }
  });
});
