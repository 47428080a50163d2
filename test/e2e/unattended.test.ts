import net from 'node:net';
import { spawnCli } from '../support/cli';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { copiesByRecipient, FAST_SMTP, herald, heraldEnv, output, recordRows, until } from './helpers';

describe('unattended operation', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  async function setUp(subscribers: number, config: Record<string, unknown> = {}, smtp: Record<string, unknown> = {}): Promise<void> {
    nl = makeNewsletter({
      config: { smtp: { ...FAST_SMTP, ...smtp }, ...config },
      posts: { 'old.md': '# Old\n\nold\n' },
      subscribers: { 'list.csv': subscribersCsv(subscribers) },
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
  }

  test('SIGTERM during a send stops taking recipients, records everything, exits 1, and a rerun completes the post', async () => {
    server = await startSmtpServer({ dataDelayMs: 40 });
    await setUp(120);
    nl.write('posts/new.md', '# New\n\nnews\n');
    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => server.messages.length >= 20, '20 messages');
    child.kill('SIGTERM');
    expect(await io.exit).toBe(1);
    expect(io.stderr()).toContain('SIGTERM: stopping');
    expect(io.stdout()).toMatch(/total: sent \d+/);
    expect(io.stdout()).toContain('stopped before the end');
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'sending')).toHaveLength(0);
    expect(rows.filter((r) => r.state === 'in_doubt')).toHaveLength(0);
    expect(rows.filter((r) => r.state === 'sent').length).toBe(server.messages.length);
    const rerun = await herald(nl, ['send'], server);
    expect(rerun.code).toBe(0);
    expect(server.messages).toHaveLength(120);
    expect(Math.max(...copiesByRecipient(server).values())).toBe(1);
  });

  test('herald schedule sends new posts on its ticks, never twice, and stops cleanly on SIGTERM', async () => {
    server = await startSmtpServer();
    await setUp(5, { schedule: { cron: '* * * * * *', timezone: 'Europe/London' } });
    const child = spawnCli(['schedule', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => io.stderr().includes('event=schedule-start'), 'the scheduler to start');
    nl.write('posts/first.md', '# First\n\none\n');
    await until(() => server.messages.length >= 5, 'the first post');
    nl.write('posts/second.md', '# Second\n\ntwo\n');
    await until(() => server.messages.length >= 10, 'the second post');
    await until(() => (io.stderr().match(/event=tick /g) ?? []).length >= 4, 'a few more ticks');
    child.kill('SIGTERM');
    expect(await io.exit).toBe(0);
    expect(io.stderr()).toContain('event=schedule-stop');
    expect(io.stderr()).toMatch(/event=tick code=0 sent=5/);
    expect(server.messages).toHaveLength(10);
    expect([...copiesByRecipient(server).values()].every((n) => n === 2)).toBe(true);
  });

  test('an invalid cron expression is a settings error naming the file', async () => {
    nl = makeNewsletter({ config: { schedule: { cron: 'every ten minutes' } } });
    const res = await herald(nl, ['schedule']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/herald\.config\.json: schedule\.cron "every ten minutes" is not a cron expression/);
  });

  test('a run that reaches its deadline stops taking recipients, records everything and leaves the rest for the next run', async () => {
    server = await startSmtpServer({ dataDelayMs: 50 });
    await setUp(200, {}, { runDeadlineMinutes: 0.01, connections: 2 });
    nl.write('posts/new.md', '# New\n\nnews\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(75);
    expect(res.stdout).toContain('the run deadline was reached; the next run continues.');
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'sending' || r.state === 'in_doubt')).toHaveLength(0);
    expect(rows.filter((r) => r.state === 'sent').length).toBe(server.messages.length);
    expect(server.messages.length).toBeLessThan(200);
  });

  test('messagesPerSecond is respected', async () => {
    server = await startSmtpServer();
    await setUp(21, {}, { messagesPerSecond: 20 });
    nl.write('posts/new.md', '# New\n\nnews\n');
    const started = Date.now();
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(21);
    // 21 messages at 20 per second cannot take less than one second
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test('maxPerRun and maxPerDay cap the messages exactly; the rest waits for later runs', async () => {
    server = await startSmtpServer();
    await setUp(30, {}, { maxPerRun: 10, maxPerDay: 25 });
    nl.write('posts/new.md', '# New\n\nnews\n');
    const first = await herald(nl, ['send'], server);
    expect(first.code).toBe(75);
    expect(server.messages).toHaveLength(10);
    await herald(nl, ['send'], server);
    expect(server.messages).toHaveLength(20);
    const third = await herald(nl, ['send'], server);
    expect(server.messages).toHaveLength(25);
    expect(third.stderr).toContain('message cap was reached');
    await herald(nl, ['send'], server);
    expect(server.messages).toHaveLength(25);
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'pending')).toHaveLength(5);
  });

  test('454 throttling slows the run down and fails nobody', async () => {
    let n = 0;
    server = await startSmtpServer({ onRcpt: () => (++n <= 3 ? '454 4.7.0 Throttling failure: Maximum sending rate exceeded' : undefined) });
    await setUp(6, {}, { connections: 1, retries: 5 });
    nl.write('posts/new.md', '# New\n\nnews\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/sent 6, failed 0/);
    expect(server.messages).toHaveLength(6);
  });

  test('a 550 fails that recipient and suppresses the address for later posts', async () => {
    server = await startSmtpServer({ onRcpt: (a) => (a === 'sub0002@example.com' ? '550 5.1.1 <sub0002@example.com>: Recipient address rejected: User unknown' : undefined) });
    await setUp(3);
    nl.write('posts/one.md', '# One\n\n1\n');
    expect((await herald(nl, ['send'], server)).code).toBe(1);
    expect(nl.read('subscribers/suppressed.csv')).toMatch(/sub0002@example\.com,bounced,/);
    nl.write('posts/two.md', '# Two\n\n2\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const rows = await recordRows(nl, 'two');
    expect(rows.map((r) => r.email).sort()).toEqual(['sub0001@example.com', 'sub0003@example.com']);
  });

  test('a 450 after the data defers; a 452 on RCPT defers; neither fails', async () => {
    server = await startSmtpServer({
      onRcpt: (a) => (a === 'sub0001@example.com' ? '452 4.2.2 Mailbox full' : undefined),
      onData: (m) => (m.envelopeTo[0] === 'sub0002@example.com' ? '450 4.7.1 Greylisted, try again' : undefined),
    });
    await setUp(3);
    nl.write('posts/new.md', '# New\n\nnews\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(75);
    const rows = await recordRows(nl, 'new');
    expect(rows.find((r) => r.email === 'sub0001@example.com')!.state).toBe('deferred');
    expect(rows.find((r) => r.email === 'sub0002@example.com')!.state).toBe('deferred');
    expect(rows.find((r) => r.email === 'sub0003@example.com')!.state).toBe('sent');
  });

  test('a server that never greets times out instead of hanging, and nobody is failed', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      server = await startSmtpServer();
      await setUp(2, {}, { greetingTimeoutMs: 300, connectionTimeoutMs: 300, retries: 1, retryDelayMs: 10 });
      nl.write('posts/new.md', '# New\n\nnews\n');
      const res = await herald(nl, ['send'], undefined, { HERALD_SMTP_URL: `smtp://127.0.0.1:${port}` });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('cannot connect to the SMTP server');
      const rows = await recordRows(nl, 'new');
      expect(rows.every((r) => r.state === 'pending')).toBe(true);
    } finally {
      silent.close();
    }
  });

  test('a lock left by a run killed with SIGKILL is taken over', async () => {
    server = await startSmtpServer({ onData: () => 'stall' });
    await setUp(2);
    nl.write('posts/new.md', '# New\n\nnews\n');
    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => server.droppedAfterData.length >= 1, 'the first message to stall');
    const busy = await herald(nl, ['send'], server);
    expect(busy.code).toBe(75);
    expect(busy.stderr).toMatch(/another herald is already running here \(herald send, pid \d+/);
    child.kill('SIGKILL');
    await io.exit;
    await server.close();
    server = await startSmtpServer();
    const after = await herald(nl, ['send'], server);
    expect(after.stderr).toContain('in flight when an earlier run stopped');
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'in_doubt').length).toBeGreaterThanOrEqual(1);
    expect(rows.filter((r) => r.state === 'in_doubt').length).toBeLessThanOrEqual(FAST_SMTP.connections);
  });
});
