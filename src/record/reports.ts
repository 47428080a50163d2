import type Database from 'better-sqlite3';
import { type DeliveryRow, type DeliveryState, emptyCounts, OPEN, ROW_COLUMNS, type StateCounts } from './rows';

/** What the record says about deliveries, for status, log, planning and the run's own checks. */
export class Reports {
  constructor(private readonly db: Database.Database) {}

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

  /** Delivery rows, newest change first, of one post or state when asked. */
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
    // a record written by an older herald and not opened for writing since has no feedback column
    const feedback = (this.db.prepare('PRAGMA table_info(deliveries)').all() as { name: string }[]).some((c) => c.name === 'feedback');
    const sql = `SELECT ${ROW_COLUMNS}${feedback ? ', feedback' : ''} FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_at DESC, post_id, seq LIMIT ?`;
    return this.db.prepare(sql).all(...args, filter.limit) as DeliveryRow[];
  }
}
