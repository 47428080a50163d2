import { spawnCli } from '../support/cli';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, heraldEnv, herald, killWhen, recordRows } from './helpers';

const SUBSCRIBERS = 300;
const RELAYS = [
  { name: 'a', weight: 1, connections: 2 },
  { name: 'b', weight: 2, connections: 3 },
  { name: 'c', weight: 1, connections: 2, messagesPerSecond: 200 },
];
const CONNECTIONS = RELAYS.reduce((n, r) => n + r.connections, 0);

describe('a send through several relays killed with SIGKILL and run again', () => {
  let servers: TestSmtpServer[] = [];
  let nl: TempNewsletter | undefined;

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    nl?.remove();
  });

  function env(): Record<string, string | undefined> {
    return heraldEnv(undefined, Object.fromEntries(RELAYS.map((r, i) => [`HERALD_SMTP_URL_${r.name.toUpperCase()}`, servers[i]!.url])));
  }

  function accepted(): number {
    return servers.reduce((n, s) => n + s.messages.length, 0);
  }

  function copies(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of servers) for (const [to, n] of copiesByRecipient(s)) out.set(to, (out.get(to) ?? 0) + n);
    return out;
  }

  test.each([
    [20, 10],
    [140, 0],
    [260, 5],
  ])('killed after %i accepted messages (server delay %i ms): nobody gets two copies on any relay, nobody is skipped silently', async (killAfter, dataDelayMs) => {
    servers = await Promise.all(RELAYS.map(() => startSmtpServer({ dataDelayMs })));
    nl = makeNewsletter({ config: { smtp: FAST_SMTP, relays: RELAYS }, posts: { 'old.md': '# Old\n\nold\n' }, subscribers: { 'list.csv': subscribersCsv(SUBSCRIBERS) } });
    expect((await herald(nl, ['send'], undefined, env())).code).toBe(0);
    nl.write('posts/big-news.md', '---\ntitle: Big news\n---\nSomething happened.\n');

    const child = spawnCli(['send', '--root', nl.root], { env: env() });
    await killWhen(child, () => accepted() >= killAfter);
    expect(accepted()).toBeLessThan(SUBSCRIBERS);

    const rerun = await herald(nl, ['send'], undefined, env());
    const got = copies();
    expect(Math.max(...got.values())).toBe(1);
    const rows = (await recordRows(nl, 'big-news')) as unknown as { email: string; state: string; relay: string | null }[];
    expect(rows).toHaveLength(SUBSCRIBERS);
    const inDoubt = rows.filter((r) => r.state === 'in_doubt');
    expect(inDoubt.length).toBeLessThanOrEqual(CONNECTIONS);
    for (const row of rows) {
      if (row.state === 'sent') {
        expect(got.get(row.email)).toBe(1);
        // the relay the record names is the one that has the message
        expect(servers[RELAYS.findIndex((r) => r.name === row.relay)]!.messagesTo(row.email)).toHaveLength(1);
      } else {
        expect(row.state).toBe('in_doubt');
      }
    }
    expect(rerun.code).toBe(inDoubt.length ? 1 : 0);

    // in doubt stays in doubt on every relay until the operator asks
    const before = accepted();
    await herald(nl, ['send'], undefined, env());
    expect(accepted()).toBe(before);
    if (inDoubt.length) {
      expect((await herald(nl, ['send', '--resend-in-doubt'], undefined, env())).code).toBe(0);
      expect((await recordRows(nl, 'big-news')).every((r) => r.state === 'sent')).toBe(true);
      expect(copies().size).toBe(SUBSCRIBERS);
    }
  });
});
