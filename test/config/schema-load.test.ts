/**
 * The settings' schema loads zod without its forty-odd locales. Jest has a module system of its
 * own, so this is checked in a real Node process running the built code.
 */
import path from 'node:path';
import { nodeJson } from '../support/node';

const DIST_SCHEMA = path.resolve(__dirname, '../../dist/config/schema.js');

test("zod's locales other than English are not loaded, and its messages are still English", () => {
  const script = `
    const { validateConfig } = require(${JSON.stringify(DIST_SCHEMA)});
    const message = JSON.stringify(validateConfig({ name: 5, siteUrl: 'https://example.com/' }));
    const locales = Object.keys(require.cache).filter((f) => f.includes('/zod/') && f.includes('/locales/')).map((f) => f.split('/').pop());
    process.stdout.write(JSON.stringify({ locales, message }));`;
  const out = nodeJson<{ locales: string[]; message: string }>(script);
  expect(out.locales).toEqual(['en.cjs']);
  expect(out.message).toContain('expected string, received number');
});
