import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chunks } from '../../src/record/batch-sql';
import { SendRecord } from '../../src/record/sqlite';

describe('what the record reports', () => {
  let dir: string;
  let record: SendRecord;
  const day = (d: string): Date => new Date(`2026-01-${d}T00:00:00Z`);
  const opts = { includeInDoubt: false };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-reports-'));
    record = SendRecord.open(dir, { readonly: false })!;
    const list = ['a', 'b', 'c', 'd'].map((k) => ({ key: `${k}@example.com`, email: `${k}@example.com`, name: k }));
    record.queuePost({ id: 'one', file: 'posts/one.md', title: 'One' }, list, day('01'));
    record.queuePost({ id: 'two', file: 'posts/two.md', title: 'Two' }, list.slice(0, 1), day('01'));
    const claims = list.map((r) => ({ postId: 'one', key: r.key, messageId: `<${r.key}>` }));
    record.apply('run', [], claims, day('02'), opts);
    record.apply('run', [
      { postId: 'one', key: 'a@example.com', state: 'sent', reply: '250 ok' },
      { postId: 'one', key: 'b@example.com', state: 'failed', reply: '550 gone' },
      { postId: 'one', key: 'c@example.com', state: 'deferred', reply: '451 later', nextAttemptAt: day('09').toISOString() },
    ], [], day('03'), opts);
  });
  afterEach(() => {
    record.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('counts per post: every state for status, the open ones only for planning', () => {
    expect(record.counts().get('one')).toEqual({ pending: 0, sending: 1, sent: 1, failed: 1, deferred: 1, in_doubt: 0, skipped: 0 });
    expect(record.openCounts().get('one')).toEqual({ pending: 0, sending: 1, sent: 0, failed: 0, deferred: 1, in_doubt: 0, skipped: 0 });
    expect(record.openCounts().get('two')).toMatchObject({ pending: 1 });
  });

  test('failures with their reply, sends since a moment, and the log filtered by post and state', () => {
    expect(record.failures()).toEqual([{ email: 'b@example.com', reply: '550 gone', updatedAt: day('03').toISOString() }]);
    expect(record.sentSince(day('03'))).toBe(1);
    expect(record.sentSince(day('04'))).toBe(0);
    expect(record.log({ postId: 'one', state: 'deferred', limit: 10 }).map((r) => r.key)).toEqual(['c@example.com']);
    expect(record.log({ limit: 10 })).toHaveLength(5);
    expect(record.log({ postId: 'two', limit: 10 })).toMatchObject([{ key: 'a@example.com', state: 'pending', seq: 0 }]);
  });

  test('the posts it knows, and the file stamps it remembers for them', () => {
    expect([...record.posts().values()].map((p) => [p.id, p.disposition, p.recipients])).toEqual([['one', 'queued', 4], ['two', 'queued', 1]]);
    expect(record.fileStamps().size).toBe(0);
    record.stampFiles([{ id: 'one', file: 'posts/renamed.md', stamp: { size: 12, mtimeMs: 34 } }]);
    expect([...record.fileStamps()]).toEqual([['posts/renamed.md', { id: 'one', size: 12, mtimeMs: 34 }]]);
  });
});

describe('batched statements', () => {
  test('rows are cut into slices of at most 64, in order, none lost', () => {
    const items = Array.from({ length: 150 }, (_, i) => i);
    const parts = [...chunks(items)];
    expect(parts.map((p) => p.length)).toEqual([64, 64, 22]);
    expect(parts.flat()).toEqual(items);
    expect([...chunks([])]).toEqual([]);
  });
});
