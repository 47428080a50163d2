import { relaysSchema } from '../../src/config/relay-settings';
import { smtpSchema } from '../../src/config/schema';
import { createRelayPool, type RelayPool } from '../../src/deliver/relay-pool';
import type { OutgoingMessage } from '../../src/deliver/transport';
import { startSmtpServer, type FaultPlan, type TestSmtpServer } from '../support/smtp-server';

/** The relay transport against real SMTP servers: what moves to another relay, and what never does. */
describe('RelayPool', () => {
  let servers: TestSmtpServer[] = [];
  let pool: RelayPool | undefined;

  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  const smtp = smtpSchema.parse({ retryDelayMs: 60_000, connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 3000 });

  /** Relays "first" (weight 1000, so it is chosen first) and "second". */
  async function relays(first: FaultPlan, second: FaultPlan = {}): Promise<RelayPool> {
    servers = [await startSmtpServer(first), await startSmtpServer(second)];
    const settings = relaysSchema.parse([{ name: 'first', weight: 1000, connections: 1 }, { name: 'second', connections: 1 }])!;
    pool = createRelayPool(
      { relays: settings, smtp, env: { relayUrls: { HERALD_SMTP_URL_FIRST: servers[0]!.url, HERALD_SMTP_URL_SECOND: servers[1]!.url } } },
      { now: new Date(), sentToday: new Map() },
    );
    return pool;
  }

  function message(to: string): OutgoingMessage {
    return { messageId: `<${to}>`, envelope: { from: 'news@example.com', to }, raw: Buffer.from(`From: news@example.com\r\nTo: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`), smtputf8: false };
  }

  test('a message whose data got no reply is in doubt on its relay and goes nowhere else', async () => {
    const p = await relays({ onData: () => 'drop' });
    const outcome = await p.send(message('a@example.com'));
    expect(outcome).toMatchObject({ kind: 'in_doubt', relay: 'first' });
    expect(servers[0]!.droppedAfterData).toHaveLength(1);
    expect(servers[1]!.messages).toHaveLength(0);
  });

  test('a relay that never answers the data times out, and the message is in doubt there, not moved', async () => {
    servers = [await startSmtpServer({ onData: () => 'stall' }), await startSmtpServer()];
    const settings = relaysSchema.parse([{ name: 'first', weight: 1000, connections: 1 }, { name: 'second', connections: 1 }])!;
    pool = createRelayPool(
      { relays: settings, smtp: { ...smtp, socketTimeoutMs: 300 }, env: { relayUrls: { HERALD_SMTP_URL_FIRST: servers[0]!.url, HERALD_SMTP_URL_SECOND: servers[1]!.url } } },
      { now: new Date(), sentToday: new Map() },
    );
    expect(await pool.send(message('a@example.com'))).toMatchObject({ kind: 'in_doubt', relay: 'first' });
    expect(servers[1]!.messages).toHaveLength(0);
  });

  test.each<[string, FaultPlan]>([
    ['refuses the connection', { onConnect: () => 'refuse' }],
    ['answers 421', { onMailFrom: () => '421 4.7.0 Going away' }],
    ['fails the login', { auth: { user: 'u', pass: 'right' } }],
    ['refuses the sender', { onMailFrom: () => '554 5.7.1 Sender not verified' }],
    ['drops the connection before the data', { onRcpt: () => 'drop' }],
  ])('a relay that %s is taken out and the message goes through another', async (_what, plan) => {
    await relays(plan);
    if (plan.auth) {
      // the URL carries the wrong password
      await pool!.close();
      const settings = relaysSchema.parse([{ name: 'first', weight: 1000, connections: 1 }, { name: 'second', connections: 1 }])!;
      const bad = servers[0]!.url.replace('u:right@', 'u:wrong@');
      pool = createRelayPool({ relays: settings, smtp, env: { relayUrls: { HERALD_SMTP_URL_FIRST: bad, HERALD_SMTP_URL_SECOND: servers[1]!.url } } }, { now: new Date(), sentToday: new Map() });
    }
    expect(await pool!.send(message('a@example.com'))).toMatchObject({ kind: 'accepted', relay: 'second' });
    // out for its backoff: the next message goes straight to the other relay
    expect(await pool!.send(message('b@example.com'))).toMatchObject({ kind: 'accepted', relay: 'second' });
    expect(servers[0]!.messages).toHaveLength(0);
    expect(servers[1]!.messages.map((m) => m.envelopeTo[0])).toEqual(['a@example.com', 'b@example.com']);
  });

  test('a recipient the relay refuses or defers stays on that relay: it is the answer for the recipient', async () => {
    const p = await relays({ onRcpt: (a) => (a.startsWith('gone') ? '550 5.1.1 No such user' : '451 4.3.0 Later') });
    expect(await p.send(message('gone@example.com'))).toMatchObject({ kind: 'failed', relay: 'first' });
    expect(await p.send(message('later@example.com'))).toMatchObject({ kind: 'deferred', relay: 'first' });
    expect(servers[1]!.messages).toHaveLength(0);
  });

  test('when every relay is out, the message comes back unavailable, naming each relay and why', async () => {
    const p = await relays({ onConnect: () => 'refuse' }, { onMailFrom: () => '421 4.7.0 Too busy' });
    const outcome = await p.send(message('a@example.com'));
    expect(outcome.kind).toBe('unavailable');
    expect(outcome.reply).toMatch(/^no relay can take mail now: first: out \(cannot connect.*\); second: out \(421 4\.7\.0 Too busy\)$/);
    expect(servers.every((s) => s.messages.length === 0)).toBe(true);
  });
});
