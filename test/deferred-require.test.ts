/**
 * requireDeferring, in a real Node process (Jest's module system has a loader of its own), on
 * three small packages: lib-a requires lib-b (taking its `double` as it loads) and lib-c.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeJson } from './support/node';

const DIST = path.resolve(__dirname, '../dist/fast/deferred-require.js');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-deferred-'));
  const pkg = (name: string, source: string): void => {
    fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', name, 'index.js'), `globalThis.loaded = [...(globalThis.loaded ?? []), '${name}'];\n${source}`);
  };
  pkg('lib-a', `const { double } = require('lib-b');\nconst c = require('lib-c');\nmodule.exports = { twice: (x) => double(x), answer: () => c.answer, c };`);
  pkg('lib-b', `module.exports = { double: (x) => x * 2 };`);
  pkg('lib-c', `module.exports = { answer: 42 };`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(body: string): unknown {
  const script = `
    const { requireDeferring } = require(${JSON.stringify(DIST)});
    const a = requireDeferring(${JSON.stringify(path.join(dir, 'node_modules', 'lib-a'))}, new Map([['lib-b', ['double']], ['lib-c', []]]));
    const steps = [[...globalThis.loaded]];
    ${body}
    process.stdout.write(JSON.stringify(steps));`;
  return nodeJson(script, { cwd: dir });
}

test('a deferred package is loaded when first called or read, and works as itself', () => {
  expect(run(`
    steps.push(a.twice(21), [...globalThis.loaded]);
    steps.push(a.answer(), [...globalThis.loaded]);
    steps.push(a.twice(5), [...globalThis.loaded]);
  `)).toEqual([['lib-a'], 42, ['lib-a', 'lib-b'], 42, ['lib-a', 'lib-b', 'lib-c'], 10, ['lib-a', 'lib-b', 'lib-c']]);
});

test('the loader is left as it was: a later require gets the real module', () => {
  expect(run(`
    const c = require(require.resolve('lib-c', { paths: [${JSON.stringify(dir)}] }));
    steps.push(c.answer, [...globalThis.loaded], Object.keys(a.c), 'answer' in a.c);
  `)).toEqual([['lib-a'], 42, ['lib-a', 'lib-c'], ['answer'], true]);
});

test('with HERALD_FAST_PATH=0 nothing is deferred: every package loads at once, as with require', () => {
  const script = `
    const { requireDeferring } = require(${JSON.stringify(DIST)});
    const a = requireDeferring(${JSON.stringify(path.join(dir, 'node_modules', 'lib-a'))}, new Map([['lib-b', ['double']], ['lib-c', []]]), { HERALD_FAST_PATH: '0' });
    process.stdout.write(JSON.stringify([[...globalThis.loaded], a.twice(21), a.answer()]));`;
  expect(nodeJson(script, { cwd: dir })).toEqual([['lib-a', 'lib-b', 'lib-c'], 42, 42]);
});
