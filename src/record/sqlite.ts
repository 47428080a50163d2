import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';
import type { SecretUse } from '../unsubscribe/continuity';

/**
 * The record of what was sent to whom: the heart of herald's exactly-once promise.
 *
 * A recipient row moves pending → sending (committed, durably, before the message is handed to
 * SMTP) → sent | failed | deferred | pending (definitely not delivered) | in_doubt. A row found
 * in `sending` by a later run belongs to a run that died between handing the message over and
 * recording the reply: it may have been delivered, so it becomes in_doubt and is never resent
 * without the operator asking (`herald send --resend-in-doubt`).
 */
export const DELIVERY_STATES = ['pending', 'sending', 'sent', 'failed', 'deferred', 'in_doubt', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type SettledState = Exclude<DeliveryState, 'sending'>;

export const RECORD_FILE = 'herald.db';

export interface PostRow {
  readonly id: string;
  readonly file: string;
  readonly title: string;
  readonly firstSeenAt: string;
  /** baseline: existed when herald first met the folder, not mailed; queued: its audience is recorded. */
  readonly disposition: 'baseline' | 'queued';
  readonly queuedAt: string | null;
  readonly recipients: number;
}

export interface DeliveryRow {
  readonly postId: string;
  readonly key: string;
  readonly email: string;
  readonly name: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly messageId: string | null;
  readonly reply: string | null;
  readonly firstAttemptAt: string | null;
  readonly updatedAt: string;
  readonly sentAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly seq: number;
}

export interface Claim {
  readonly postId: string;
  readonly key: string;
  readonly messageId: string;
}

export interface Settle {
  readonly postId: string;
  readonly key: string;
  readonly state: SettledState;
  readonly reply: string;
  readonly nextAttemptAt?: string;
}

export interface QueueEntry {
  readonly key: string;
  readonly email: string;
  readonly name: string;
}

export type StateCounts = Readonly<Record<DeliveryState, number>>;

/**
 * The states still in play, as the partial index states them. SQLite uses that index only for a
 * query whose WHERE clause contains this very term, so every query that wants it repeats it.
 */
const OPEN = `state IN ('pending', 'sending', 'deferred', 'in_doubt')`;

const SCHEMA = `
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
  file_mtime_ms INTEGER
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
  UNIQUE (post_id, email_key)
);
-- only the rows still in play: "who is due next" and "does any post have work left?" stay cheap
-- with millions of rows, and a claim (pending → sending) does not change this index at all
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (post_id, seq) WHERE ${OPEN};
-- failures are few: every run reads them all (bounced addresses leave the list), without a scan
CREATE INDEX IF NOT EXISTS deliveries_failed ON deliveries (updated_at) WHERE state = 'failed';
`;

const ROW_COLUMNS = `post_id AS postId, email_key AS key, email, name, state, attempts, message_id AS messageId,
  smtp_reply AS reply, first_attempt_at AS firstAttemptAt, updated_at AS updatedAt, sent_at AS sentAt,
  next_attempt_at AS nextAttemptAt, seq`;

/** Rows per INSERT when a post's audience is queued, and the values each row binds. */
const QUEUE_ROWS = 50;
const QUEUE_VALUES = 7;

/** One commit of the send loop: outcomes recorded, next recipients claimed. */
interface ApplyTransaction {
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], stamp: string): boolean[];
}

