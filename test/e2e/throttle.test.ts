import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { spawnCli } from '../support/cli';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { copiesByRecipient, FAST_SMTP, herald, heraldEnv, output, recordRows, until } from './helpers';

/** Resolves with the exit code, or with 'still running' when the process outlives `ms` (a generous backstop). */
function exitWithin(exit: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([exit, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms).unref())]);
}

const WARNING = 'MaxListenersExceededWarning';

describe('a throttling SMTP server slows a run down but never stalls it', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
    await server?.close();
    nl?.remove();
  });

  async function setUp(subscribers: number, smtp: Record<string, unknown> = {}): Promise<void> {
    nl = makeNewsletter({ config: { smtp: { ...FAST_SMTP, ...smtp } }, posts: { 'old.md': '# Old\n\nold\n' }, subscribers: { 'list.csv': subscribersCsv(subscribers) } });
    const healthy = await startSmtpServer();
    try {
      expect((await herald(nl, ['send'], healthy)).code).toBe(0);
    } finally {
      await healthy.close();
    }
    nl.write('posts/new.md', '# New\n\nnews\n');
  }

  test('421 to every MAIL FROM after the 30th: the run ends by itself with 30 sent and 10 left for the next run, which sends exactly those 10', async () => {
    let mailFroms = 0;
    server = await startSmtpServer({ onMailFrom: () => (++mailFroms > 30 ? '421 4.7.0 Too many messages, slow down' : undefined) });
    await setUp(40);
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(75);
    expect(res.stdout).toMatch(/sent 30, failed 0, deferred 0, in doubt 0, left for the next run 10/);
    expect(res.stderr).not.toContain(WARNING);
    expect(server.messages).toHaveLength(30);
    // each of the 10 got at most 1 + smtp.retries attempts
    expect(mailFroms - 30).toBeGreaterThanOrEqual(10);
    expect(mailFroms - 30).toBeLessThanOrEqual(10 * (1 + FAST_SMTP.retries));
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(30);
    const left = rows.filter((r) => r.state === 'pending');
    expect(left).toHaveLength(10);
    // those tried were refused with the 421; the others were never reached after the run gave up
    expect(left.some((r) => r.reply?.includes('421 4.7.0'))).toBe(true);
    expect(left.every((r) => r.reply === null || r.reply.includes('421 4.7.0'))).toBe(true);
    await server.close();

    server = await startSmtpServer();
    const next = await herald(nl, ['send'], server);
    expect(next.code).toBe(0);
    expect(next.stderr).not.toContain('in flight when an earlier run stopped');
    expect(server.messages.map((m) => m.envelopeTo[0]).sort()).toEqual(left.map((r) => r.email).sort());
    expect((await recordRows(nl, 'new')).every((r) => r.state === 'sent')).toBe(true);
  });

  test('454 to RCPT TO for 5 of 105 recipients: only those 5 wait and retry; the other 100 go out on their connections', async () => {
    const throttled = new Set(['sub0010@example.com', 'sub0030@example.com', 'sub0050@example.com', 'sub0070@example.com', 'sub0090@example.com']);
    const rcpts = new Map<string, number>();
    server = await startSmtpServer({
      onRcpt: (address) => {
        rcpts.set(address, (rcpts.get(address) ?? 0) + 1);
        return throttled.has(address) ? '454 4.7.0 Throttling failure: Maximum sending rate exceeded' : undefined;
      },
    });
    // the deadline is only a backstop: a run held back for everyone by five recipients would reach it
    await setUp(105, { runDeadlineMinutes: 1 });
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(75);
    expect(res.stdout).toMatch(/sent 100, failed 0, deferred 0, in doubt 0, left for the next run 5/);
    expect(res.stdout).not.toContain('run deadline');
    expect(res.stderr).not.toContain('slow down');
    expect(res.stderr).not.toContain(WARNING);
    expect(server.messages).toHaveLength(100);
    expect(Math.max(...copiesByRecipient(server).values())).toBe(1);
    for (const address of throttled) expect(rcpts.get(address)).toBe(1 + FAST_SMTP.retries);
    // a recipient's 454 leaves its connection open: no reconnect per refusal
    expect(server.connectionsOpened).toBeLessThanOrEqual(2 * FAST_SMTP.connections);
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'pending').map((r) => r.email).sort()).toEqual([...throttled].sort());

    throttled.clear();
    const next = await herald(nl, ['send'], server);
    expect(next.code).toBe(0);
    expect(server.messages).toHaveLength(105);
    expect(Math.max(...copiesByRecipient(server).values())).toBe(1);
  });

  test('SIGTERM during a throttle pause ends the run at once; nobody is left sending or in doubt', async () => {
    let mailFroms = 0;
    server = await startSmtpServer({ onMailFrom: () => (++mailFroms > 10 ? '421 4.7.0 Too many messages, slow down' : undefined) });
    // a one-minute pause: longer than the backstop below and than herald's 30 s grace
    await setUp(20, { retryDelayMs: 60_000 });
    child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => mailFroms > 10, 'the first 421');
    // let herald read the reply and begin its pause
    await new Promise((r) => setTimeout(r, 500));
    const refusedBeforeStop = mailFroms;
    child.kill('SIGTERM');
    expect(await exitWithin(io.exit, 20_000)).toBe(1);
    expect(io.stdout()).toContain('stopped before the end');
    expect(io.stderr()).not.toContain('messages still in flight after the grace period');
    expect(io.stderr()).not.toContain(WARNING);
    expect(mailFroms).toBe(refusedBeforeStop);
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'sending' || r.state === 'in_doubt')).toHaveLength(0);
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(10);
    expect(rows.filter((r) => r.state === 'pending')).toHaveLength(10);
    await server.close();

    server = await startSmtpServer();
    const next = await herald(nl, ['send'], server);
    expect(next.code).toBe(0);
    expect(next.stderr).not.toContain('in flight when an earlier run stopped');
    expect(server.messages).toHaveLength(10);
    expect((await recordRows(nl, 'new')).every((r) => r.state === 'sent')).toBe(true);
  });

  test('SIGTERM while waiting to reconnect ends the run at once; nobody is left sending or in doubt', async () => {
    server = await startSmtpServer();
    await setUp(3, { connections: 1, retries: 3, retryDelayMs: 60_000 });
    // a server that hangs up on every connection: herald waits a minute before connecting again
    let connections = 0;
    const hangUp = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => hangUp.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (hangUp.address() as net.AddressInfo).port;
      child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(undefined, { HERALD_SMTP_URL: `smtp://127.0.0.1:${port}` }) });
      const io = output(child);
      await until(() => connections >= 1, 'the first connection');
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGTERM');
      expect(await exitWithin(io.exit, 20_000)).toBe(1);
      expect(connections).toBe(1);
      expect(io.stdout()).toContain('stopped before the end');
      expect(io.stderr()).not.toContain('cannot connect to the SMTP server');
      expect(io.stderr()).not.toContain(WARNING);
      const rows = await recordRows(nl, 'new');
      expect(rows.map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);
    } finally {
      hangUp.close();
    }
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(3);
  });
});
