/**
 * The delivery loop on its own, with a transport and a record kept in memory: what it promises
 * the record (claim before hand-off, settle after the reply) checked at every step, with no SMTP
 * server and no database in the way. The SMTP and SQLite adapters have their own tests.
 */
import type { Post } from '../../src/discover/posts';
import { type DeliveryOptions, deliverPost } from '../../src/deliver/deliver-post';
import type { Claim, DeliveryRecord, DueRecipient, SettledAs, Settle } from '../../src/deliver/delivery-record';
import type { Outcome } from '../../src/deliver/outcome';
import type { OutgoingMessage, Transport } from '../../src/deliver/transport';
import type { Sender } from '../../src/render/envelope';
import type { RenderedPost } from '../../src/render/post';

const NOW = new Date('2026-06-01T12:00:00Z');
const POST: Post = { id: 'hello', file: 'posts/hello.md', format: 'yaml', title: 'Hello', slug: 'hello', draft: false, optedOut: false, body: 'Hi', bodyLine: 4 };
const RENDERED: RenderedPost = {
  post: POST, templateFile: 'templates/default.mjml', url: 'https://blog.example.com/hello/', warnings: [],
  subject: { parts: ['Hello'] }, html: { parts: ['<p>Hello</p>'] }, text: { parts: ['Hello'] },
};
/** A recipient's state in this in-memory record: what the loop settles it as, or claimed, or skipped. */
type DeliveryState = SettledAs | 'sending' | 'skipped';

const SENDER: Sender = { from: { name: 'Letter', address: 'news@example.com' }, listId: 'Letter <letter.example.com>', messageIdDomain: 'example.com', unsubscribeMailto: 'news@example.com' };

/** The record's promises, kept as plain data and checked as the loop goes. */
class MemoryRecord implements DeliveryRecord {
  readonly rows = new Map<string, { row: DueRecipient; state: DeliveryState }>();
  /** Every write, in order: what the durable record would have said, step by step. */
  readonly writes: string[] = [];

  constructor(keys: readonly string[], states: Partial<Record<string, DeliveryState>> = {}) {
    keys.forEach((key, seq) => {
      const state = states[key] ?? 'pending';
      this.rows.set(key, {
        state,
        row: { postId: POST.id, key, email: key, name: '', attempts: 0, seq },
      });
    });
  }

  state(key: string): DeliveryState {
    return this.rows.get(key)!.state;
  }

  states(): Record<string, DeliveryState> {
    return Object.fromEntries([...this.rows].map(([k, v]) => [k, v.state]));
  }

  due(_postId: string, _now: Date, opts: { afterSeq: number; limit: number; includeInDoubt: boolean }): DueRecipient[] {
    return [...this.rows.values()]
      .filter((r) => r.row.seq > opts.afterSeq && (r.state === 'pending' || r.state === 'deferred' || (opts.includeInDoubt && r.state === 'in_doubt')))
      .slice(0, opts.limit)
      .map((r) => ({ ...r.row }));
  }

  apply(_runId: string, settles: readonly Settle[], claims: readonly Claim[]): boolean[] {
    for (const s of settles) {
      expect(this.state(s.key)).toBe('sending');
      this.rows.get(s.key)!.state = s.state;
      this.writes.push(`${s.state}:${s.key}`);
    }
    return claims.map((c) => {
      const r = this.rows.get(c.key)!;
      if (r.state !== 'pending' && r.state !== 'deferred' && r.state !== 'in_doubt') return false;
      r.state = 'sending';
      r.row = { ...r.row, attempts: r.row.attempts + 1 };
      this.writes.push(`claim:${c.key}`);
      return true;
    });
  }

  skip(_postId: string, key: string, _reason?: string, _now?: Date): void {
    this.rows.get(key)!.state = 'skipped';
    this.writes.push(`skipped:${key}`);
  }
}

type Script = (to: string, attempt: number) => Outcome;

