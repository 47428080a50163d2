const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // the end-to-end suites spend most of their time waiting on the herald processes and servers
  // they start, so two workers finish the suite in about 6 minutes instead of 10 on a 2-core
  // machine, where jest's default would be one
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // marked is ESM-only; jest's loader cannot require() it on Node 20, its UMD build works.
  moduleNameMapper: { '^marked$': '<rootDir>/node_modules/marked/lib/marked.umd.js' },
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 60000,
};
