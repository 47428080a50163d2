import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RECORD_FILE, SendRecord } from '../../src/record/sqlite';

describe('the relay of each delivery in the record', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-relay-col-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const now = new Date('2026-03-01T08:00:00Z');

  function queued(): SendRecord {
    const record = SendRecord.open(dir, { readonly: false })!;
    record.initialize([], now);
    record.queuePost({ id: 'p', file: 'p.md', title: 'P' }, ['a', 'b', 'c'].map((x) => ({ email: `${x}@example.com`, key: `${x}@example.com`, name: x })), now);
    return record;
  }

  const claim = (key: string) => ({ postId: 'p', key, messageId: `<${key}>` });

  test('a settle notes its relay; a new claim forgets the last one until a relay answers again', () => {
    const record = queued();
    try {
      record.apply('run1', [], ['a', 'b', 'c'].map((x) => claim(`${x}@example.com`)), now, { includeInDoubt: false });
      record.apply('run1', [
        { postId: 'p', key: 'a@example.com', state: 'sent', reply: '250 ok', relay: 'ses' },
        { postId: 'p', key: 'b@example.com', state: 'deferred', reply: '451 later', relay: 'own', nextAttemptAt: now.toISOString() },
        { postId: 'p', key: 'c@example.com', state: 'failed', reply: '550 no', relay: 'own' },
      ], [], now, { includeInDoubt: false });
      const relayOf = (key: string): string | null => record.log({ limit: 10 }).find((r) => r.key === key)!.relay;
      expect([relayOf('a@example.com'), relayOf('b@example.com'), relayOf('c@example.com')]).toEqual(['ses', 'own', 'own']);
      expect(record.relayCounts().get('own')).toMatchObject({ deferred: 1, failed: 1, sent: 0 });
      expect(record.sentSinceByRelay(new Date(now.getTime() - 1000))).toEqual(new Map([['ses', 1]]));

      // claimed again (and then, say, killed): the relay of the deferral is not this attempt's
      record.apply('run2', [], [claim('b@example.com')], new Date(now.getTime() + 1000), { includeInDoubt: false });
      expect(relayOf('b@example.com')).toBeNull();
      // an answer without a relay (a single relay) leaves it as it is
      record.apply('run2', [{ postId: 'p', key: 'b@example.com', state: 'sent', reply: '250 ok' }], [], now, { includeInDoubt: false });
      expect(relayOf('b@example.com')).toBeNull();
    } finally {
      record.close();
    }
  });

  test('a record made before relays were noted gets the column when a send opens it, and reads without it until then', () => {
    queued().close();
    const db = new Database(path.join(dir, RECORD_FILE));
    db.exec('ALTER TABLE deliveries DROP COLUMN relay');
    db.close();
    const reader = SendRecord.open(dir, { readonly: true })!;
    try {
      expect(reader.log({ limit: 10 }).map((r) => r.relay)).toEqual([null, null, null]);
      expect(reader.relayCounts().size).toBe(0);
      expect(reader.sentSinceByRelay(now).size).toBe(0);
    } finally {
      reader.close();
    }
    const writer = SendRecord.open(dir, { readonly: false })!;
    try {
      writer.apply('run1', [], [claim('a@example.com')], now, { includeInDoubt: false });
      writer.apply('run1', [{ postId: 'p', key: 'a@example.com', state: 'sent', reply: '250 ok', relay: 'ses' }], [], now, { includeInDoubt: false });
      expect(writer.relayCounts().get('ses')).toMatchObject({ sent: 1 });
    } finally {
      writer.close();
    }
  });
});
