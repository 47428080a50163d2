/**
 * The code cache, in real Node processes (Jest's module system has a loader of its own): each run
 * starts the cache in a folder of the test's, loads small packages, and saves as the CLI does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeJson } from './support/node';

const DIST = path.resolve(__dirname, '../dist/fast/code-cache.js');

interface Run {
  readonly counts: { accepted: number; compiled: number } | null;
  readonly values: unknown[];
}

let dir: string;
let cache: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-code-cache-'));
  cache = path.join(dir, 'cache');
  write('node_modules/lib-a/index.js', `const b = require('lib-b');\nmodule.exports = { sum: (x) => b.double(x) + 1, where: require.resolve('lib-b'), main: require.main === process.mainModule };`);
  write('node_modules/lib-b/index.js', `module.exports = { double: (x) => x * 2 };`);
  write('node_modules/tool/cli.js', `#!/usr/bin/env node\nmodule.exports = 'shebang kept out of the way';`);
  write('node_modules/esm-only/package.json', JSON.stringify({ name: 'esm-only', type: 'module', main: 'index.js' }));
  write('node_modules/esm-only/index.js', `export const answer = 42;`);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

/** Starts the cache (HERALD_CODE_CACHE as given), evaluates `expressions` after loading, saves. */
function run(expressions: string[], env: Record<string, string> = { HERALD_CODE_CACHE: cache }): Run {
  return nodeJson<Run>(`
    const started = require(${JSON.stringify(DIST)}).startCodeCache('test', ${JSON.stringify(env)});
    const values = [${expressions.join(', ')}];
    started?.save();
    process.stdout.write(JSON.stringify({ counts: started ? started.counts : null, values }));`, { cwd: dir });
}

const LOAD = [`require('lib-a').sum(20)`, `require('lib-a').where`, `require('lib-a').main`, `require('tool/cli.js')`];

test('a second run takes every module from the cache and behaves the same', () => {
  const first = run(LOAD);
  expect(first.counts).toEqual({ accepted: 0, compiled: 3 });
  expect(first.values).toEqual([41, path.join(dir, 'node_modules/lib-b/index.js'), true, 'shebang kept out of the way']);
  expect(fs.readdirSync(cache)).toEqual(['test.bin']);
  const second = run(LOAD);
  expect(second.counts).toEqual({ accepted: 3, compiled: 0 });
  expect(second.values).toEqual(first.values);
});

test('a module whose text changed, even to the same length, is compiled again', () => {
  run(LOAD);
  write('node_modules/lib-b/index.js', `module.exports = { double: (x) => x * 3 };`);
  const after = run(LOAD);
  expect(after.counts).toEqual({ accepted: 2, compiled: 1 });
  expect(after.values[0]).toBe(61);
});

test('damaged entries are refused, the modules compiled as usual, and the entries made anew', () => {
  run(LOAD);
  const file = path.join(cache, 'test.bin');
  const bytes = fs.readFileSync(file);
  // the index intact, every entry's bytes garbled
  const indexEnd = 4 + bytes.readUInt32BE(0);
  bytes.fill(7, indexEnd);
  fs.writeFileSync(file, bytes);
  const damaged = run(LOAD);
  expect(damaged.counts).toEqual({ accepted: 0, compiled: 3 });
  expect(damaged.values[0]).toBe(41);
  expect(run(LOAD).counts).toEqual({ accepted: 3, compiled: 0 });
  // a file that is not one at all counts as empty
  fs.writeFileSync(file, 'not a code cache');
  const unreadable = run(LOAD);
  expect(unreadable.counts).toEqual({ accepted: 0, compiled: 3 });
  expect(unreadable.values[0]).toBe(41);
});

test('an ES module is left to Node, and still loads', () => {
  const loaded = run([`require('esm-only').answer`]);
  expect(loaded.values).toEqual([42]);
});

test('with HERALD_CODE_CACHE=off, HERALD_FAST_PATH=0, or no folder it may use, nothing is cached and everything works', () => {
  expect(run(LOAD, { HERALD_CODE_CACHE: 'off' })).toEqual({ counts: null, values: [41, path.join(dir, 'node_modules/lib-b/index.js'), true, 'shebang kept out of the way'] });
  // the fast path's switch turns it off too
  expect(run(LOAD, { HERALD_CODE_CACHE: cache, HERALD_FAST_PATH: '0' }).counts).toBeNull();
  expect(fs.existsSync(cache)).toBe(false);
  // a file where the folder should be
  fs.writeFileSync(path.join(dir, 'blocked'), '');
  expect(run(LOAD, { HERALD_CODE_CACHE: path.join(dir, 'blocked', 'cache') }).counts).toBeNull();
  // a folder others may write to: what is in it would run, so it is not used
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared, { mode: 0o777 });
  fs.chmodSync(shared, 0o777);
  expect(run(LOAD, { HERALD_CODE_CACHE: shared }).counts).toBeNull();
});
