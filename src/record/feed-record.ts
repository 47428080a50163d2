import type Database from 'better-sqlite3';

/** The feeds herald reads and every item it has seen in them: what makes an item new. */
export const FEED_SCHEMA = `
CREATE TABLE IF NOT EXISTS feeds (
  key TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  body BLOB,
  ids_unstable INTEGER NOT NULL DEFAULT 0,
  first_read_at TEXT NOT NULL,
  last_read_at TEXT NOT NULL
);
-- one row per key an item was seen under: its id and link as normalised, and its title
CREATE TABLE IF NOT EXISTS feed_items (
  feed TEXT NOT NULL,
  id_key TEXT NOT NULL,
  link_key TEXT,
  title TEXT NOT NULL,
  post_id TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (feed, id_key)
);
CREATE INDEX IF NOT EXISTS feed_items_post ON feed_items (post_id);
-- what was mailed, as it was: a post still being sent is finished with the same content even
-- when its item has left the feed or the feed cannot be read
CREATE TABLE IF NOT EXISTS feed_snapshots (post_id TEXT PRIMARY KEY, snapshot TEXT NOT NULL);
`;

export interface StoredFeed {
  readonly url: string;
  readonly etag?: string;
  readonly lastModified?: string;
  readonly body?: Buffer;
  readonly idsUnstable: boolean;
}

export interface SeenRow {
  readonly postId: string;
  readonly idKey: string;
  readonly linkKey?: string;
  readonly title: string;
}

export interface FeedRead {
  readonly key: string;
  readonly url: string;
  readonly etag?: string;
  readonly lastModified?: string;
  readonly body: Buffer;
  readonly idsUnstable: boolean;
}

export class FeedRecord {
  private readonly ready: boolean;

  constructor(private readonly db: Database.Database, writable: boolean) {
    if (writable) db.exec(FEED_SCHEMA);
    this.ready = writable || db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feed_items'`).get() !== undefined;
  }

  feed(key: string): StoredFeed | undefined {
    if (!this.ready) return undefined;
    const row = this.db.prepare('SELECT url, etag, last_modified AS lastModified, body, ids_unstable AS idsUnstable FROM feeds WHERE key = ?').get(key) as
      | { url: string; etag: string | null; lastModified: string | null; body: Buffer | null; idsUnstable: number }
      | undefined;
    if (!row) return undefined;
    return { url: row.url, etag: row.etag ?? undefined, lastModified: row.lastModified ?? undefined, body: row.body ?? undefined, idsUnstable: row.idsUnstable === 1 };
  }

  seen(key: string): SeenRow[] {
    if (!this.ready) return [];
    const rows = this.db.prepare('SELECT post_id AS postId, id_key AS idKey, link_key AS linkKey, title FROM feed_items WHERE feed = ?').all(key) as
      { postId: string; idKey: string; linkKey: string | null; title: string }[];
    return rows.map((r) => ({ ...r, linkKey: r.linkKey ?? undefined }));
  }

  /**
   * One transaction: the feed as read (validators and body, for the next conditional read), the
   * keys its known items were seen under, and the items recorded as published without mailing
   * (the first read's baseline, or new items accepted as published).
   */
  saveRead(read: FeedRead, seen: readonly SeenRow[], published: readonly { id: string; file: string; title: string }[], now: Date): void {
    const stamp = now.toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO feeds (key, url, etag, last_modified, body, ids_unstable, first_read_at, last_read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,
             body = excluded.body, ids_unstable = max(ids_unstable, excluded.ids_unstable), last_read_at = excluded.last_read_at`,
        )
        .run(read.key, read.url, read.etag ?? null, read.lastModified ?? null, read.body, read.idsUnstable ? 1 : 0, stamp, stamp);
      this.insertSeen(read.key, seen, stamp);
      const post = this.db.prepare(`INSERT OR IGNORE INTO posts (id, file, title, first_seen_at, disposition) VALUES (?, ?, ?, ?, 'baseline')`);
      for (const p of published) post.run(p.id, p.file, p.title, stamp);
    })();
  }

  /** Items about to be queued: their keys and their content as mailed, before any message leaves. */
  rememberMailed(key: string, seen: readonly SeenRow[], snapshots: readonly { postId: string; snapshot: string }[], now: Date): void {
    this.db.transaction(() => {
      this.insertSeen(key, seen, now.toISOString());
      const snap = this.db.prepare('INSERT OR IGNORE INTO feed_snapshots (post_id, snapshot) VALUES (?, ?)');
      for (const s of snapshots) snap.run(s.postId, s.snapshot);
    })();
  }

  snapshot(postId: string): string | undefined {
    if (!this.ready) return undefined;
    return (this.db.prepare('SELECT snapshot FROM feed_snapshots WHERE post_id = ?').get(postId) as { snapshot: string } | undefined)?.snapshot;
  }

  /** The feed each known item came from, by post id (for status). */
  sources(): Map<string, string> {
    if (!this.ready) return new Map();
    const rows = this.db.prepare('SELECT DISTINCT post_id AS postId, feed FROM feed_items').all() as { postId: string; feed: string }[];
    return new Map(rows.map((r) => [r.postId, r.feed]));
  }

  private insertSeen(key: string, seen: readonly SeenRow[], stamp: string): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO feed_items (feed, id_key, link_key, title, post_id, seen_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const s of seen) insert.run(key, s.idKey, s.linkKey ?? null, s.title, s.postId, stamp);
  }
}