/** Answers each message from a script, and checks at hand-off that the record has claimed it. */
class MemoryTransport implements Transport {
  readonly sent: string[] = [];
  inFlight = 0;
  mostInFlight = 0;
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly record: MemoryRecord,
    private readonly script: Script,
    readonly capacity = 3,
  ) {}

  async send(message: OutgoingMessage): Promise<Outcome> {
    const to = message.envelope.to;
    // the claim is committed before the message leaves: a crash now finds it "sending", never "pending"
    expect(this.record.state(to)).toBe('sending');
    this.record.writes.push(`handed:${to}`);
    this.sent.push(to);
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    const attempt = (this.attempts.get(to) ?? 0) + 1;
    this.attempts.set(to, attempt);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    // the reply is not yet in the record when it arrives: only the loop's next commit settles it
    expect(this.record.state(to)).toBe('sending');
    return this.script(to, attempt);
  }

  async close(): Promise<void> {}
}

const accepted: Outcome = { kind: 'accepted', reply: '250 OK' };

function options(over: Partial<DeliveryOptions> & { keys: readonly string[] }): DeliveryOptions {
  return {
    runId: 'run-1', sender: SENDER, subscribed: new Set(over.keys), includeInDoubt: false,
    retries: 2, retryDelayMs: 1, throttle: { firstPauseMs: 1, maxPauseMs: 5, maxEpisodes: 3 },
    messagesPerSecond: 0, budget: { remaining: Number.POSITIVE_INFINITY }, deferral: { firstRetryMinutes: 5 },
    stop: new AbortController().signal, now: () => NOW, ...over,
  };
}

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `r${i + 1}@example.com`);

async function deliver(n: number, script: Script, over: Partial<DeliveryOptions> = {}, states: Partial<Record<string, DeliveryState>> = {}) {
  const all = keys(n);
  const record = new MemoryRecord(all, states);
  const transport = new MemoryTransport(record, script);
  const summary = await deliverPost(RENDERED, record, transport, options({ keys: all, ...over }));
  return { record, transport, summary, all };
}

