import crypto from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * Digests in the record. A digest reader's share of a new post is a `digest_items` row, written in
 * the transaction that queues the post for everyone else, so a post is owed to each reader exactly
 * once, either as its own email or in a digest. A digest is formed, in one transaction, by taking
 * a reader's items due by the end of a period into one row of `digests`, whose key (reader,
 * period) makes it happen once, and one delivery row of a post named for the digest's contents.
 * From there it is delivered like any post: the claim before the hand-over, in doubt after a crash.
 */
export const DIGEST_SCHEMA = `
CREATE TABLE IF NOT EXISTS digest_items (
  email_key TEXT NOT NULL,
  post_id TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  digest_id TEXT,
  PRIMARY KEY (email_key, post_id)
);
CREATE INDEX IF NOT EXISTS digest_items_open ON digest_items (email_key) WHERE digest_id IS NULL;
CREATE TABLE IF NOT EXISTS digests (
  email_key TEXT NOT NULL,
  period TEXT NOT NULL,
  post_id TEXT NOT NULL,
  formed_at TEXT NOT NULL,
  PRIMARY KEY (email_key, period)
);
`;

/** Digest posts are named `digest/PERIOD/HASH`; readers whose digests hold the same posts share one, rendered once. */
export const DIGEST_PREFIX = 'digest/';

/** What forming a digest needs of the posts part (posts.ts): one more recipient of a post. */
interface AddsRecipients {
  addRecipient(post: { id: string; file: string; title: string }, recipient: { key: string; email: string; name: string }, now: Date): boolean;
}

export class Digests {
  constructor(
    private readonly db: Database.Database,
    private readonly posts: AddsRecipients,
  ) {}

  /** Keys of readers owed posts not yet in a digest. */
  waitingReaders(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT email_key AS key FROM digest_items WHERE digest_id IS NULL').all() as { key: string }[];
    return new Set(rows.map((r) => r.key));
  }

  /**
   * Forms a reader's digest for a period, once: the items queued up to `dueAt` and in no digest
   * yet. Returns the digest post's id, or undefined when this period's digest exists or would be empty.
   */
  form(reader: { key: string; email: string; name: string }, period: string, dueAt: Date, now: Date): string | undefined {
    return this.db.transaction((): string | undefined => {
      if (this.db.prepare('SELECT 1 FROM digests WHERE email_key = ? AND period = ?').get(reader.key, period)) return undefined;
      const items = (this.db
        .prepare('SELECT post_id AS id FROM digest_items WHERE email_key = ? AND digest_id IS NULL AND queued_at <= ? ORDER BY queued_at, post_id')
        .all(reader.key, dueAt.toISOString()) as { id: string }[]).map((r) => r.id);
      if (!items.length) return undefined;
      const id = `${DIGEST_PREFIX}${period}/${crypto.createHash('sha256').update(items.join('\n')).digest('hex').slice(0, 12)}`;
      this.db.prepare('INSERT INTO digests (email_key, period, post_id, formed_at) VALUES (?, ?, ?, ?)').run(reader.key, period, id, now.toISOString());
      const mark = this.db.prepare('UPDATE digest_items SET digest_id = ? WHERE email_key = ? AND post_id = ?');
      for (const item of items) mark.run(id, reader.key, item);
      this.posts.addRecipient({ id, file: '', title: `digest ${period}` }, reader, now);
      return id;
    })();
  }

  /** The posts a digest holds, in order. */
  contents(digestId: string): string[] {
    const rows = this.db
      .prepare('SELECT DISTINCT post_id AS id, min(queued_at) AS at FROM digest_items WHERE digest_id = ? GROUP BY post_id ORDER BY at, post_id')
      .all(digestId) as { id: string }[];
    return rows.map((r) => r.id);
  }
}
