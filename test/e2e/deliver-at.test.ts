import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { spawnCli } from '../support/cli';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald, heraldEnv, output, recordRows, until } from './helpers';

const LIST = 'email,name,timezone\ntokyo@example.com,Tokyo,Asia/Tokyo\nberlin@example.com,Berlin,Europe/Berlin\nchicago@example.com,Chicago,America/Chicago\n';

describe("deliverAt, end to end: each reader's copy goes out at their own 08:00", () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  function newsletter(config: Record<string, unknown> = { deliverAt: '08:00' }, list = LIST): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, ...config },
      posts: { 'old.md': '---\ntitle: Old\ndate: 2026-01-01\n---\nFrom before.\n' },
      subscribers: { 'list.csv': list },
    });
  }

  const at = (iso: string): Record<string, string> => ({ HERALD_NOW: iso });
  const arrived = (): string[] => server.messages.flatMap((m) => m.envelopeTo);

  test('one post crossing three time zones reaches Tokyo, Berlin and Chicago each at 08:00 local, once', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    nl.write('posts/news.md', '---\ntitle: Morning news\ndate: 2026-03-01\n---\nGood morning.\n');
    // midnight UTC: 09:00 in Tokyo (its 08:00 has passed), 01:00 in Berlin, 18:00 the day before in Chicago
    const queued = await herald(nl, ['send'], server, at('2026-03-02T00:00:00Z'));
    expect(queued.code).toBe(0);
    expect(queued.stdout).toContain('"Morning news": 3 recipients wait for 08:00 in their time zone');
    expect(server.messages).toHaveLength(0);
    const status = await herald(nl, ['status'], undefined, at('2026-03-02T00:00:00Z'));
    expect(status.stdout).toMatch(/news — Morning news\n {2}sent 0, failed 0, in doubt 0, pending 3 \(3 waiting for their hour\)/);
    const json = JSON.parse((await herald(nl, ['status', '--json'], undefined, at('2026-03-02T06:59:59Z'))).stdout);
    expect(json.posts.find((p: { id: string }) => p.id === 'news')).toMatchObject({ waiting: 3 });

    const steps: [string, string[]][] = [
      ['2026-03-02T06:59:00Z', []],
      ['2026-03-02T07:00:00Z', ['berlin@example.com']],
      ['2026-03-02T13:59:00Z', ['berlin@example.com']],
      ['2026-03-02T14:00:00Z', ['berlin@example.com', 'chicago@example.com']],
      ['2026-03-02T22:59:00Z', ['berlin@example.com', 'chicago@example.com']],
      ['2026-03-02T23:00:00Z', ['berlin@example.com', 'chicago@example.com', 'tokyo@example.com']],
      ['2026-03-03T23:00:00Z', ['berlin@example.com', 'chicago@example.com', 'tokyo@example.com']],
    ];
    for (const [now, expected] of steps) {
      const res = await herald(nl, ['send'], server, at(now));
      expect(res.code).toBe(0);
      expect(arrived().sort()).toEqual(expected);
    }
    // each copy is dated in the reader's 08:00 hour (HERALD_NOW's clock runs on from its start, so seconds later)
    const hourOf = (to: string, zone: string): string => {
      const date = server.messages.find((m) => m.envelopeTo[0] === to)!.parsed.date!;
      return new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', hourCycle: 'h23' }).format(date);
    };
    expect(hourOf('berlin@example.com', 'Europe/Berlin')).toBe('02/03/2026, 08');
    expect(hourOf('chicago@example.com', 'America/Chicago')).toBe('02/03/2026, 08');
    expect(hourOf('tokyo@example.com', 'Asia/Tokyo')).toBe('03/03/2026, 08');
    expect((await recordRows(nl, 'news')).every((r) => r.state === 'sent')).toBe(true);
    expect([...copiesByRecipient(server).values()]).toEqual([1, 1, 1]);
  });

  test('herald schedule drains what has come due on its tick', async () => {
    server = await startSmtpServer();
    nl = newsletter({ deliverAt: '08:00', schedule: { cron: '* * * * * *', timezone: 'UTC' } });
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    nl.write('posts/news.md', '---\ntitle: Morning news\ndate: 2026-03-01\n---\nGood morning.\n');
    expect((await herald(nl, ['send'], server, at('2026-03-02T00:00:00Z'))).code).toBe(0);
    const child = spawnCli(['schedule', '--now', '--root', nl.root], { env: heraldEnv(server, at('2026-03-02T07:00:00Z')) });
    const io = output(child);
    await until(() => server.messages.length >= 1 && (io.stderr().match(/event=tick /g) ?? []).length >= 2, 'a tick to send the Berlin copy');
    child.kill('SIGTERM');
    expect(await io.exit).toBe(0);
    expect(arrived()).toEqual(['berlin@example.com']);
  });

  test('a reader without a time zone gets the schedule.timezone morning; a wrong zone is named with its line and the run exits 1', async () => {
    server = await startSmtpServer();
    nl = newsletter({ deliverAt: '08:00', schedule: { timezone: 'Europe/Paris' } }, 'email,tz\nplain@example.com,\nwrong@example.com,Atlantis/Capital\n');
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    nl.write('posts/news.md', '---\ntitle: Morning news\ndate: 2026-03-01\n---\nGood morning.\n');
    const res = await herald(nl, ['send'], server, at('2026-03-02T06:00:00Z'));
    expect(res.stderr).toMatch(/subscribers\/list\.csv:3.*"Atlantis\/Capital" is not a time zone/);
    expect(res.code).toBe(1);
    expect(server.messages).toHaveLength(0);
    await herald(nl, ['send'], server, at('2026-03-02T07:00:00Z'));
    expect(arrived().sort()).toEqual(['plain@example.com', 'wrong@example.com']);
  });

  test('without deliverAt every reader gets the post at once, as before', async () => {
    server = await startSmtpServer();
    nl = newsletter({});
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    nl.write('posts/news.md', '---\ntitle: Morning news\ndate: 2026-03-01\n---\nGood morning.\n');
    const res = await herald(nl, ['send'], server, at('2026-03-02T00:00:00Z'));
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain('wait for');
    expect(arrived()).toHaveLength(3);
  });
});