export class SendRecord {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    readonly readonly: boolean,
  ) {}

  /**
   * Opens (creating when writable) the record in the state folder. Read-only opening never
   * creates or changes anything, which is what makes --dry-run leave the record byte-identical;
   * it returns undefined when there is no record yet.
   */
  static open(stateDir: string, opts: { readonly: boolean }): SendRecord | undefined {
    const file = path.join(stateDir, RECORD_FILE);
    if (opts.readonly && !fs.existsSync(file)) return undefined;
    try {
      if (!opts.readonly) makeDir(stateDir);
      const db = new Database(file, { readonly: opts.readonly, fileMustExist: opts.readonly });
      db.pragma('busy_timeout = 10000');
      // the send loop walks the record in order: a small page cache serves it as well as
      // better-sqlite3's default of 16 MB per connection, which a large list would fill for nothing
      db.pragma('cache_size = -4000');
      if (!opts.readonly) {
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
      }
      return new SendRecord(db, file, opts.readonly);
    } catch (err) {
      throw new HeraldError(ErrorCode.ERECORD, `cannot open the record: ${(err as Error).message}`, {
        location: { file },
        hint: 'Check that the state folder is writable and on a local disk.',
        cause: err,
      });
    }
  }

  close(): void {
    if (!this.db.open) return;
    if (!this.readonly) {
      // back to a single file between runs, so a read-only open (a dry run, status) creates no
      // -wal/-shm files beside it and leaves the state folder exactly as it was
      try {
        this.db.pragma('journal_mode = DELETE');
      } catch {
        // another reader holds it open; WAL stays, which is just as safe
      }
    }
    this.db.close();
  }

  isInitialized(): boolean {
    return this.meta('initialized_at') !== undefined;
  }

  meta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Which secrets signed the unsubscribe links of sent messages, by fingerprint (see continuity.ts). */
  secretUses(): SecretUse[] {
    const text = this.meta('signing_secrets');
    try {
      const uses: unknown = text ? JSON.parse(text) : [];
      return Array.isArray(uses) ? (uses as SecretUse[]) : [];
    } catch {
      return [];
    }
  }

  setSecretUses(uses: readonly SecretUse[]): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run('signing_secrets', JSON.stringify(uses));
  }

  /** First meeting with a folder: its existing posts are recorded as published without mailing them. */
  initialize(baseline: readonly { id: string; file: string; title: string }[], now: Date): void {
    const stamp = now.toISOString();
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('initialized_at', stamp);
      const insert = this.db.prepare(
        `INSERT OR IGNORE INTO posts (id, file, title, first_seen_at, disposition) VALUES (?, ?, ?, ?, 'baseline')`,
      );
      for (const post of baseline) insert.run(post.id, post.file, post.title, stamp);
    })();
  }

  /** Size and modification time of each known post's file when the record last read it, by file. */
  fileStamps(): Map<string, FileStamp & { readonly id: string }> {
    const rows = this.db
      .prepare('SELECT id, file, file_size AS size, file_mtime_ms AS mtimeMs FROM posts WHERE file_size IS NOT NULL AND file_mtime_ms IS NOT NULL')
      .all() as { id: string; file: string; size: number; mtimeMs: number }[];
    return new Map(rows.map((r) => [r.file, { id: r.id, size: r.size, mtimeMs: r.mtimeMs }]));
  }

  /** Remembers how a known post's file looked, so the next run can skip reading it. */
  stampFiles(stamps: readonly { id: string; file: string; stamp: FileStamp }[]): void {
    const update = this.db.prepare('UPDATE posts SET file = ?, file_size = ?, file_mtime_ms = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const s of stamps) update.run(s.file, s.stamp.size, s.stamp.mtimeMs, s.id);
    })();
  }

  posts(): Map<string, PostRow> {
    const rows = this.db
      .prepare(
        `SELECT id, file, title, first_seen_at AS firstSeenAt, disposition, queued_at AS queuedAt, recipients FROM posts ORDER BY first_seen_at, id`,
      )
      .all() as PostRow[];
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Records a post's audience in one transaction: from then on, "who still gets it" is a query. */
  queuePost(post: { id: string; file: string; title: string }, recipients: Iterable<QueueEntry>, now: Date): number {
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

  private queueRows(post: { id: string; file: string; title: string }, recipients: Iterable<QueueEntry>, stamp: string): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO posts (id, file, title, first_seen_at, disposition, queued_at) VALUES (?, ?, ?, ?, 'queued', ?)
           ON CONFLICT (id) DO UPDATE SET disposition = 'queued', queued_at = excluded.queued_at, file = excluded.file, title = excluded.title`,
        )
        .run(post.id, post.file, post.title, stamp, stamp);
      // rows go in QUEUE_ROWS at a time: one statement per row spends more in the binding than in SQLite
      const insert = (rows: number): Database.Statement =>
        this.db.prepare(
          `INSERT OR IGNORE INTO deliveries (post_id, email_key, email, name, state, created_at, updated_at, seq)
           VALUES ${valueRows(rows, `(?, ?, ?, ?, 'pending', ?, ?, ?)`)}`,
        );
      const full = insert(QUEUE_ROWS);
      let values: unknown[] = [];
      let seq = 0;
      let added = 0;
      for (const r of recipients) {
        values.push(post.id, r.key, r.email, r.name, stamp, stamp, seq++);
        if (values.length === QUEUE_ROWS * QUEUE_VALUES) {
          added += full.run(values).changes;
          values = [];
        }
      }
      if (values.length) added += insert(values.length / QUEUE_VALUES).run(values).changes;
      this.db.prepare('UPDATE posts SET recipients = (SELECT count(*) FROM deliveries WHERE post_id = ?) WHERE id = ?').run(post.id, post.id);
      return added;
    })();
  }

  /** Run under the lock: rows left in `sending` belong to a run that died mid-send. */
  recoverInterrupted(now: Date): DeliveryRow[] {
    const rows = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM deliveries WHERE ${OPEN} AND state = 'sending'`).all() as DeliveryRow[];
    if (rows.length) {
      this.db
        .prepare(
          `UPDATE deliveries SET state = 'in_doubt', updated_at = ?,
             smtp_reply = 'interrupted: herald stopped after handing the message to SMTP and before recording the reply'
           WHERE ${OPEN} AND state = 'sending'`,
        )
        .run(now.toISOString());
    }
    return rows;
  }

  /** Deferred recipients whose first attempt is older than the limit are given up on. */
  expireDeferred(now: Date, maxAgeMs: number): number {
    const cutoff = new Date(now.getTime() - maxAgeMs).toISOString();
    return this.db
      .prepare(
        `UPDATE deliveries SET state = 'failed', updated_at = ?,
           smtp_reply = 'gave up: still deferred after the configured time; last reply: ' || coalesce(smtp_reply, '')
         WHERE ${OPEN} AND state = 'deferred' AND first_attempt_at IS NOT NULL AND first_attempt_at < ?`,
      )
      .run(now.toISOString(), cutoff).changes;
  }

  /** The next recipients of a post that may be attempted now, in list order, a page at a time. */
  due(postId: string, now: Date, opts: { afterSeq: number; limit: number; includeInDoubt: boolean }): DeliveryRow[] {
    const states = opts.includeInDoubt ? `('pending', 'in_doubt')` : `('pending')`;
    return this.db
      .prepare(
        `SELECT ${ROW_COLUMNS} FROM deliveries
         WHERE post_id = ? AND seq > ? AND ${OPEN} AND (state IN ${states} OR (state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)))
         ORDER BY seq LIMIT ?`,
      )
      .all(postId, opts.afterSeq, now.toISOString(), opts.limit) as DeliveryRow[];
  }

  /** How many recipients of a post `due` would return, for progress reporting. */
  dueCount(postId: string, now: Date, includeInDoubt: boolean): number {
    const states = includeInDoubt ? `('pending', 'in_doubt')` : `('pending')`;
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM deliveries WHERE post_id = ? AND ${OPEN}
         AND (state IN ${states} OR (state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)))`,
      )
      .get(postId, now.toISOString()) as { n: number };
    return row.n;
  }

  /** Messages the server accepted since a moment: what a provider's daily cap counts. */
  sentSince(since: Date): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM deliveries WHERE state = 'sent' AND sent_at >= ?`).get(since.toISOString()) as { n: number }).n;
  }

  /** Every permanently failed recipient with the server's reply, newest first. */
  failures(): { email: string; reply: string; updatedAt: string }[] {
    return this.db
      .prepare(`SELECT email, coalesce(smtp_reply, '') AS reply, updated_at AS updatedAt FROM deliveries WHERE state = 'failed' ORDER BY updated_at DESC`)
      .all() as { email: string; reply: string; updatedAt: string }[];
  }

  /**
   * One transaction: record the outcome of finished messages and claim the next ones. Returns,
   * per claim, whether this run now owns the recipient (false when another state won the race).
   */
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], now: Date, opts: { includeInDoubt: boolean }): boolean[] {
    return this.statements(opts.includeInDoubt).apply(runId, settles, claims, now.toISOString());
  }

  private readonly prepared = new Map<boolean, ApplyTransaction>();

  /**
   * The hot path's statements and transaction, made once per record rather than once per batch.
   * A batch's settles are one UPDATE, and so are its claims: SQLite then looks each row up through
   * the key index just as a statement per row would, without the cost of running a statement per
   * row, which was a quarter of the total.
   */
  private statements(includeInDoubt: boolean): ApplyTransaction {
    const cached = this.prepared.get(includeInDoubt);
    if (cached) return cached;
    const settle = this.batchStatements((rows) => settleSql(rows));
    const claim = this.batchStatements((rows) => claimSql(rows, includeInDoubt));
    const statements = {
      apply: this.db.transaction((runId: string, settles: readonly Settle[], claims: readonly Claim[], stamp: string): boolean[] => {
        for (const part of chunks(settles)) {
          const values: unknown[] = [stamp, stamp];
          for (const s of part) values.push(s.postId, s.key, s.state, s.reply.slice(0, 1000), s.nextAttemptAt ?? null);
          values.push(runId);
          settle(part.length).run(values);
        }
        const owned = new Set<string>();
        for (const part of chunks(claims)) {
          const values: unknown[] = [runId, stamp, stamp];
          for (const c of part) values.push(c.postId, c.key, c.messageId);
          for (const row of claim(part.length).all(values) as { postId: string; key: string }[]) owned.add(`${row.postId}\n${row.key}`);
        }
        return claims.map((c) => owned.has(`${c.postId}\n${c.key}`));
      }),
    };
    this.prepared.set(includeInDoubt, statements);
    return statements;
  }

  /** One statement per number of rows (up to BATCH_ROWS), each prepared when first needed. */
  private batchStatements(sql: (rows: number) => string): (rows: number) => Database.Statement {
    const byRows = new Map<number, Database.Statement>();
    return (rows) => {
      let statement = byRows.get(rows);
      if (!statement) {
        statement = this.db.prepare(sql(rows));
        byRows.set(rows, statement);
      }
      return statement;
    };
  }

  /** A recipient who left the list after the post was queued receives nothing. */
  skip(postId: string, key: string, reason: string, now: Date): void {
    this.db
      .prepare(
        `UPDATE deliveries SET state = 'skipped', smtp_reply = ?, updated_at = ? WHERE post_id = ? AND email_key = ? AND state IN ('pending', 'deferred', 'in_doubt')`,
      )
      .run(reason, now.toISOString(), postId, key);
  }

  /** Counts of every state, per post (for status; reads every row). */
  counts(): Map<string, StateCounts> {
    return this.countsWhere('');
  }

  /** Counts of the states still in play only, per post: what planning needs, from a small index. */
  openCounts(): Map<string, StateCounts> {
    return this.countsWhere(`WHERE ${OPEN}`);
  }

  private countsWhere(where: string): Map<string, StateCounts> {
    const rows = this.db.prepare(`SELECT post_id AS postId, state, count(*) AS n FROM deliveries ${where} GROUP BY post_id, state`).all() as {
      postId: string;
      state: DeliveryState;
      n: number;
    }[];
    const out = new Map<string, Record<DeliveryState, number>>();
    for (const r of rows) {
      const c = out.get(r.postId) ?? emptyCounts();
      c[r.state] = r.n;
      out.set(r.postId, c);
    }
    return out;
  }

  log(filter: { postId?: string; state?: DeliveryState; limit: number }): DeliveryRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.postId) {
      where.push('post_id = ?');
      args.push(filter.postId);
    }
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    const sql = `SELECT ${ROW_COLUMNS} FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_at DESC, post_id, seq LIMIT ?`;
    return this.db.prepare(sql).all(...args, filter.limit) as DeliveryRow[];
  }
}

