import type Database from 'better-sqlite3';
import { type DeliveryState, emptyCounts, type LoggedRow, OPEN, ROW_COLUMNS, type StateCounts } from './rows';
import { columnsOf } from './schema';

/** What the record says about deliveries, for status, log, planning and the run's own checks. */
export class Reports {
  constructor(private readonly db: Database.Database) {}

  /** A record made before relays were noted, opened read-only (so not migrated), has no relay column. */
  private get notesRelays(): boolean {
    return columnsOf(this.db, 'deliveries').has('relay');
  }

  /** Messages the server accepted since a moment: what a provider's daily cap counts. */
  sentSince(since: Date): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM deliveries WHERE state = 'sent' AND sent_at >= ?`).get(since.toISOString()) as { n: number }).n;
  }

  /** Messages each relay accepted since a moment, by relay name: what a relay's daily quota counts. */
  sentSinceByRelay(since: Date): Map<string, number> {
    if (!this.notesRelays) return new Map();
    const rows = this.db.prepare(`SELECT relay, count(*) AS n FROM deliveries WHERE state = 'sent' AND sent_at >= ? AND relay IS NOT NULL GROUP BY relay`).all(since.toISOString()) as { relay: string; n: number }[];
    return new Map(rows.map((r) => [r.relay, r.n]));
  }

  /** Counts of every state, per relay that gave an outcome (for status). */
  relayCounts(): Map<string, StateCounts> {
    if (!this.notesRelays) return new Map();
    return countsByKey(this.db.prepare(`SELECT relay AS key, state, count(*) AS n FROM deliveries WHERE relay IS NOT NULL GROUP BY relay, state`).all() as KeyedCount[]);
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
    return countsByKey(this.db.prepare(`SELECT post_id AS key, state, count(*) AS n FROM deliveries ${where} GROUP BY post_id, state`).all() as KeyedCount[]);
  }

  /** Delivery rows, newest change first, of one post or state when asked. */
  log(filter: { postId?: string; state?: DeliveryState; limit: number }): LoggedRow[] {
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
    const columns = columnsOf(this.db, 'deliveries');
    const sql = `SELECT ${ROW_COLUMNS}, ${columns.has('relay') ? 'relay' : 'NULL AS relay'}${columns.has('feedback') ? ', feedback' : ''} FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_at DESC, post_id, seq LIMIT ?`;
    return this.db.prepare(sql).all(...args, filter.limit) as LoggedRow[];
  }
}

interface KeyedCount {
  readonly key: string;
  readonly state: DeliveryState;
  readonly n: number;
}

/** Rows of (key, state, count) into every state's count per key, the states with no rows at 0. */
function countsByKey(rows: readonly KeyedCount[]): Map<string, StateCounts> {
  const out = new Map<string, Record<DeliveryState, number>>();
  for (const r of rows) {
    const c = out.get(r.key) ?? emptyCounts();
    c[r.state] = r.n;
    out.set(r.key, c);
  }
  return out;
}
