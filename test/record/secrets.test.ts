import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SendRecord } from '../../src/record/sqlite';

describe('the secret uses the record keeps', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-secrets-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const use = (fingerprint: string, day: string) => ({ fingerprint, firstUsed: day, lastUsed: day });

  test('none at first; what is set is read back, by this run and the next, and a new list replaces the old', () => {
    const record = SendRecord.open(dir, { readonly: false })!;
    expect(record.secretUses()).toEqual([]);
    record.setSecretUses([use('a', '2026-01-01'), use('b', '2026-02-01')]);
    record.setSecretUses([use('b', '2026-03-01')]);
    record.close();
    const reopened = SendRecord.open(dir, { readonly: true })!;
    expect(reopened.secretUses()).toEqual([use('b', '2026-03-01')]);
    reopened.close();
  });

  test.each([['not json', '{oops'], ['json but not a list', '{"fingerprint":"a"}']])('a stored value that is %s reads as no uses, not an error', (_what, value) => {
    SendRecord.open(dir, { readonly: false })!.close();
    const db = new Database(path.join(dir, 'herald.db'));
    db.prepare(`INSERT INTO meta (key, value) VALUES ('signing_secrets', ?)`).run(value);
    db.close();
    const record = SendRecord.open(dir, { readonly: true })!;
    expect(record.secretUses()).toEqual([]);
    expect(record.meta('signing_secrets')).toBe(value);
    record.close();
  });
});
