#!/usr/bin/env node
'use strict';
// The bench is TypeScript (bench/**/*.ts, see bench/run.ts). This keeps `node bench/run.js`
// working: it compiles the bench to dist-bench/ (incremental, so quick when nothing changed) and
// runs it. herald itself must be built already (`npm run build`; `npm run bench` does both).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [repo] });
const build = spawnSync(process.execPath, [tsc, '-p', __dirname], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('bench: the bench does not compile (see above); nothing was measured');
  process.exit(2);
}
require(path.join(repo, 'dist-bench', 'run.js'));
