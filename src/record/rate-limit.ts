import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HeraldError } from '../errors';

/**
 * The subscribe form's rate limits, kept in the state folder (serve-limits.db, beside the record
 * but a file of its own, so serving never waits on a send's transactions). A limit kept in memory
 * starts again at zero whenever the server restarts, which an attacker can cause or wait for; this
 * one survives restarts and is shared by every `herald serve` on the same state folder.
 *
 * Each counted request is one row (scope, subject, time). Checking the windows and adding the row
 * happen in one IMMEDIATE transaction, so two processes cannot both take the last place. Subjects
 * (client addresses, email addresses) are stored only as HMACs under HERALD_SECRET, and rows older
 * than RETENTION_MS are deleted as new ones come in.
 */
export const RATE_LIMIT_FILE = 'serve-limits.db';
/** Rows are kept this long: at least the longest window in use. */
export const RETENTION_MS = 48 * 3_600_000;

export interface RateWindow {
  /** At most this many events … */
  readonly max: number;
  /** … within this many milliseconds (at most RETENTION_MS). */
  readonly ms: number;
}

/** One thing to count: e.g. scope "client" with subject "203.0.113.7", under these windows. */
export interface RateSubject {
  readonly scope: string;
  readonly subject: string;
  readonly windows: readonly RateWindow[];
}

export type TakeResult =
  /** Counted; `ids` undo it with release(). */
  | { readonly ok: true; readonly ids: readonly number[] }
  /** Not counted: the first subject whose window is full, and when a place frees up. */
  | { readonly ok: false; readonly scope: string; readonly retryAfterMs: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_subject ON events (scope, subject, at);
CREATE INDEX IF NOT EXISTS events_by_time ON events (at);
`;

export class RateLimits {
  private constructor(private readonly db: Database.Database, private readonly secret: string) {}

  /** Opens (creating when needed) STATE/serve-limits.db; ERECORD when it cannot. */
  static open(stateDir: string, secret: string): RateLimits {
    const file = path.join(stateDir, RATE_LIMIT_FILE);
    try {
      fs.mkdirSync(stateDir, { recursive: true });
      const db = new Database(file);
      db.pragma('busy_timeout = 5000');
      // every counted request is on disk before its email leaves: a crash cannot hand back a place
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
      return new RateLimits(db, secret);
    } catch (err) {
      throw new HeraldError(ErrorCode.ERECORD, `cannot open the rate limits: ${(err as Error).message}`, {
        location: { file },
        hint: 'Check that the state folder is writable and on a local disk.',
        cause: err,
      });
    }
  }

  /**
   * Counts one event for every subject if none of their windows is full; otherwise counts nothing.
   * All or nothing, in one transaction.
   */
  take(subjects: readonly RateSubject[], now: Date): TakeResult {
    const at = now.getTime();
    const count = this.db.prepare('SELECT count(*) AS n FROM events WHERE scope = ? AND subject = ? AND at > ?');
    const nth = this.db.prepare('SELECT at FROM events WHERE scope = ? AND subject = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?');
    const insert = this.db.prepare('INSERT INTO events (scope, subject, at) VALUES (?, ?, ?)');
    return this.db.transaction((): TakeResult => {
      this.db.prepare('DELETE FROM events WHERE at <= ?').run(at - RETENTION_MS);
      const hashed = subjects.map((s) => ({ ...s, subject: this.hash(s.scope, s.subject) }));
      for (const s of hashed) {
        for (const w of s.windows) {
          const since = at - Math.min(w.ms, RETENTION_MS);
          const { n } = count.get(s.scope, s.subject, since) as { n: number };
          if (n < w.max) continue;
          // the window frees a place when the max-th newest event in it grows too old
          const { at: pivot } = nth.get(s.scope, s.subject, since, w.max - 1) as { at: number };
          return { ok: false, scope: s.scope, retryAfterMs: Math.max(1000, pivot + w.ms - at) };
        }
      }
      const ids = hashed.map((s) => Number(insert.run(s.scope, s.subject, at).lastInsertRowid));
      return { ok: true, ids };
    }).immediate();
  }

  /** Undoes events taken earlier (the email they were for did not go out). */
  release(ids: readonly number[]): void {
    const remove = this.db.prepare('DELETE FROM events WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) remove.run(id);
    }).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private hash(scope: string, subject: string): string {
    return crypto.createHmac('sha256', this.secret).update(`herald-rate-limit-v1\n${scope}\n${subject}`).digest('base64url').slice(0, 32);
  }
}
