import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';
import { type Claim, Deliveries, type Settle } from './deliveries';
import { FeedRecord } from './feed-record';
import { type FileStamp, FileStamps } from './file-stamps';
import { Digests } from './digests';
import { Posts, type QueueEntry } from './posts';
import { BounceEvents } from './bounces';
import { Reports } from './reports';
import type { DeliveryRow, DeliveryState, LoggedRow, PostEntry, PostRow, StateCounts } from './rows';
import { openDatabase, readMeta } from './schema';
import { type SecretUse, SecretUses } from './secrets';

export type { Claim, Settle } from './deliveries';
export type { FileStamp } from './file-stamps';
export type { BounceEvent, DeliveryMatch, EventKind, PostFeedback } from './bounces';
export type { QueueEntry } from './posts';
export { DELIVERY_STATES, type DeliveryRow, type LoggedRow, type DeliveryState, emptyCounts, type PostEntry, type PostRow, type SettledState, type StateCounts } from './rows';

export const RECORD_FILE = 'herald.db';

/**
 * The record of what was sent to whom, in one SQLite file in the state folder: the posts it knows
 * (posts.ts), the send loop's claims and outcomes (deliveries.ts, where the state machine is),
 * what it reports (reports.ts), the post files' stamps (file-stamps.ts) and which secrets signed
 * the sent links (secrets.ts), over one connection.
 */
export class SendRecord {
  private readonly postsPart: Posts;
  private readonly deliveries: Deliveries;
  private readonly reports: Reports;
  private readonly stamps: FileStamps;
  private readonly secrets: SecretUses;
  private feedPart?: FeedRecord;
  /** Bounces and complaints reported after a send (bounces.ts). */
  readonly feedback: BounceEvents;
  /** Digest readers' items and their digests (digests.ts); written only through a writable record. */
  readonly digests: Digests;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    readonly readonly: boolean,
  ) {
    this.postsPart = new Posts(db);
    this.deliveries = new Deliveries(db);
    this.reports = new Reports(db);
    this.stamps = new FileStamps(db);
    this.secrets = new SecretUses(db);
    this.feedback = new BounceEvents(db, readonly);
    this.digests = new Digests(db, this.postsPart);
  }

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
      return new SendRecord(openDatabase(file, opts.readonly), file, opts.readonly);
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

  meta(key: string): string | undefined {
    return readMeta(this.db, key);
  }

  // posts and their audiences (posts.ts)

  isInitialized(): boolean {
    return this.postsPart.isInitialized();
  }

  /** First meeting with a folder: its existing posts are recorded as published without mailing them. */
  initialize(baseline: readonly PostEntry[], now: Date): void {
    this.postsPart.initialize(baseline, now);
  }

  posts(): Map<string, PostRow> {
    return this.postsPart.posts();
  }

  /** Records a post's audience in one transaction: from then on, "who still gets it" is a query. */
  queuePost(post: PostEntry, recipients: Iterable<QueueEntry>, now: Date): number {
    return this.postsPart.queuePost(post, recipients, now);
  }

  // the send loop (deliveries.ts)

  /** Run under the lock: rows left in `sending` belong to a run that died mid-send. */
  recoverInterrupted(now: Date): DeliveryRow[] {
    return this.deliveries.recoverInterrupted(now);
  }

  /** Deferred recipients whose first attempt is older than the limit are given up on. */
  expireDeferred(now: Date, maxAgeMs: number): number {
    return this.deliveries.expireDeferred(now, maxAgeMs);
  }

  /** The next recipients of a post that may be attempted now, in list order, a page at a time. */
  due(postId: string, now: Date, opts: { afterSeq: number; limit: number; includeInDoubt: boolean }): DeliveryRow[] {
    return this.deliveries.due(postId, now, opts);
  }

  /** How many recipients of a post `due` would return, for progress reporting. */
  dueCount(postId: string, now: Date, includeInDoubt: boolean): number {
    return this.deliveries.dueCount(postId, now, includeInDoubt);
  }

  /** One more recipient of a post (a welcome); false when the address has one already. */
  addRecipient(post: { id: string; file: string; title: string }, recipient: QueueEntry, now: Date): boolean {
    return this.postsPart.addRecipient(post, recipient, now);
  }

  /** Per post, the pending recipients waiting for their local `deliverAt`. */
  waiting(now: Date): Map<string, number> {
    return this.deliveries.waiting(now);
  }

  /** One transaction: outcomes recorded and the next recipients claimed, durably, before hand-off. */
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], now: Date, opts: { includeInDoubt: boolean }): boolean[] {
    return this.deliveries.apply(runId, settles, claims, now, opts);
  }

  /** A recipient who left the list after the post was queued receives nothing. */
  skip(postId: string, key: string, reason: string, now: Date): void {
    this.deliveries.skip(postId, key, reason, now);
  }

  // what the record reports (reports.ts)

  /** Messages the server accepted since a moment: what a provider's daily cap counts. */
  sentSince(since: Date): number {
    return this.reports.sentSince(since);
  }

  /** Messages each relay accepted since a moment, by relay name: what a relay's daily quota counts. */
  sentSinceByRelay(since: Date): Map<string, number> {
    return this.reports.sentSinceByRelay(since);
  }

  /** Counts of every state, per relay that gave an outcome (for status). */
  relayCounts(): Map<string, StateCounts> {
    return this.reports.relayCounts();
  }

  /** Every permanently failed recipient with the server's reply, newest first. */
  failures(): { email: string; reply: string; updatedAt: string }[] {
    return this.reports.failures();
  }

  /** Counts of every state, per post (for status; reads every row). */
  counts(): Map<string, StateCounts> {
    return this.reports.counts();
  }

  /** Counts of the states still in play only, per post: what planning needs, from a small index. */
  openCounts(): Map<string, StateCounts> {
    return this.reports.openCounts();
  }

  log(filter: { postId?: string; state?: DeliveryState; limit: number }): LoggedRow[] {
    return this.reports.log(filter);
  }

  // the post files' stamps (file-stamps.ts)

  /** Size and modification time of each known post's file when the record last read it, by file. */
  fileStamps(): Map<string, FileStamp & { readonly id: string }> {
    return this.stamps.fileStamps();
  }

  /** Remembers how a known post's file looked, so the next run can skip reading it. */
  stampFiles(stamps: Parameters<FileStamps['stampFiles']>[0]): void {
    this.stamps.stampFiles(stamps);
  }

  // the feeds read and the items seen in them (feed-record.ts)

  feeds(): FeedRecord {
    this.feedPart ??= new FeedRecord(this.db, !this.readonly);
    return this.feedPart;
  }

  // which secrets signed the sent links (secrets.ts)

  /** Which secrets signed the unsubscribe links of sent messages, by fingerprint (see unsubscribe/continuity.ts). */
  secretUses(): SecretUse[] {
    return this.secrets.secretUses();
  }

  setSecretUses(uses: readonly SecretUse[]): void {
    this.secrets.setSecretUses(uses);
  }
}