/** Brings a record made by an earlier version of herald up to the current schema, in place. */
function migrate(db: Database.Database): void {
  const columnsOf = (table: string): Set<string> =>
    new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  const posts = columnsOf('posts');
  if (posts.size && !posts.has('file_size')) db.exec('ALTER TABLE posts ADD COLUMN file_size INTEGER');
  if (posts.size && !posts.has('file_mtime_ms')) db.exec('ALTER TABLE posts ADD COLUMN file_mtime_ms INTEGER');
  const deliveries = columnsOf('deliveries');
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

export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

export function emptyCounts(): Record<DeliveryState, number> {
  return { pending: 0, sending: 0, sent: 0, failed: 0, deferred: 0, in_doubt: 0, skipped: 0 };
}

/**
 * Records outcomes: binds the stamp twice, then post id, key, state, reply and next attempt for
 * each row, then the run id (only the run that claimed a row settles it).
 */
export function settleSql(rows: number): string {
  return `UPDATE deliveries SET state = v.column3, smtp_reply = v.column4, updated_at = ?, next_attempt_at = v.column5,
      sent_at = CASE WHEN v.column3 = 'sent' THEN ? ELSE sent_at END
    FROM (VALUES ${valueRows(rows, '(?, ?, ?, ?, ?)')}) AS v
    WHERE deliveries.post_id = v.column1 AND deliveries.email_key = v.column2 AND deliveries.state = 'sending' AND deliveries.run_id = ?`;
}

/** Claims recipients: binds the run id and the stamp twice, then post id, key and Message-ID for each row; returns the rows claimed. */
export function claimSql(rows: number, includeInDoubt: boolean): string {
  const claimable = includeInDoubt ? `('pending', 'deferred', 'in_doubt')` : `('pending', 'deferred')`;
  return `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, message_id = v.column3, run_id = ?,
      first_attempt_at = coalesce(first_attempt_at, ?), updated_at = ?
    FROM (VALUES ${valueRows(rows, '(?, ?, ?)')}) AS v
    WHERE deliveries.post_id = v.column1 AND deliveries.email_key = v.column2 AND deliveries.state IN ${claimable}
    RETURNING deliveries.post_id AS postId, deliveries.email_key AS key`;
}

/** A VALUES list of `rows` copies of `row`, for the statements that write many rows at once. */
function valueRows(rows: number, row: string): string {
  return Array.from({ length: rows }, () => row).join(', ');
}

/** Most rows one batched statement of the send loop carries; a larger batch takes several. */
const BATCH_ROWS = 64;

function* chunks<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += BATCH_ROWS) yield items.slice(i, i + BATCH_ROWS);
}
