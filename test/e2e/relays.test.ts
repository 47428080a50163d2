import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type FaultPlan, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald, recordRows } from './helpers';

/** Several relays, each a real SMTP server on 127.0.0.1, through the built CLI. */

interface LoggedRow {
  email: string;
  state: string;
  relay: string | null;
}

interface RelayStatus {
  name: string;
  sent: number;
  deferred: number;
  failed: number;
  quotaLeft: number | null;
}

describe('herald send through several relays', () => {
  let servers: Record<string, TestSmtpServer> = {};
  let nl: TempNewsletter | undefined;

  afterEach(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    servers = {};
    nl?.remove();
    nl = undefined;
  });

  async function start(plans: Record<string, FaultPlan>): Promise<void> {
    for (const [name, plan] of Object.entries(plans)) servers[name] = await startSmtpServer(plan);
  }

  /** Each relay's URL in its own variable; HERALD_SMTP_URL unset. */
  function relayEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    const env: Record<string, string | undefined> = { HERALD_SMTP_URL: undefined, ...extra };
    for (const [name, server] of Object.entries(servers)) env[`HERALD_SMTP_URL_${name.toUpperCase()}`] = server.url;
    return env;
  }

  function newsletter(relays: unknown[], subscribers: string, smtp: Record<string, unknown> = {}): TempNewsletter {
    nl = makeNewsletter({
      config: { smtp: { ...FAST_SMTP, ...smtp }, relays },
      posts: { 'old.md': '# Old\n\nold\n' },
      subscribers: { 'list.csv': subscribers },
    });
    return nl;
  }

  async function firstRunThenPost(n: TempNewsletter): Promise<void> {
    const first = await herald(n, ['send'], undefined, relayEnv());
    expect(first.code).toBe(0);
    n.write('posts/news.md', '---\ntitle: News\n---\nSomething happened.\n');
  }

  /** Every accepted copy, over all servers, by recipient. */
  function allCopies(): Map<string, number> {
    const out = new Map<string, number>();
    for (const server of Object.values(servers)) for (const [to, n] of copiesByRecipient(server)) out.set(to, (out.get(to) ?? 0) + n);
    return out;
  }

  async function rows(n: TempNewsletter): Promise<LoggedRow[]> {
    return (await recordRows(n, 'news')) as unknown as LoggedRow[];
  }

  async function relayStatus(n: TempNewsletter, env: Record<string, string | undefined> = {}): Promise<RelayStatus[]> {
    const res = await herald(n, ['status', '--json'], undefined, relayEnv(env));
    expect(res.code).toBe(0);
    return (JSON.parse(res.stdout) as { relays: RelayStatus[] }).relays;
  }

  test('spreads 3,000 recipients by weight (within ±10%), each exactly once, and notes the relay of each', async () => {
    await start({ a: {}, b: { dataDelayMs: 2 }, c: { dataDelayMs: 5 } });
    const n = newsletter(
      [
        { name: 'a', weight: 1, connections: 3, maxMessagesPerConnection: 50 },
        { name: 'b', weight: 2, connections: 4, maxMessagesPerConnection: 10000 },
        { name: 'c', weight: 3, connections: 5, maxMessagesPerConnection: 10000 },
      ],
      subscribersCsv(3000),
    );
    await firstRunThenPost(n);
    const res = await herald(n, ['send'], undefined, relayEnv());
    expect(res.code).toBe(0);

    const copies = allCopies();
    expect(copies.size).toBe(3000);
    expect(Math.max(...copies.values())).toBe(1);
    const expected = { a: 500, b: 1000, c: 1500 };
    for (const [name, share] of Object.entries(expected)) {
      expect(servers[name]!.messages.length).toBeGreaterThanOrEqual(share * 0.9);
      expect(servers[name]!.messages.length).toBeLessThanOrEqual(share * 1.1);
    }
    // each relay's own connections and messages per connection (a closing connection may linger
    // beside its replacement, so the connection counts are checked where nothing reconnects)
    expect(servers.a!.connectionsOpened).toBeGreaterThanOrEqual(10);
    expect(servers.b!.maxConcurrentConnections).toBeLessThanOrEqual(4);
    expect(servers.c!.maxConcurrentConnections).toBeLessThanOrEqual(5);
    // the record names the relay that carried each message
    const record = await rows(n);
    expect(record.every((r) => r.state === 'sent')).toBe(true);
    for (const r of record) expect(servers[r.relay!]!.messagesTo(r.email)).toHaveLength(1);
    const status = await relayStatus(n);
    expect(status.map((s) => [s.name, s.sent])).toEqual(Object.keys(expected).map((name) => [name, servers[name]!.messages.length]));
  });

  test('a fault schedule on three relays: exactly once across them, the in-doubt recipient sent nowhere else', async () => {
    await start({
      // refuses every new connection once it has accepted 60 messages
      refusing: { onConnect: (_n, accepted) => (accepted >= 60 ? 'refuse' : undefined) },
      // answers 421 to the 40th MAIL FROM
      closing: { onMailFrom: (_a, count) => (count === 40 ? '421 4.7.0 Too busy, closing' : undefined), dataDelayMs: 1 },
      // drops the connection after the 25th message's data, once
      dropping: { onData: (_m, count) => (count === 25 ? 'drop' : undefined), dataDelayMs: 2 },
    });
    const n = newsletter(
      [
        { name: 'refusing', weight: 1, connections: 2, maxMessagesPerConnection: 10 },
        { name: 'closing', weight: 1, connections: 2 },
        { name: 'dropping', weight: 1, connections: 2 },
      ],
      subscribersCsv(400),
    );
    await firstRunThenPost(n);
    const res = await herald(n, ['send'], undefined, relayEnv());
    // one recipient is in doubt: that needs a human, so the run says so with its exit code
    expect(res.code).toBe(1);

    const copies = allCopies();
    const record = await rows(n);
    expect(record).toHaveLength(400);
    const inDoubt = record.filter((r) => r.state === 'in_doubt');
    expect(inDoubt.map((r) => r.email)).toEqual(servers.dropping!.droppedAfterData.flatMap((d) => d.envelopeTo));
    expect(inDoubt[0]!.relay).toBe('dropping');
    for (const r of record) {
      if (r.state === 'sent') {
        expect(copies.get(r.email)).toBe(1);
        expect(servers[r.relay!]!.messagesTo(r.email)).toHaveLength(1);
      } else {
        expect(r.state).toBe('in_doubt');
        expect(copies.get(r.email)).toBeUndefined();
      }
    }
    expect(servers.refusing!.messages.length).toBeGreaterThanOrEqual(60);
    expect(servers.refusing!.messages.length).toBeLessThan(400 / 3);

    // later runs leave the in-doubt recipient alone, on every relay, until the operator asks
    await herald(n, ['send'], undefined, relayEnv());
    expect(allCopies().get(inDoubt[0]!.email)).toBeUndefined();
    const resend = await herald(n, ['send', '--resend-in-doubt'], undefined, relayEnv());
    expect(resend.code).toBe(0);
    expect(allCopies().get(inDoubt[0]!.email)).toBe(1);
  });

  test('a daily quota with a warm-up ramp and domain routes are honoured; status shows the quota left', async () => {
    await start({ warm: {}, fresh: {}, bulk: {}, yahoo: {} });
    const now = '2026-03-03T09:00:00Z';
    const subscribers = ['email,name'];
    for (let i = 0; i < 300; i++) subscribers.push(`r${i}@${i % 5 === 0 ? 'gmail.com' : i % 5 === 1 ? 'yahoo.com' : 'example.org'},R ${i}`);
    const n = newsletter(
      [
        { name: 'warm', weight: 1, preferredDomains: ['gmail.com'] },
        // 20 on the first day, ×1.5 a day: 45 two days later
        { name: 'fresh', weight: 10, warmup: { startDate: '2026-03-01', startPerDay: 20, factor: 1.5 } },
        { name: 'bulk', weight: 1 },
        { name: 'yahoo', weight: 1, reservedDomains: ['yahoo.com'] },
      ],
      subscribers.join('\n') + '\n',
    );
    const env = { HERALD_NOW: now };
    expect((await herald(n, ['send'], undefined, relayEnv(env))).code).toBe(0);
    n.write('posts/news.md', '---\ntitle: News\n---\nSomething happened.\n');
    const res = await herald(n, ['send'], undefined, relayEnv(env));
    expect(res.code).toBe(0);

    expect(Math.max(...allCopies().values())).toBe(1);
    expect(allCopies().size).toBe(300);
    const to = (name: string): string[] => servers[name]!.messages.flatMap((m) => m.envelopeTo.map((a) => a.toLowerCase()));
    expect(to('fresh')).toHaveLength(45);
    expect(to('yahoo')).toHaveLength(60);
    expect(to('yahoo').every((a) => a.endsWith('@yahoo.com'))).toBe(true);
    expect(to('warm').filter((a) => a.endsWith('@gmail.com'))).toHaveLength(60);
    for (const name of ['fresh', 'bulk', 'warm']) expect(to(name).some((a) => a.endsWith('@yahoo.com'))).toBe(false);

    const status = await relayStatus(n, env);
    expect(status.find((s) => s.name === 'fresh')).toMatchObject({ sent: 45, quotaLeft: 0 });
    expect(status.find((s) => s.name === 'bulk')).toMatchObject({ quotaLeft: null });

    // a relay at its quota takes no more that day; the others carry the next post
    n.write('posts/more.md', '---\ntitle: More\n---\nMore happened.\n');
    expect((await herald(n, ['send'], undefined, relayEnv(env))).code).toBe(0);
    expect(to('fresh')).toHaveLength(45);
    expect(allCopies().size).toBe(300);
    // the next day its quota is 67
    const later = await relayStatus(n, { HERALD_NOW: '2026-03-04T09:30:00Z' });
    expect(later.find((s) => s.name === 'fresh')!.quotaLeft).toBe(67);
  });

  test('status and log show, per relay, what it sent, deferred and failed', async () => {
    const plan: FaultPlan = { onRcpt: (address) => (address === 'sub0003@example.com' ? '550 5.1.1 No such user' : address === 'sub0004@example.com' ? '451 4.3.0 Try later' : undefined) };
    await start({ left: plan, right: plan });
    const n = newsletter([{ name: 'left', maxPerDay: 100 }, { name: 'right' }], subscribersCsv(20));
    await firstRunThenPost(n);
    expect((await herald(n, ['send'], undefined, relayEnv())).code).toBe(1);
    const status = await relayStatus(n);
    const total = (k: 'sent' | 'deferred' | 'failed'): number => status.reduce((sum, s) => sum + s[k], 0);
    expect([total('sent'), total('deferred'), total('failed')]).toEqual([18, 1, 1]);
    const left = status.find((s) => s.name === 'left')!;
    expect(left.quotaLeft).toBe(100 - left.sent);
    const text = await herald(n, ['status'], undefined, relayEnv());
    expect(text.stdout).toContain(`relay left: sent ${left.sent}, deferred ${left.deferred}, failed ${left.failed}, quota left ${100 - left.sent}`);
    expect(text.stdout).toMatch(/relay right: sent \d+, deferred \d, failed \d, no quota/);
    const log = await herald(n, ['log', '--state', 'failed'], undefined, relayEnv());
    expect(log.stdout).toMatch(/sub0003@example\.com .*550 5\.1\.1 No such user {2}\(relay (left|right)\)/);
  });

  test('a reserved relay that is out: its domain waits for a later run, everyone else goes out now', async () => {
    await start({ general: {}, yahoo: { onConnect: () => 'refuse' } });
    const subscribers = ['email,name', ...Array.from({ length: 30 }, (_, i) => `r${i}@${i % 3 === 0 ? 'yahoo.com' : 'example.org'},R ${i}`)];
    const n = newsletter([{ name: 'general' }, { name: 'yahoo', reservedDomains: ['yahoo.com'] }], subscribers.join('\n') + '\n');
    await firstRunThenPost(n);
    const res = await herald(n, ['send'], undefined, relayEnv());
    expect(res.code).toBe(75);
    const record = await rows(n);
    expect(record.filter((r) => r.state === 'sent').every((r) => r.email.endsWith('@example.org') && r.relay === 'general')).toBe(true);
    expect(record.filter((r) => r.state === 'sent')).toHaveLength(20);
    expect(record.filter((r) => r.state === 'pending').map((r) => r.email).sort()).toEqual(record.filter((r) => r.email.endsWith('@yahoo.com')).map((r) => r.email).sort());
    expect(servers.general!.messages.some((m) => m.envelopeTo.some((a) => a.endsWith('@yahoo.com')))).toBe(false);
  });

  test('every relay out: the run stops with a clear message and exit 75, and loses nothing', async () => {
    await start({ one: {}, two: {} });
    const n = newsletter([{ name: 'one' }, { name: 'two' }], subscribersCsv(50));
    await firstRunThenPost(n);
    const env = relayEnv();
    await Promise.all(Object.values(servers).map((s) => s.close()));
    const res = await herald(n, ['send'], undefined, env);
    expect(res.code).toBe(75);
    expect(res.stderr).toMatch(/sending stopped: no relay can take mail now: one: out \(cannot connect.*two: out \(cannot connect/);
    const record = await rows(n);
    expect(record.filter((r) => r.state === 'pending')).toHaveLength(50);

    servers = {};
    await start({ one: {}, two: {} });
    expect((await herald(n, ['send'], undefined, relayEnv())).code).toBe(0);
    expect(allCopies().size).toBe(50);
    expect(Math.max(...allCopies().values())).toBe(1);
  });

  test('check logs in to every relay and names one whose URL is missing; one relay may use HERALD_SMTP_URL', async () => {
    await start({ main: {}, spare: {} });
    const n = newsletter([{ name: 'main' }, { name: 'spare' }, { name: 'extra-one' }], subscribersCsv(2));
    const res = await herald(n, ['check'], undefined, relayEnv());
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/main: connected to smtp:\/\/127\.0\.0\.1:\d+/);
    expect(res.stdout).toMatch(/spare: connected to/);
    expect(res.stderr).toMatch(/relay "extra-one": HERALD_SMTP_URL_EXTRA_ONE is not set/);
    await firstRunThenPost(n);
    const send = await herald(n, ['send'], undefined, relayEnv());
    expect(send.code).toBe(2);
    expect(send.stderr).toMatch(/relay "extra-one" \(HERALD_SMTP_URL_EXTRA_ONE is not set\)/);

    const single = makeNewsletter({ config: { smtp: FAST_SMTP, relays: [{ name: 'only', maxPerDay: 100 }] }, subscribers: { 'list.csv': subscribersCsv(2) } });
    try {
      const one = await herald(single, ['check'], undefined, { HERALD_SMTP_URL: servers.main!.url });
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/only: connected to/);
    } finally {
      single.remove();
    }
  });
});
