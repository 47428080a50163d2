/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // marked is ESM-only; jest's loader cannot require() it on Node 20, its UMD build works.
  moduleNameMapper: { '^marked$': '<rootDir>/node_modules/marked/lib/marked.umd.js' },
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 60000,
};
