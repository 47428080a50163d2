import { spawnCli } from '../support/cli';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald, heraldEnv, killWhen, recordRows } from './helpers';

const SUBSCRIBERS = 300;
const CONNECTIONS = FAST_SMTP.connections;

describe('a send killed with SIGKILL and run again', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  async function killMidway(killAfter: number): Promise<void> {
    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server) });
    await killWhen(child, () => server.messages.length >= killAfter);
  }

  // spread over the run; a delay of 0 lands the kill right after the server accepted a message,
  // a delay lands it while the server holds a message it has not answered yet
  test.each([
    [1, 15],
    [30, 15],
    [75, 0],
    [120, 5],
    [150, 15],
    [200, 0],
    [240, 5],
    [285, 15],
  ])('killed after %i accepted messages (server delay %i ms): nobody gets two copies, nobody is skipped silently', async (killAfter, dataDelayMs) => {
    server = await startSmtpServer({ dataDelayMs });
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP },
      posts: { 'old.md': '# Old\n\nold\n' },
      subscribers: { 'list.csv': subscribersCsv(SUBSCRIBERS) },
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    nl.write('posts/big-news.md', '---\ntitle: Big news\n---\nSomething happened.\n');

    await killMidway(killAfter);
    const beforeRerun = server.messages.length;
    expect(beforeRerun).toBeLessThan(SUBSCRIBERS);

    const rerun = await herald(nl, ['send'], server);
    expect(rerun.stderr).toMatch(/in flight when an earlier run stopped|^$/);

    const copies = copiesByRecipient(server);
    expect(Math.max(...copies.values())).toBe(1);
    const rows = await recordRows(nl, 'big-news');
    expect(rows).toHaveLength(SUBSCRIBERS);
    const inDoubt = rows.filter((r) => r.state === 'in_doubt');
    expect(inDoubt.length).toBeLessThanOrEqual(CONNECTIONS);
    for (const row of rows) {
      if (row.state === 'sent') expect(copies.get(row.email)).toBe(1);
      else expect(row.state).toBe('in_doubt');
    }
    // every recipient without a copy is reported, never silently skipped
    for (const row of rows) if (!copies.has(row.email)) expect(row.state).toBe('in_doubt');
    expect(rerun.code).toBe(inDoubt.length ? 1 : 0);

    const status = JSON.parse((await herald(nl, ['status', '--json'])).stdout) as { posts: { id: string; counts: Record<string, number> }[] };
    const counts = status.posts.find((p) => p.id === 'big-news')!.counts;
    expect(counts.sent + counts.in_doubt).toBe(SUBSCRIBERS);

    // a third run leaves the in-doubt recipients alone unless asked
    await herald(nl, ['send'], server);
    expect(server.messages.length).toBe(rows.filter((r) => r.state === 'sent').length + inDoubt.filter((r) => copies.has(r.email)).length);
    if (inDoubt.length) {
      const resend = await herald(nl, ['send', '--resend-in-doubt'], server);
      expect(resend.code).toBe(0);
      const after = await recordRows(nl, 'big-news');
      expect(after.every((r) => r.state === 'sent')).toBe(true);
    }
  });
});
