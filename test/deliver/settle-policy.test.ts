/** The settle policy on its own: an outcome in, the record's settle and the summary's counter out. */
import type { Settle } from '../../src/deliver/delivery-record';
import type { Outcome } from '../../src/deliver/outcome';
import { COUNTED_AS, type Counted, emptySummary, released, settleFor } from '../../src/deliver/settle-policy';

const NOW = new Date('2026-06-01T12:00:00Z');
const at = (minutes: number): string => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const ROW = { key: 'ada@example.com', attempts: 0 };
const DEFERRAL = { firstRetryMinutes: 5 };

describe('the settle policy', () => {
  test.each<[string, Outcome, Omit<Settle, 'postId' | 'key'>, Counted | undefined]>([
    ['an accepted message is recorded sent and counted sent', { kind: 'accepted', reply: '250 OK' }, { state: 'sent', reply: '250 OK' }, 'sent'],
    ['a permanent refusal is recorded failed and counted failed', { kind: 'failed', reply: '550 no such user' }, { state: 'failed', reply: '550 no such user' }, 'failed'],
    ['a temporary refusal is deferred firstRetryMinutes later and counted deferred', { kind: 'deferred', reply: '451 later' }, { state: 'deferred', reply: '451 later', nextAttemptAt: at(5) }, 'deferred'],
    ['no reply after the data is recorded in doubt, saying so, and counted in doubt', { kind: 'in_doubt', reply: 'ETIMEDOUT' }, { state: 'in_doubt', reply: 'no reply after the data: ETIMEDOUT' }, 'inDoubt'],
    ['an abort leaves the recipient pending and counts it not attempted', { kind: 'abort', reply: '535 auth failed' }, { state: 'pending', reply: 'not sent: 535 auth failed' }, 'notAttempted'],
    ['connection trouble leaves the recipient pending and counts nothing (the loop decides on a retry)', { kind: 'retry', reply: 'ECONNRESET', throttle: false }, { state: 'pending', reply: 'not sent: ECONNRESET' }, undefined],
    ['a session throttle leaves the recipient pending and counts nothing', { kind: 'retry', reply: '421 slow down', throttle: true }, { state: 'pending', reply: 'not sent: 421 slow down' }, undefined],
  ])('%s', (_name, outcome, settle, counted) => {
    expect(settleFor('hello', ROW, outcome, DEFERRAL, () => NOW)).toEqual({ postId: 'hello', key: ROW.key, ...settle });
    expect(COUNTED_AS[outcome.kind]).toBe(counted);
  });

  test.each([
    [0, 5],
    [1, 10],
    [3, 40],
    [8, 5 * 256],
    [20, 5 * 256],
  ])('a recipient deferred after %i attempts waits %i minutes (doubling, at most 8 times)', (attempts, minutes) => {
    const settle = settleFor('hello', { key: 'k', attempts }, { kind: 'deferred', reply: '452 full' }, DEFERRAL, () => NOW);
    expect(settle.nextAttemptAt).toBe(at(minutes));
  });

  test('the clock is read only for a deferral', () => {
    const now = jest.fn(() => NOW);
    settleFor('hello', ROW, { kind: 'accepted', reply: '250 OK' }, DEFERRAL, now);
    settleFor('hello', ROW, { kind: 'retry', reply: 'x', throttle: false }, DEFERRAL, now);
    expect(now).not.toHaveBeenCalled();
  });

  test('a claim never handed over is released to pending with the reason', () => {
    expect(released('hello', 'k', 'herald was stopping')).toEqual({ postId: 'hello', key: 'k', state: 'pending', reply: 'not sent: herald was stopping' });
  });

  test('a summary starts with every count at zero and no abort or throttle', () => {
    expect(emptySummary()).toEqual({ sent: 0, failed: 0, deferred: 0, inDoubt: 0, skipped: 0, notAttempted: 0 });
  });
});
