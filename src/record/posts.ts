import type Database from 'better-sqlite3';
import { valueRows } from './batch-sql';
import type { PostEntry, PostRow } from './rows';
import { columnsOf, readMeta } from './schema';

export interface QueueEntry {
  readonly key: string;
  readonly email: string;
  readonly name: string;
  /** Not to be sent before this moment (ISO): the recipient's local `deliverAt`. */
  readonly notBefore?: string;
  /** The reader takes digests: the post is owed to their next digest instead (digests.ts). */
  readonly digest?: boolean;
}

/** Rows per INSERT when a post's audience is queued, and the values each row binds. */
const QUEUE_ROWS = 50;
const QUEUE_VALUES = 8;

/** The posts the record knows, and the audience each queued post was given. */
export class Posts {
  constructor(private readonly db: Database.Database) {}

  isInitialized(): boolean {
    return readMeta(this.db, 'initialized_at') !== undefined;
  }

  /** First meeting with a folder: its existing posts are recorded as published without mailing them. */
  initialize(baseline: readonly PostEntry[], now: Date): void {
    const stamp = now.toISOString();
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('initialized_at', stamp);
      const insert = this.db.prepare(
        `INSERT OR IGNORE INTO posts (id, file, title, first_seen_at, disposition, content_hash, url) VALUES (?, ?, ?, ?, 'baseline', ?, ?)`,
      );
      for (const post of baseline) insert.run(post.id, post.file, post.title, stamp, post.contentHash ?? null, post.url ?? null);
    })();
  }

  posts(): Map<string, PostRow> {
    // a record opened read-only is not migrated: one from before these columns reads them as null
    const columns = columnsOf(this.db, 'posts');
    const fingerprint = `${columns.has('content_hash') ? 'content_hash' : 'NULL'} AS contentHash, ${columns.has('url') ? 'url' : 'NULL'} AS url`;
    const rows = this.db
      .prepare(
        `SELECT id, file, title, first_seen_at AS firstSeenAt, disposition, queued_at AS queuedAt, recipients, ${fingerprint} FROM posts ORDER BY first_seen_at, id`,
      )
      .all() as PostRow[];
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Records a post's audience in one transaction: from then on, "who still gets it" is a query. */
  queuePost(post: PostEntry, recipients: Iterable<QueueEntry>, now: Date): number {
    const stamp = now.toISOString();
    // Every row refers to the post row this same transaction writes, so checking each reference
    // proves nothing. It would cost more than that: a statement that could fail halfway on a
    // reference must be undoable on its own, so SQLite copies every page it touches to a
    // temporary file first (about 30 MB for 10,000 recipients). The setting can only change
    // outside a transaction, hence here.
    const checksReferences = this.db.pragma('foreign_keys', { simple: true }) === 1;
    if (checksReferences) this.db.pragma('foreign_keys = OFF');
    try {
      return this.queueRows(post, recipients, stamp);
    } finally {
      if (checksReferences) this.db.pragma('foreign_keys = ON');
    }
  }

  /**
   * Adds one recipient to a post's audience (a welcome): the post becomes queued if it was not,
   * and the row goes after the others so the due list stays in order. False when the address has
   * a row already: a post reaches each address once.
   */
  addRecipient(post: { id: string; file: string; title: string }, r: QueueEntry, now: Date): boolean {
    const stamp = now.toISOString();
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO posts (id, file, title, first_seen_at, disposition, queued_at) VALUES (?, ?, ?, ?, 'queued', ?)
           ON CONFLICT (id) DO UPDATE SET disposition = 'queued', queued_at = coalesce(queued_at, excluded.queued_at), file = excluded.file, title = excluded.title`,
        )
        .run(post.id, post.file, post.title, stamp, stamp);
      const added = this.db
        .prepare(
          `INSERT OR IGNORE INTO deliveries (post_id, email_key, email, name, state, created_at, updated_at, seq, next_attempt_at)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, (SELECT coalesce(max(seq), -1) + 1 FROM deliveries WHERE post_id = ?), ?)`,
        )
        .run(post.id, r.key, r.email, r.name, stamp, stamp, post.id, r.notBefore ?? null).changes;
      if (added) this.db.prepare('UPDATE posts SET recipients = recipients + 1 WHERE id = ?').run(post.id);
      return added > 0;
    })();
  }

  private queueRows(post: PostEntry, recipients: Iterable<QueueEntry>, stamp: string): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO posts (id, file, title, first_seen_at, disposition, queued_at, content_hash, url) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET disposition = 'queued', queued_at = excluded.queued_at, file = excluded.file, title = excluded.title,
             content_hash = coalesce(excluded.content_hash, content_hash), url = coalesce(excluded.url, url)`,
        )
        .run(post.id, post.file, post.title, stamp, stamp, post.contentHash ?? null, post.url ?? null);
      // rows go in QUEUE_ROWS at a time: one statement per row spends more in the binding than in SQLite
      const insert = (rows: number): Database.Statement =>
        this.db.prepare(
          `INSERT OR IGNORE INTO deliveries (post_id, email_key, email, name, state, created_at, updated_at, seq, next_attempt_at)
           VALUES ${valueRows(rows, `(?, ?, ?, ?, 'pending', ?, ?, ?, ?)`)}`,
        );
      const full = insert(QUEUE_ROWS);
      let values: unknown[] = [];
      let seq = 0;
      let added = 0;
      const digestKeys: string[] = [];
      for (const r of recipients) {
        if (r.digest) {
          digestKeys.push(r.key);
          continue;
        }
        values.push(post.id, r.key, r.email, r.name, stamp, stamp, seq++, r.notBefore ?? null);
        if (values.length === QUEUE_ROWS * QUEUE_VALUES) {
          added += full.run(values).changes;
          values = [];
        }
      }
      if (values.length) added += insert(values.length / QUEUE_VALUES).run(values).changes;
      if (digestKeys.length) insertDigestItems(this.db, post.id, digestKeys, stamp);
      this.db.prepare('UPDATE posts SET recipients = (SELECT count(*) FROM deliveries WHERE post_id = ?) WHERE id = ?').run(post.id, post.id);
      return added;
    })();
  }
}

/** Rows of a post's queue that go to digests instead (written by Posts.queuePost in its transaction). */
export function insertDigestItems(db: Database.Database, postId: string, keys: readonly string[], stamp: string): void {
  const insert = db.prepare('INSERT OR IGNORE INTO digest_items (email_key, post_id, queued_at) VALUES (?, ?, ?)');
  for (const key of keys) insert.run(key, postId, stamp);
}
