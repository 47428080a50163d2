import Database from 'better-sqlite3';
import { DIGEST_SCHEMA } from './digests';
import { OPEN } from './rows';

/** The record's tables, created when missing; `migrate` brings an older record up to them first. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posts (
  id TEXT PRIMARY KEY,
  file TEXT NOT NULL,
  title TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  disposition TEXT NOT NULL CHECK (disposition IN ('baseline', 'queued')),
  queued_at TEXT,
  recipients INTEGER NOT NULL DEFAULT 0,
  file_size INTEGER,
  file_mtime_ms INTEGER,
  -- to name a renamed post (a file without a slug under a new name) as the one already sent:
  -- the hash of its text, and its address on the site
  content_hash TEXT,
  url TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
  -- a post's recipients are queued together in list order, so the rows one commit of the send
  -- loop touches sit side by side on a few pages instead of one page each
  id INTEGER PRIMARY KEY,
  post_id TEXT NOT NULL REFERENCES posts(id),
  email_key TEXT NOT NULL,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','failed','deferred','in_doubt','skipped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  message_id TEXT,
  smtp_reply TEXT,
  run_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  first_attempt_at TEXT,
  sent_at TEXT,
  next_attempt_at TEXT,
  seq INTEGER NOT NULL,
  relay TEXT,
  feedback TEXT,
  UNIQUE (post_id, email_key)
);
-- only the rows still in play: "who is due next" and "does any post have work left?" stay cheap
-- with millions of rows, and a claim (pending → sending) does not change this index at all
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (post_id, seq) WHERE ${OPEN};
-- failures are few: every run reads them all (bounced addresses leave the list), without a scan
CREATE INDEX IF NOT EXISTS deliveries_failed ON deliveries (updated_at) WHERE state = 'failed';
`;

/**
 * Opens the record's database. Read-only opening never creates or changes anything; a writable
 * one is set up for the send loop and brought up to the current schema.
 */
export function openDatabase(file: string, readonly: boolean): Database.Database {
  const db = new Database(file, { readonly, fileMustExist: readonly });
  db.pragma('busy_timeout = 10000');
  // the send loop walks the record in order: a small page cache serves it as well as
  // better-sqlite3's default of 16 MB per connection, which a large list would fill for nothing
  db.pragma('cache_size = -4000');
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    // FULL: a claim must be on disk before the message leaves, or a power cut could resend it
    db.pragma('synchronous = FULL');
    // SQLite's default: the WAL is checkpointed every ~4 MB and then written from its start
    // again, so a commit's fsync rarely has to grow the file (and journal that). Measured on
    // a 10,000-recipient send, writing the record took 15% less CPU than with a WAL left to
    // grow to 80 MB, and the send loop's reads got cheaper too
    db.pragma('wal_autocheckpoint = 1000');
    migrate(db);
    db.exec(SCHEMA);
    db.exec(DIGEST_SCHEMA);
  }
  return db;
}

/**
 * The columns a table has: what `migrate` adds to, and what a record opened read-only (and so
 * not migrated) can be asked for.
 */
export function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
}

/** Brings a record made by an earlier version of herald up to the current schema, in place. */
export function migrate(db: Database.Database): void {
  const posts = columnsOf(db, 'posts');
  if (posts.size && !posts.has('file_size')) db.exec('ALTER TABLE posts ADD COLUMN file_size INTEGER');
  if (posts.size && !posts.has('file_mtime_ms')) db.exec('ALTER TABLE posts ADD COLUMN file_mtime_ms INTEGER');
  if (posts.size && !posts.has('content_hash')) db.exec('ALTER TABLE posts ADD COLUMN content_hash TEXT');
  if (posts.size && !posts.has('url')) db.exec('ALTER TABLE posts ADD COLUMN url TEXT');
  const deliveries = columnsOf(db, 'deliveries');
  if (deliveries.size && deliveries.has('id') && !deliveries.has('relay')) db.exec('ALTER TABLE deliveries ADD COLUMN relay TEXT');
  if (deliveries.size && !deliveries.has('feedback')) db.exec('ALTER TABLE deliveries ADD COLUMN feedback TEXT');
  if (deliveries.size && !deliveries.has('id')) {
    // the first schema kept deliveries in address order, which scattered every commit's rows
    const columns = [...deliveries].join(', ');
    db.transaction(() => {
      db.exec(`DROP INDEX IF EXISTS deliveries_by_state; DROP INDEX IF EXISTS deliveries_open;
        ALTER TABLE deliveries RENAME TO deliveries_v1;`);
      db.exec(SCHEMA);
      db.exec(`INSERT INTO deliveries (${columns}) SELECT ${columns} FROM deliveries_v1 ORDER BY post_id, seq; DROP TABLE deliveries_v1;`);
    })();
  }
}

/** A value of the record's key-value table. */
export function readMeta(db: Database.Database, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeMeta(db: Database.Database, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
