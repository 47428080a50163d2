import type Database from 'better-sqlite3';
import { chunks, claimSql, settleSql } from './batch-sql';
import { type DeliveryRow, OPEN, ROW_COLUMNS, type SettledState } from './rows';

/**
 * The send loop's writes and reads: the heart of herald's exactly-once promise.
 *
 * A recipient row moves pending → sending (committed, durably, before the message is handed to
 * SMTP) → sent | failed | deferred | pending (definitely not delivered) | in_doubt. A row found
 * in `sending` by a later run belongs to a run that died between handing the message over and
 * recording the reply: it may have been delivered, so it becomes in_doubt and is never resent
 * without the operator asking (`herald send --resend-in-doubt`).
 */

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
  readonly relay?: string;
}

/** One commit of the send loop: outcomes recorded, next recipients claimed. */
interface ApplyTransaction {
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], stamp: string): boolean[];
}

export class Deliveries {
  private readonly prepared = new Map<boolean, ApplyTransaction>();

  constructor(private readonly db: Database.Database) {}

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
    return this.db
      .prepare(`SELECT ${ROW_COLUMNS} FROM deliveries WHERE post_id = ? AND seq > ? AND ${dueWhere(opts.includeInDoubt)} ORDER BY seq LIMIT ?`)
      .all(postId, opts.afterSeq, now.toISOString(), opts.limit) as DeliveryRow[];
  }

  /** How many recipients of a post `due` would return, for progress reporting. */
  dueCount(postId: string, now: Date, includeInDoubt: boolean): number {
    const row = this.db.prepare(`SELECT count(*) AS n FROM deliveries WHERE post_id = ? AND ${dueWhere(includeInDoubt)}`).get(postId, now.toISOString()) as { n: number };
    return row.n;
  }

  /** A recipient who left the list after the post was queued receives nothing. */
  skip(postId: string, key: string, reason: string, now: Date): void {
    this.db
      .prepare(
        `UPDATE deliveries SET state = 'skipped', smtp_reply = ?, updated_at = ? WHERE post_id = ? AND email_key = ? AND state IN ('pending', 'deferred', 'in_doubt')`,
      )
      .run(reason, now.toISOString(), postId, key);
  }

  /**
   * One transaction: record the outcome of finished messages and claim the next ones. Returns,
   * per claim, whether this run now owns the recipient (false when another state won the race).
   * The claims are committed (and, with synchronous = FULL, on disk) when this returns: only then
   * may their messages be handed to SMTP, which is what makes a crash leave them in doubt rather
   * than pending.
   */
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], now: Date, opts: { includeInDoubt: boolean }): boolean[] {
    return this.statements(opts.includeInDoubt).apply(runId, settles, claims, now.toISOString());
  }

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
          for (const s of part) values.push(s.postId, s.key, s.state, s.reply.slice(0, 1000), s.nextAttemptAt ?? null, s.relay ?? null);
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
}

/** Who may be attempted now (binds the time): pending, deferred whose wait is over, in doubt when asked. */
function dueWhere(includeInDoubt: boolean): string {
  const states = includeInDoubt ? `('pending', 'in_doubt')` : `('pending')`;
  return `${OPEN} AND (state IN ${states} OR (state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)))`;
}
