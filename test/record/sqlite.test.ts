import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { claimSql, settleSql } from '../../src/record/batch-sql';
import { RECORD_FILE, SendRecord } from '../../src/record/sqlite';

/** The record's schema as herald first shipped it: deliveries kept in address order. */
const FIRST_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (
  id TEXT PRIMARY KEY, file TEXT NOT NULL, title TEXT NOT NULL, first_seen_at TEXT NOT NULL,
  disposition TEXT NOT NULL CHECK (disposition IN ('baseline', 'queued')), queued_at TEXT,
  recipients INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE deliveries (
  post_id TEXT NOT NULL REFERENCES posts(id), email_key TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','failed','deferred','in_doubt','skipped')),
  attempts INTEGER NOT NULL DEFAULT 0, message_id TEXT, smtp_reply TEXT, run_id TEXT, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, first_attempt_at TEXT, sent_at TEXT, next_attempt_at TEXT, seq INTEGER NOT NULL,
  PRIMARY KEY (post_id, email_key)
) WITHOUT ROWID;
CREATE INDEX deliveries_by_state ON deliveries (post_id, state, seq);
CREATE INDEX deliveries_open ON deliveries (post_id, state) WHERE state IN ('pending', 'sending', 'deferred', 'in_doubt');
`;

describe('the record', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-record-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a record from the first schema is brought up to date with nothing lost', () => {
    const old = new Database(path.join(dir, RECORD_FILE));
    old.exec(FIRST_SCHEMA);
    old.prepare(`INSERT INTO meta VALUES ('initialized_at', '2026-01-01T00:00:00.000Z')`).run();
    old.prepare(`INSERT INTO posts VALUES ('hello', 'hello.md', 'Hello', '2026-01-01T00:00:00.000Z', 'queued', '2026-01-01T00:00:00.000Z', 4)`).run();
    const insert = old.prepare(
      `INSERT INTO deliveries (post_id, email_key, email, name, state, smtp_reply, created_at, updated_at, seq) VALUES ('hello', ?, ?, '', ?, ?, 't', 't', ?)`,
    );
    // keys out of list order, so address order and list order differ
    insert.run('zed@example.com', 'Zed@example.com', 'sent', '250 ok', 0);
    insert.run('amy@example.com', 'amy@example.com', 'failed', '550 5.1.1 no such user', 1);
    insert.run('kim@example.com', 'kim@example.com', 'in_doubt', 'interrupted', 2);
    insert.run('bob@example.com', 'bob@example.com', 'pending', null, 3);
    old.close();

    const record = SendRecord.open(dir, { readonly: false })!;
    try {
      expect(record.isInitialized()).toBe(true);
      expect(record.counts().get('hello')).toMatchObject({ sent: 1, failed: 1, in_doubt: 1, pending: 1 });
      expect(record.openCounts().get('hello')).toMatchObject({ in_doubt: 1, pending: 1, sent: 0 });
      expect(record.failures().map((f) => f.email)).toEqual(['amy@example.com']);
      const due = record.due('hello', new Date(), { afterSeq: -1, limit: 10, includeInDoubt: true });
      expect(due.map((r) => r.key)).toEqual(['kim@example.com', 'bob@example.com']);
      expect(due[1]).toMatchObject({ email: 'bob@example.com', state: 'pending', seq: 3 });
      expect(record.log({ limit: 10 }).find((r) => r.key === 'zed@example.com')).toMatchObject({ email: 'Zed@example.com', reply: '250 ok' });
    } finally {
      record.close();
    }
    const db = new Database(path.join(dir, RECORD_FILE), { readonly: true });
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL`).all() as { name: string }[]).map((r) => r.name);
    const ids = db.prepare('SELECT email_key AS key FROM deliveries ORDER BY id').all() as { key: string }[];
    db.close();
    expect(indexes.sort()).toEqual(['deliveries_failed', 'deliveries_message_id', 'deliveries_open']);
    // rows now sit in list order
    expect(ids.map((r) => r.key)).toEqual(['zed@example.com', 'amy@example.com', 'kim@example.com', 'bob@example.com']);
  });

  test('the queries the send loop repeats are answered from the index of open rows, not a scan', () => {
    const record = SendRecord.open(dir, { readonly: false })!;
    record.close();
    const db = new Database(path.join(dir, RECORD_FILE), { readonly: true });
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    try {
      // the same text the record's queries use
      const open = `state IN ('pending', 'sending', 'deferred', 'in_doubt')`;
      expect(plan(`SELECT * FROM deliveries WHERE post_id = 'p' AND seq > 0 AND ${open} AND state IN ('pending') ORDER BY seq LIMIT 500`)).toMatch(/USING INDEX deliveries_open/);
      expect(plan(`SELECT * FROM deliveries WHERE ${open} AND state = 'sending'`)).toMatch(/USING INDEX deliveries_open/);
      expect(plan(`SELECT email FROM deliveries WHERE state = 'failed' ORDER BY updated_at DESC`)).toMatch(/USING INDEX deliveries_failed/);
      // a commit's settles and claims: each row is found through the key, whatever the batch size
      for (const sql of [settleSql(1), settleSql(64), claimSql(8, false), claimSql(8, true)]) {
        const detail = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x')) as { detail: string }[]).map((r) => r.detail).join('; ');
        expect(detail).toMatch(/SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(post_id=\? AND email_key=\?\)/);
        expect(detail).not.toMatch(/SCAN deliveries/);
      }
    } finally {
      db.close();
    }
  });

  test.each([0, 1, 49, 50, 51, 137])('a post queued for %i recipients records each of them once, in list order', (n) => {
    const record = SendRecord.open(dir, { readonly: false })!;
    try {
      const list = Array.from({ length: n }, (_, i) => ({ key: `r${i}@example.com`, email: `R${i}@example.com`, name: `Reader ${i}` }));
      const post = { id: 'hello', file: 'hello.md', title: 'Hello' };
      expect(record.queuePost(post, list, new Date('2026-01-01T00:00:00Z'))).toBe(n);
      // queued again (a resumed run): nobody is added twice
      expect(record.queuePost(post, [...list, { key: 'late@example.com', email: 'late@example.com', name: '' }], new Date('2026-01-02T00:00:00Z'))).toBe(1);
      const rows = record.due('hello', new Date('2026-01-02T00:00:00Z'), { afterSeq: -1, limit: 1000, includeInDoubt: false });
      expect(rows.map((r) => [r.key, r.email, r.name, r.state])).toEqual([
        ...list.map((r) => [r.key, r.email, r.name, 'pending']),
        ['late@example.com', 'late@example.com', '', 'pending'],
      ]);
      expect(record.posts().get('hello')?.recipients).toBe(n + 1);
      // queueing sets reference checks aside for its own rows only
      const db = (record as unknown as { db: Database.Database }).db;
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(() => db.prepare(`INSERT INTO deliveries (post_id, email_key, email, name, state, created_at, updated_at, seq) VALUES ('nope', 'a', 'a', '', 'pending', 't', 't', 0)`).run()).toThrow(/FOREIGN KEY/);
    } finally {
      record.close();
    }
  });

  test('one commit of the send loop settles and claims many rows at once, each exactly as asked', () => {
    const record = SendRecord.open(dir, { readonly: false })!;
    const db = (record as unknown as { db: Database.Database }).db;
    const row = (key: string): Record<string, unknown> =>
      db.prepare('SELECT state, attempts, message_id, run_id, smtp_reply, sent_at, next_attempt_at, first_attempt_at FROM deliveries WHERE email_key = ?').get(key) as Record<string, unknown>;
    try {
      // more than one batched statement carries (64), so the rows are split across several
      const list = Array.from({ length: 150 }, (_, i) => ({ key: `r${i}@example.com`, email: `r${i}@example.com`, name: '' }));
      record.queuePost({ id: 'hello', file: 'hello.md', title: 'Hello' }, list, new Date('2026-01-01T00:00:00Z'));
      const claims = list.map((r) => ({ postId: 'hello', key: r.key, messageId: `<${r.key}>` }));
      const opts = { includeInDoubt: false };
      expect(record.apply('run-1', [], claims, new Date('2026-01-02T00:00:00Z'), opts)).toEqual(list.map(() => true));
      expect(row('r149@example.com')).toMatchObject({ state: 'sending', attempts: 1, message_id: '<r149@example.com>', run_id: 'run-1', first_attempt_at: '2026-01-02T00:00:00.000Z' });
      // claimed already: nobody is claimed twice, and the answer says which ones were not
      expect(record.apply('run-1', [], [claims[0]!, { postId: 'hello', key: 'nobody@example.com', messageId: '<x>' }], new Date(), opts)).toEqual([false, false]);
      // another run cannot settle what this one claimed
      record.apply('run-2', [{ postId: 'hello', key: 'r0@example.com', state: 'sent', reply: '250 ok' }], [], new Date(), opts);
      expect(row('r0@example.com')).toMatchObject({ state: 'sending', smtp_reply: null });

      const settles = list.map((r, i) =>
        i < 100 ? { postId: 'hello', key: r.key, state: 'sent' as const, reply: i === 0 ? 'x'.repeat(1500) : `250 ok ${i}` }
          : i < 130 ? { postId: 'hello', key: r.key, state: 'deferred' as const, reply: '451 later', nextAttemptAt: '2026-01-03T00:00:00.000Z' }
            : { postId: 'hello', key: r.key, state: 'failed' as const, reply: '550 no such user' },
      );
      const later = new Date('2026-01-02T01:00:00Z');
      // settled and the deferred ones claimed again, in one transaction
      const again = claims.slice(100, 130);
      expect(record.apply('run-1', settles, again, later, opts)).toEqual(again.map(() => true));
      expect((row('r0@example.com').smtp_reply as string).length).toBe(1000);
      expect(row('r99@example.com')).toMatchObject({ state: 'sent', smtp_reply: '250 ok 99', sent_at: '2026-01-02T01:00:00.000Z', next_attempt_at: null });
      expect(row('r100@example.com')).toMatchObject({ state: 'sending', attempts: 2, sent_at: null, next_attempt_at: '2026-01-03T00:00:00.000Z', first_attempt_at: '2026-01-02T00:00:00.000Z' });
      expect(row('r149@example.com')).toMatchObject({ state: 'failed', smtp_reply: '550 no such user', sent_at: null });
      expect(record.counts().get('hello')).toMatchObject({ sent: 100, sending: 30, failed: 20 });
    } finally {
      record.close();
    }
  });
});
