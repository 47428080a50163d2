import type { DeliveryRecord, DueRecipient } from './delivery-record';

const PAGE = 500;

/**
 * The recipients of one post that may be attempted now, for one run: the record's due list read a
 * page at a time in list order, ahead of it the recipients this run retries after connection
 * trouble, each once its back-off has passed.
 */
export class DueRecipients {
  private readonly retryQueue: { row: DueRecipient; notBefore: number }[] = [];
  private readonly triesByKey = new Map<string, number>();
  private buffer: DueRecipient[] = [];
  private afterSeq = -1;
  private exhausted = false;

  constructor(
    private readonly record: DeliveryRecord,
    private readonly postId: string,
    private readonly opts: {
      readonly includeInDoubt: boolean;
      /** Attempts a recipient gets in this run after its first. */
      readonly retries: number;
      readonly retryDelayMs: number;
      readonly now: () => Date;
    },
  ) {}

  /** Up to `count` recipients: retries that are due first, then the list. */
  next(count: number): DueRecipient[] {
    const out: DueRecipient[] = [];
    const nowMs = Date.now();
    const queue = this.retryQueue;
    queue.sort((a, b) => a.notBefore - b.notBefore);
    while (out.length < count && queue.length && queue[0]!.notBefore <= nowMs) out.push(queue.shift()!.row);
    while (out.length < count) {
      if (!this.buffer.length && !this.exhausted) this.buffer = this.page();
      const row = this.buffer.shift();
      if (!row) break;
      out.push(row);
    }
    return out;
  }

  /**
   * Connection trouble kept `row` from being sent: queue it again, with a doubling back-off, unless
   * it has had its tries in this run or `allowed` is false. Says whether it was queued.
   */
  retryLater(row: DueRecipient, allowed: boolean): boolean {
    const tries = (this.triesByKey.get(row.key) ?? 0) + 1;
    this.triesByKey.set(row.key, tries);
    if (tries > this.opts.retries || !allowed) return false;
    this.retryQueue.push({ row, notBefore: Date.now() + this.opts.retryDelayMs * 2 ** (tries - 1) });
    return true;
  }

  /** Recipients waiting in the retry queue. */
  get retrying(): number {
    return this.retryQueue.length;
  }

  /** How long until the first queued retry is due (0 when one is due now). */
  nextRetryIn(nowMs: number): number {
    return Math.max(0, this.retryQueue.reduce((first, r) => Math.min(first, r.notBefore), Infinity) - nowMs);
  }

  /** Whether anyone may still be handed out (queued for a retry, read ahead, or not read yet). */
  mayHaveMore(): boolean {
    return this.retryQueue.length > 0 || this.buffer.length > 0 || !this.exhausted;
  }

  /** Due recipients past those handed out, retries aside (reads the rest of the list: only when a run stops early). */
  unreached(): number {
    let count = this.buffer.length;
    while (!this.exhausted) count += this.page().length;
    return count;
  }

  private page(): DueRecipient[] {
    const page = this.record.due(this.postId, this.opts.now(), { afterSeq: this.afterSeq, limit: PAGE, includeInDoubt: this.opts.includeInDoubt });
    if (page.length < PAGE) this.exhausted = true;
    if (page.length) this.afterSeq = page[page.length - 1]!.seq;
    return page;
  }
}
