import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDir } from '../src/make-dir';

describe('makeDir', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-mkdir-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('creates the missing folders of a nested path, and is happy when they exist', () => {
    const dir = path.join(root, 'a', 'b', 'c');
    makeDir(dir);
    makeDir(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  // Node 20's recursive mkdir loops forever on this one; the test would hang, not fail
  (fs.existsSync('/proc/self') ? test : test.skip)('a parent that refuses new folders (/proc) is an ENOENT error, not an endless retry', () => {
    expect(() => makeDir('/proc/herald-nope/state')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  test('a file in the way is an ENOTDIR error naming it', () => {
    fs.writeFileSync(path.join(root, 'file'), 'x');
    expect(() => makeDir(path.join(root, 'file', 'state'))).toThrow(expect.objectContaining({ code: 'ENOTDIR', message: expect.stringContaining(path.join(root, 'file')) }));
  });
});
