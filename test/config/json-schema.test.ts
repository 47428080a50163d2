import fs from 'node:fs';
import path from 'node:path';
import { settingsJsonSchema, validateConfig } from '../../src/config/schema';

const SHIPPED = path.join(__dirname, '../../schema/herald.config.schema.json');

describe('the JSON Schema of herald.config.json', () => {
  test('the shipped file is the one generated from the settings schema (regenerate it when a setting changes)', () => {
    // to regenerate: HERALD_WRITE_SCHEMA=1 npx jest test/config/json-schema.test.ts
    if (process.env.HERALD_WRITE_SCHEMA === '1') fs.writeFileSync(SHIPPED, `${JSON.stringify(settingsJsonSchema(), null, 2)}\n`);
    expect(JSON.parse(fs.readFileSync(SHIPPED, 'utf8'))).toEqual(settingsJsonSchema());
  });

  test('it names every setting with its description, and the settings loader accepts the $schema key', () => {
    const schema = settingsJsonSchema() as { properties: Record<string, { description?: string }>; additionalProperties: unknown };
    for (const key of ['name', 'siteUrl', 'posts', 'floodGuard', 'subscribers', '$schema', 'smtp']) expect(schema.properties).toHaveProperty(key);
    expect(schema.properties['posts']!.description).toContain('folder of posts');
    expect(schema.additionalProperties).toBe(false);
    expect(validateConfig({ $schema: './schema.json', siteUrl: 'https://example.com/' }).ok).toBe(true);
  });
});
