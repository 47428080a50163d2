/** The due-recipient reader on its own: the record's list read in pages, and this run's retry queue ahead of it. */
import type { DeliveryRecord, DueRecipient } from '../../src/deliver/delivery-record';
import { DueRecipients } from '../../src/deliver/due-recipients';

const NOW = new Date('2026-06-01T12:00:00Z');

/** A record whose due list is `n` recipients in list order; it notes every page asked for. */
function listOf(n: number): DeliveryRecord & { reads: { afterSeq: number; limit: number; includeInDoubt: boolean }[] } {
  const rows: DueRecipient[] = Array.from({ length: n }, (_, seq) => ({ postId: 'hello', key: `r${seq}`, email: `r${seq}@example.com`, name: '', attempts: 0, seq }));
  const reads: { afterSeq: number; limit: number; includeInDoubt: boolean }[] = [];
  return {
    reads,
    due: (_postId, _now, opts) => (reads.push(opts), rows.filter((r) => r.seq > opts.afterSeq).slice(0, opts.limit)),
    apply: () => [],
    skip: () => undefined,
  };
}

const reader = (record: DeliveryRecord, over: Partial<{ retries: number; retryDelayMs: number; includeInDoubt: boolean }> = {}) =>
  new DueRecipients(record, 'hello', { includeInDoubt: false, retries: 2, retryDelayMs: 0, now: () => NOW, ...over });

const keysOf = (rows: readonly DueRecipient[]): string[] => rows.map((r) => r.key);

afterEach(() => jest.useRealTimers());

describe('the due recipients of a run', () => {
  test('hands out the list in order, reading a page at a time after the last recipient read', () => {
    const record = listOf(1200);
    const due = reader(record, { includeInDoubt: true });
    const first = due.next(700);
    expect(first).toHaveLength(700);
    expect(first[0]!.key).toBe('r0');
    expect(first[699]!.key).toBe('r699');
    expect(record.reads).toEqual([
      { afterSeq: -1, limit: 500, includeInDoubt: true },
      { afterSeq: 499, limit: 500, includeInDoubt: true },
    ]);
    expect(keysOf(due.next(1000))).toHaveLength(500);
    expect(due.next(10)).toEqual([]);
    expect(due.mayHaveMore()).toBe(false);
  });

  test('a short page ends the list: it is not read again', () => {
    const record = listOf(3);
    const due = reader(record);
    expect(keysOf(due.next(10))).toEqual(['r0', 'r1', 'r2']);
    expect(due.next(10)).toEqual([]);
    expect(record.reads).toHaveLength(1);
  });

  test('a recipient queued for a retry comes before the list once its back-off has passed', () => {
    const due = reader(listOf(5));
    const [r0] = due.next(1);
    expect(due.retryLater(r0!, true)).toBe(true);
    expect(due.retrying).toBe(1);
    expect(keysOf(due.next(2))).toEqual(['r0', 'r1']);
    expect(due.retrying).toBe(0);
  });

  test('a retry waits its back-off, doubled on each further try, and the first due retry goes first', () => {
    jest.useFakeTimers({ now: 10_000 });
    const due = reader(listOf(2), { retryDelayMs: 100 });
    const [r0, r1] = due.next(2);
    due.retryLater(r0!, true);
    expect(due.next(5)).toEqual([]);
    jest.setSystemTime(10_100);
    expect(keysOf(due.next(5))).toEqual(['r0']);
    // r0's second try waits 200 ms, r1's first 100 ms
    due.retryLater(r0!, true);
    due.retryLater(r1!, true);
    expect(due.nextRetryIn(10_100)).toBe(100);
    jest.setSystemTime(10_200);
    expect(keysOf(due.next(5))).toEqual(['r1']);
    expect(due.nextRetryIn(10_200)).toBe(100);
    jest.setSystemTime(10_300);
    expect(keysOf(due.next(5))).toEqual(['r0']);
    expect(due.retrying).toBe(0);
  });

  test('a recipient gets `retries` tries in a run after its first, and none once the run is stopping', () => {
    const due = reader(listOf(2), { retries: 2 });
    const [r0, r1] = due.next(2);
    expect([due.retryLater(r0!, true), due.retryLater(r0!, true), due.retryLater(r0!, true)]).toEqual([true, true, false]);
    expect(due.retryLater(r1!, false)).toBe(false);
    expect(due.retrying).toBe(2);
  });

  test('a run that stops early counts those it did not reach: read ahead and never read', () => {
    const record = listOf(1234);
    const due = reader(record);
    due.next(10);
    expect(due.mayHaveMore()).toBe(true);
    expect(due.unreached()).toBe(1224);
  });
});
