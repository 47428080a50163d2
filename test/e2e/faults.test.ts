import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, recordRows } from './helpers';

const LIST = 'email,name\na@example.com,A\nb@example.com,B\nc@example.com,C\nd@example.com,D\n';

describe('SMTP faults during herald send', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  async function newsletterWithNewPost(smtp: Record<string, unknown> = {}): Promise<void> {
    nl = makeNewsletter({ config: { smtp: { ...FAST_SMTP, ...smtp } }, posts: { 'old.md': '# Old\n\nold\n' }, subscribers: { 'list.csv': LIST } });
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\nnews\n');
  }

  test('a 451 defers that recipient to a later run; the others are sent; exit 75', async () => {
    server = await startSmtpServer({ onRcpt: (addr) => (addr === 'b@example.com' ? '451 4.3.0 Try again later' : undefined) });
    await newsletterWithNewPost();
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(75);
    expect(res.stdout).toMatch(/sent 3, failed 0, deferred 1/);
    const b = (await recordRows(nl, 'new')).find((r) => r.email === 'b@example.com')!;
    expect(b.state).toBe('deferred');
    expect(b.reply).toContain('451 4.3.0');
    // not due yet: the next run leaves it alone
    await herald(nl, ['send'], server);
    expect(server.messagesTo('b@example.com')).toHaveLength(0);
  });

  test('a deferred recipient is retried by a later run once due, and failed once deferred for too long', async () => {
    let refuse = true;
    server = await startSmtpServer({ onRcpt: (addr) => (refuse && addr !== 'a@example.com' ? '451 4.7.1 Greylisted' : undefined) });
    nl = makeNewsletter({
      // retry after 30 ms, doubling; give up after 1.8 s
      config: { smtp: FAST_SMTP, deferral: { firstRetryMinutes: 0.0005, giveUpAfterHours: 0.0005 } },
      posts: { 'old.md': '# Old\n\nold\n' },
      subscribers: { 'list.csv': LIST },
    });
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\nnews\n');
    expect((await herald(nl, ['send'], server)).code).toBe(75);
    expect(server.messages).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    refuse = false;
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages.map((m) => m.envelopeTo[0]).sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);

    refuse = true;
    nl.write('posts/newer.md', '# Newer\n\nnews\n');
    await herald(nl, ['send'], server);
    await new Promise((r) => setTimeout(r, 2000));
    const late = await herald(nl, ['send'], server);
    expect(late.stderr).toContain('3 deferred recipients failed: still refused after');
    const rows = await recordRows(nl, 'newer');
    expect(rows.filter((r) => r.state === 'failed')).toHaveLength(3);
    expect(rows.find((r) => r.state === 'failed')!.reply).toMatch(/^gave up: still deferred .*451 4\.7\.1 Greylisted/);
  });

  test('a connection dropped after the data leaves that recipient in doubt, not resent', async () => {
    server = await startSmtpServer({ onData: (_msg, n) => (n === 2 ? 'drop' : undefined) });
    await newsletterWithNewPost({ connections: 1 });
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/sent 3, failed 0, deferred 0, in doubt 1/);
    expect(server.droppedAfterData).toHaveLength(1);
    const dropped = server.droppedAfterData[0]!.envelopeTo[0]!;
    const rows = await recordRows(nl, 'new');
    expect(rows.find((r) => r.email === dropped)!.state).toBe('in_doubt');
    await herald(nl, ['send'], server);
    expect(server.messagesTo(dropped)).toHaveLength(0);
  });

  test('a 421 before the data reconnects and retries: nobody fails, nobody gets two', async () => {
    let rcpts = 0;
    server = await startSmtpServer({ onRcpt: () => (++rcpts === 2 ? '421 4.7.0 Too many messages, closing' : undefined) });
    await newsletterWithNewPost({ connections: 1 });
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/sent 4, failed 0/);
    expect(server.messages).toHaveLength(4);
    expect(new Set(server.messages.map((m) => m.envelopeTo[0])).size).toBe(4);
    expect(server.connectionsOpened).toBeGreaterThanOrEqual(2);
  });

  test('a connection lost before the data is retried on a new connection: nobody fails, nobody gets two', async () => {
    let rcpts = 0;
    server = await startSmtpServer({ onRcpt: () => (++rcpts === 2 ? 'drop' : undefined) });
    await newsletterWithNewPost({ connections: 1 });
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/sent 4, failed 0, deferred 0, in doubt 0/);
    expect(server.messages).toHaveLength(4);
    expect(new Set(server.messages.map((m) => m.envelopeTo[0])).size).toBe(4);
    expect(server.connectionsOpened).toBeGreaterThanOrEqual(2);
    expect((await recordRows(nl, 'new')).every((r) => r.state === 'sent')).toBe(true);
  });

  test('a stalled server after the data times out into in doubt instead of hanging', async () => {
    server = await startSmtpServer({ onData: (_msg, n) => (n === 1 ? 'stall' : undefined) });
    await newsletterWithNewPost({ connections: 1, socketTimeoutMs: 500 });
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/sent 3, failed 0, deferred 0, in doubt 1/);
  });

  test('a 5xx on MAIL FROM aborts the run and marks nobody failed', async () => {
    server = await startSmtpServer({ onMailFrom: () => '553 5.7.1 Sender address not verified' });
    await newsletterWithNewPost();
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('sending stopped: 553 5.7.1 Sender address not verified');
    const rows = await recordRows(nl, 'new');
    expect(rows.some((r) => r.state === 'failed')).toBe(false);
    expect(rows.every((r) => r.state === 'pending')).toBe(true);
  });

  test('a Unicode address fails alone when the server does not offer SMTPUTF8, and is sent when it does', async () => {
    server = await startSmtpServer({ smtputf8: false });
    nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'old.md': '# Old\n\nold\n' }, subscribers: { 'list.csv': `${LIST}zoë@example.org,Zoë\n` } });
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\nnews\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/sent 4, failed 1/);
    const zoe = (await recordRows(nl, 'new')).find((r) => r.email === 'zoë@example.org')!;
    expect(zoe.state).toBe('failed');
    expect(zoe.reply).toContain('SMTPUTF8');
    await server.close();

    server = await startSmtpServer();
    nl.write('posts/newer.md', '# Newer\n\nnews\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messagesTo('zoë@example.org')).toHaveLength(1);
    expect(server.messagesTo('zoë@example.org')[0]!.parsed.to).toBeDefined();
  });

  test('an unreachable server leaves everyone pending for the next run', async () => {
    server = await startSmtpServer();
    await newsletterWithNewPost({ retries: 1, retryDelayMs: 20 });
    const url = server.url;
    await server.close();
    const res = await herald(nl, ['send'], undefined, { HERALD_SMTP_URL: url });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot connect to the SMTP server');
    const rows = await recordRows(nl, 'new');
    expect(rows.every((r) => r.state === 'pending')).toBe(true);
  });
});
