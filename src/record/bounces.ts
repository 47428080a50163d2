import type Database from 'better-sqlite3';

/**
 * What later reports said about deliveries: bounces and complaints, one row per report and
 * delivery, each under a key that makes a second reading of the same report change nothing. The
 * policy that decides what they mean lives in src/bounces/; this part only stores and counts.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS bounce_events (
  id INTEGER PRIMARY KEY,
  event_key TEXT NOT NULL UNIQUE,
  delivery_id INTEGER NOT NULL,
  post_id TEXT NOT NULL,
  email_key TEXT NOT NULL,
  email TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint', 'sender')),
  status TEXT NOT NULL,
  detail TEXT NOT NULL,
  source TEXT NOT NULL,
  reported_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  report_file TEXT
);
CREATE INDEX IF NOT EXISTS bounce_events_by_address ON bounce_events (email_key, kind, reported_at);
-- an address taken off the suppression list by hand starts counting soft bounces afresh
CREATE TABLE IF NOT EXISTS bounce_clears (email_key TEXT PRIMARY KEY, cleared_at TEXT NOT NULL);
-- a report names its delivery by Message-ID (or a VERP token, which is its prefix)
CREATE INDEX IF NOT EXISTS deliveries_message_id ON deliveries (message_id);
`;

export type EventKind = 'hard' | 'soft' | 'complaint' | 'sender';

/** A delivery a report may be about. */
export interface DeliveryMatch {
  readonly id: number;
  readonly postId: string;
  readonly key: string;
  readonly email: string;
  readonly state: string;
  readonly messageId: string;
}

export interface BounceEvent {
  readonly eventKey: string;
  readonly delivery: DeliveryMatch;
  readonly kind: EventKind;
  readonly status: string;
  readonly detail: string;
  readonly source: string;
  readonly reportedAt: string;
  readonly reportFile?: string;
  /** The note left on the delivery row, which `herald log` shows. */
  readonly feedback: string;
}

export interface PostFeedback {
  readonly hard: number;
  readonly soft: number;
  readonly complained: number;
  readonly sender: number;
}

const MATCH_COLUMNS = 'id, post_id AS postId, email_key AS key, email, state, message_id AS messageId';

export class BounceEvents {
  constructor(private readonly db: Database.Database, readonly: boolean) {
    if (!readonly) db.exec(SCHEMA);
  }

  private present(): boolean {
    return Boolean(this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bounce_events'`).get());
  }

  /** Deliveries whose Message-ID starts with a VERP token's digest (one, unless 96 bits collide). */
  byDigest(digest: string): DeliveryMatch[] {
    return this.db.prepare(`SELECT ${MATCH_COLUMNS} FROM deliveries WHERE message_id >= ? AND message_id < ?`).all(`<${digest}`, `<${digest}g`) as DeliveryMatch[];
  }

  byMessageId(messageId: string): DeliveryMatch | undefined {
    return this.db.prepare(`SELECT ${MATCH_COLUMNS} FROM deliveries WHERE message_id = ?`).get(messageId) as DeliveryMatch | undefined;
  }

  /** The delivery an address was last sent, for a provider's authenticated event that names only the address. */
  latestTo(key: string): DeliveryMatch | undefined {
    return this.db
      .prepare(`SELECT d.id, d.post_id AS postId, d.email_key AS key, d.email, d.state, d.message_id AS messageId
        FROM posts p JOIN deliveries d ON d.post_id = p.id AND d.email_key = ?
        WHERE d.state IN ('sent', 'in_doubt', 'failed') ORDER BY coalesce(d.sent_at, d.updated_at) DESC LIMIT 1`)
      .get(key) as DeliveryMatch | undefined;
  }

  has(eventKey: string): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM bounce_events WHERE event_key = ?').get(eventKey));
  }

  /** Records the event and notes it on the delivery row; false when this event was recorded before. */
  record(event: BounceEvent, now: Date): boolean {
    return this.db.transaction(() => {
      const inserted = this.db
        .prepare(`INSERT OR IGNORE INTO bounce_events (event_key, delivery_id, post_id, email_key, email, kind, status, detail, source, reported_at, recorded_at, report_file)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(event.eventKey, event.delivery.id, event.delivery.postId, event.delivery.key, event.delivery.email, event.kind, event.status, event.detail,
          event.source, event.reportedAt, now.toISOString(), event.reportFile ?? null).changes > 0;
      if (inserted) this.db.prepare('UPDATE deliveries SET feedback = ? WHERE id = ?').run(event.feedback, event.delivery.id);
      return inserted;
    })();
  }

  /** Soft bounces of an address reported since a moment, and since it was last taken off the list. */
  softBounces(key: string, since: Date): number {
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM bounce_events WHERE email_key = ? AND kind = 'soft' AND reported_at >= ?
        AND recorded_at > coalesce((SELECT cleared_at FROM bounce_clears WHERE email_key = ?), '')`)
      .get(key, since.toISOString(), key) as { n: number };
    return row.n;
  }

  /** An address taken off the suppression list: its earlier soft bounces no longer count. */
  clear(key: string, now: Date): void {
    this.db.prepare('INSERT INTO bounce_clears (email_key, cleared_at) VALUES (?, ?) ON CONFLICT (email_key) DO UPDATE SET cleared_at = excluded.cleared_at').run(key, now.toISOString());
  }

  /** The latest events about an address, newest first. */
  eventsFor(key: string, limit: number): { kind: EventKind; status: string; detail: string; postId: string; source: string; reportedAt: string; reportFile: string | null }[] {
    if (!this.present()) return [];
    return this.db
      .prepare(`SELECT kind, status, detail, post_id AS postId, source, reported_at AS reportedAt, report_file AS reportFile
        FROM bounce_events WHERE email_key = ? ORDER BY recorded_at DESC, id DESC LIMIT ?`)
      .all(key, limit) as never;
  }

  /** Per post: addresses that bounced hard, soft, complained, or refused the sender. */
  perPost(): Map<string, PostFeedback> {
    const out = new Map<string, { hard: number; soft: number; complained: number; sender: number }>();
    if (!this.present()) return out;
    const rows = this.db.prepare('SELECT post_id AS postId, kind, count(DISTINCT email_key) AS n FROM bounce_events GROUP BY post_id, kind').all() as { postId: string; kind: EventKind; n: number }[];
    for (const r of rows) {
      const c = out.get(r.postId) ?? { hard: 0, soft: 0, complained: 0, sender: 0 };
      c[r.kind === 'complaint' ? 'complained' : r.kind] = r.n;
      out.set(r.postId, c);
    }
    return out;
  }
}