describe('the delivery loop', () => {
  test('every message is claimed in the record before it is handed over, and recorded sent after its reply', async () => {
    const { record, transport, summary, all } = await deliver(10, () => accepted);
    expect(summary).toMatchObject({ sent: 10, failed: 0, deferred: 0, inDoubt: 0, notAttempted: 0 });
    expect(transport.sent.sort()).toEqual([...all].sort());
    for (const key of all) {
      const w = record.writes;
      expect(w.indexOf(`claim:${key}`)).toBeLessThan(w.indexOf(`handed:${key}`));
      expect(w.indexOf(`handed:${key}`)).toBeLessThan(w.indexOf(`sent:${key}`));
      expect(record.state(key)).toBe('sent');
    }
  });

  test('never more messages between "claimed" and "recorded" than the transport carries at once', async () => {
    const { transport } = await deliver(25, () => accepted);
    expect(transport.mostInFlight).toBeLessThanOrEqual(transport.capacity);
    expect(transport.mostInFlight).toBeGreaterThan(1);
  });

  test.each<[string, Outcome, DeliveryState, string]>([
    ['a permanent refusal (550) fails that recipient alone', { kind: 'failed', reply: '550 5.1.1 no such user' }, 'failed', 'failed'],
    ['a temporary refusal (451) defers that recipient to a later run', { kind: 'deferred', reply: '451 4.3.0 try later' }, 'deferred', 'deferred'],
    ['no reply after the data leaves that recipient in doubt', { kind: 'in_doubt', reply: 'ETIMEDOUT' }, 'in_doubt', 'inDoubt'],
  ])('%s; the others are sent', async (_name, outcome, state, counter) => {
    const { record, summary } = await deliver(6, (to) => (to === 'r3@example.com' ? outcome : accepted));
    expect(record.state('r3@example.com')).toBe(state);
    expect(summary).toMatchObject({ sent: 5, [counter]: 1 });
    expect(Object.values(record.states()).filter((s) => s === 'sent')).toHaveLength(5);
  });

  test('a first deferral sets the next attempt firstRetryMinutes later in the record', async () => {
    const all = keys(1);
    const record = new MemoryRecord(all);
    const settles: Settle[] = [];
    const spy: DeliveryRecord = { due: (...a) => record.due(...a), skip: (...a) => record.skip(...a), apply: (run, s, c) => (settles.push(...s), record.apply(run, s, c)) };
    await deliverPost(RENDERED, spy, new MemoryTransport(record, () => ({ kind: 'deferred', reply: '452 mailbox full' })), options({ keys: all }));
    expect(settles).toEqual([expect.objectContaining({ state: 'deferred', nextAttemptAt: new Date(NOW.getTime() + 5 * 60_000).toISOString() })]);
  });

  test('an authentication failure (535) stops the run at once: nobody is failed, the unsent stay pending', async () => {
    const { record, transport, summary } = await deliver(12, (to) => (to === 'r1@example.com' ? { kind: 'abort', reply: '535 5.7.8 authentication failed' } : accepted));
    expect(summary.aborted).toMatch(/535/);
    expect(summary.failed).toBe(0);
    const states = Object.values(record.states());
    expect(states).not.toContain('failed');
    expect(states).not.toContain('sending');
    expect(states.filter((s) => s === 'pending').length).toBeGreaterThanOrEqual(12 - transport.capacity);
  });

  test('connection trouble before the data ended is retried within the run, a bounded number of times, then left pending', async () => {
    const lost: Outcome = { kind: 'retry', reply: 'ECONNRESET before the data', throttle: false };
    const { record, transport, summary } = await deliver(4, (to, attempt) => (to === 'r2@example.com' || (to === 'r4@example.com' && attempt === 1) ? lost : accepted));
    expect(record.state('r4@example.com')).toBe('sent');
    expect(record.state('r2@example.com')).toBe('pending');
    expect(transport.sent.filter((t) => t === 'r2@example.com')).toHaveLength(1 + 2);
    expect(summary).toMatchObject({ sent: 3, notAttempted: 1 });
  });

  test('a recipient in doubt is not sent again unless asked', async () => {
    const doubt = { 'r2@example.com': 'in_doubt' as const };
    const without = await deliver(3, () => accepted, {}, doubt);
    expect(without.transport.sent).not.toContain('r2@example.com');
    expect(without.record.state('r2@example.com')).toBe('in_doubt');
    const asked = await deliver(3, () => accepted, { includeInDoubt: true }, doubt);
    expect(asked.record.state('r2@example.com')).toBe('sent');
  });

  test('a queued recipient who has left the list is skipped, never sent', async () => {
    const all = keys(3);
    const { record, transport, summary } = await deliver(3, () => accepted, { subscribed: new Set([all[0]!, all[2]!]) });
    expect(transport.sent).not.toContain(all[1]);
    expect(record.state(all[1]!)).toBe('skipped');
    expect(summary).toMatchObject({ sent: 2, skipped: 1 });
  });

  test('a run asked to stop before it starts hands nothing over and leaves everyone pending', async () => {
    const stop = new AbortController();
    stop.abort();
    const { record, transport } = await deliver(5, () => accepted, { stop: stop.signal });
    expect(transport.sent).toEqual([]);
    expect(new Set(Object.values(record.states()))).toEqual(new Set(['pending']));
  });

  test('the per-run budget is honoured across the run', async () => {
    const budget = { remaining: 4 };
    const { transport, record } = await deliver(10, () => accepted, { budget });
    expect(transport.sent).toHaveLength(4);
    expect(Object.values(record.states()).filter((s) => s === 'pending')).toHaveLength(6);
    expect(budget.remaining).toBe(0);
  });

  test('a server that throttles the session once pauses the run, then every recipient is sent', async () => {
    const throttled: Outcome = { kind: 'retry', reply: '421 4.7.0 slow down', throttle: true };
    const { record, summary } = await deliver(6, (to, attempt) => (to === 'r1@example.com' && attempt === 1 ? throttled : accepted));
    expect(summary).toMatchObject({ sent: 6, notAttempted: 0 });
    expect(summary.throttled).toBeUndefined();
    expect(new Set(Object.values(record.states()))).toEqual(new Set(['sent']));
  });

  test('a server that keeps throttling ends the run: nobody is sent, everyone is left pending and counted', async () => {
    const throttled: Outcome = { kind: 'retry', reply: '421 4.7.0 slow down', throttle: true };
    const { record, summary } = await deliver(10, () => throttled);
    expect(summary.throttled).toMatch(/421/);
    expect(summary).toMatchObject({ sent: 0, notAttempted: 10 });
    expect(new Set(Object.values(record.states()))).toEqual(new Set(['pending']));
  });

  test('an outcome handler that throws fails the delivery', async () => {
    const all = keys(3);
    const record = new MemoryRecord(all);
    const failing = deliverPost(RENDERED, record, new MemoryTransport(record, () => accepted), options({ keys: all, onOutcome: () => { throw new Error('progress broke'); } }));
    await expect(failing).rejects.toThrow('progress broke');
  });
});
