import { type BounceContext, type BounceStore, emptyTally, processMessage } from '../../src/bounces/apply';
import { returnPathFor } from '../../src/bounces/verp';
import type { BounceEvent, DeliveryMatch } from '../../src/record/sqlite';
import { sample } from './samples';

const PATTERN = 'bounces+{token}@example.com';
const SECRET = 'secret';
const NOW = new Date('2026-12-01T00:00:00Z');

function delivery(id: number, email: string, digit: string): DeliveryMatch {
  return { id, postId: 'first', key: email, email, state: 'sent', messageId: `<${digit.repeat(40)}@example.com>` };
}

/** The record's part as the policy sees it, kept in memory; `failRecord` simulates a crash before the event is written. */
function memoryStore(deliveries: DeliveryMatch[]) {
  const events: BounceEvent[] = [];
  let failRecord = 0;
  const store: BounceStore = {
    byDigest: (d) => deliveries.filter((x) => x.messageId.startsWith(`<${d}`)),
    byMessageId: (m) => deliveries.find((x) => x.messageId === m),
    has: (k) => events.some((e) => e.eventKey === k),
    record: (e) => {
      if (failRecord > 0) {
        failRecord--;
        throw new Error('killed');
      }
      if (events.some((x) => x.eventKey === e.eventKey)) return false;
      events.push(e);
      return true;
    },
    softBounces: (key, since) => events.filter((e) => e.delivery.key === key && e.kind === 'soft' && new Date(e.reportedAt) >= since).length,
  };
  return { store, events, crashNextRecord: () => (failRecord = 1) };
}

function context(store: BounceStore, list: Map<string, string>): BounceContext {
  return {
    store,
    suppress: ({ email, reason }) => (list.has(email) ? false : (list.set(email, reason), true)),
    secrets: [SECRET],
    returnPath: PATTERN,
    softBounces: { count: 3, days: 30 },
    maxReportBytes: 1_000_000,
    now: NOW,
  };
}

const values = (d: DeliveryMatch) => ({ RECIPIENT: d.email, MESSAGE_ID: d.messageId, RETURN_PATH: returnPathFor(PATTERN, d.messageId, SECRET) });

describe('acting on a report', () => {
  test('a crash after the suppression and before the record leaves nothing lost: the next run records it, suppressing once', async () => {
    const ann = delivery(1, 'ann@example.org', 'a');
    const mem = memoryStore([ann]);
    const list = new Map<string, string>();
    const raw = sample('postfix-hard', values(ann));
    mem.crashNextRecord();
    await expect(processMessage(raw, 'one', context(mem.store, list), emptyTally())).rejects.toThrow('killed');
    expect(list.get('ann@example.org')).toBe('bounced');
    const again = emptyTally();
    await processMessage(raw, 'one', context(mem.store, list), again);
    expect(mem.events).toHaveLength(1);
    expect(again).toMatchObject({ hard: 1, suppressed: 0, duplicates: 0 });
    const third = emptyTally();
    await processMessage(raw, 'one', context(mem.store, list), third);
    expect(third).toMatchObject({ hard: 0, duplicates: 1 });
  });

  test('a forwarded address bouncing under another name is tied to the delivery by its token, not by the address alone', async () => {
    const bo = delivery(2, 'bo@example.org', 'b');
    const mem = memoryStore([bo]);
    const list = new Map<string, string>();
    const forwarded = sample('postfix-hard', { ...values(bo), RECIPIENT: 'bo.forwarded@example.net' });
    const tally = emptyTally();
    await processMessage(forwarded, 'fwd', context(mem.store, list), tally);
    expect(tally.hard).toBe(1);
    expect([...list.keys()]).toEqual(['bo@example.org']);
    // without a token, a Message-ID alone must come with the address it was sent to
    const noToken = sample('plain-quoted', { ...values(bo), RECIPIENT: 'bo.forwarded@example.net' });
    const other = emptyTally();
    await processMessage(noToken, 'plain', context(memoryStore([bo]).store, new Map()), other);
    expect(other.unmatched).toBe(1);
  });

  test('a delivery that never left (still pending) is not acted on', async () => {
    const cy = { ...delivery(3, 'cy@example.org', 'c'), state: 'pending' };
    const tally = emptyTally();
    await processMessage(sample('gmail', values(cy)), 'g', context(memoryStore([cy]).store, new Map()), tally);
    expect(tally).toMatchObject({ hard: 0, unmatched: 1 });
  });
});
