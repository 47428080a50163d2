/**
 * Tests of the test-support library itself, with nodemailer as an independent SMTP
 * client: if these helpers lie, every suite built on them lies too.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { startSmtpServer } from './smtp-server';
import type { FaultPlan, TestSmtpServer } from './smtp-server';
import { makeNewsletter, subscribersCsv } from './newsletter';
import type { TempNewsletter } from './newsletter';

type SmtpError = Error & { code?: string; responseCode?: number };

const servers: TestSmtpServer[] = [];
const newsletters: TempNewsletter[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  newsletters.splice(0).forEach((newsletter) => newsletter.remove());
});

async function server(plan?: FaultPlan): Promise<TestSmtpServer> {
  const started = await startSmtpServer(plan);
  servers.push(started);
  return started;
}

function newsletter(...args: Parameters<typeof makeNewsletter>): TempNewsletter {
  const made = makeNewsletter(...args);
  newsletters.push(made);
  return made;
}

function transportFor(target: TestSmtpServer | string) {
  return typeof target === 'string'
    ? nodemailer.createTransport(target)
    : nodemailer.createTransport({ host: '127.0.0.1', port: target.port, secure: false, ignoreTLS: true });
}

function send(target: TestSmtpServer | string, to: string | string[], subject = 'Hello') {
  return transportFor(target).sendMail({
    from: 'Test Letter <news@example.com>',
    to,
    subject,
    text: 'Plain body',
    html: '<p>HTML body</p>',
  });
}

/** The error a send failed with; fails the test if the send unexpectedly succeeded. */
async function failure(sending: Promise<unknown>): Promise<SmtpError> {
  try {
    await sending;
  } catch (err) {
    return err as SmtpError;
  }
  throw new Error('expected the send to fail, but it succeeded');
}

/**
 * Speaks SMTP over a bare socket, one command per reply, and resolves with everything the
 * server sent once *the server* closes the connection (the test times out if it never does).
 */
function rawSession(port: number, commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const pending = [...commands];
    let transcript = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      transcript += chunk;
      const next = pending.shift();
      if (next !== undefined) socket.write(next + '\r\n');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(transcript));
  });
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startSmtpServer', () => {
  it('receives and parses a message with its envelope', async () => {
    const smtp = await server();
    expect(smtp.url).toBe(`smtp://127.0.0.1:${smtp.port}`);

    await send(smtp, 'Reader <Reader@Example.com>', 'Issue #1');

    // stored before the 250 went out, so no waiting is needed
    expect(smtp.messages).toHaveLength(1);
    const [msg] = smtp.messages;
    expect(msg.envelopeFrom).toBe('news@example.com');
    // nodemailer lowercases the domain; the server keeps what it was sent
    expect(msg.envelopeTo).toEqual(['Reader@example.com']);
    expect(msg.parsed.subject).toBe('Issue #1');
    expect(msg.parsed.text?.trim()).toBe('Plain body');
    expect(msg.parsed.html).toContain('<p>HTML body</p>');
    expect(msg.raw.toString()).toContain('Subject: Issue #1');
    expect(msg.connectionId).toEqual(expect.any(String));
    expect(smtp.messagesTo('reader@example.com')).toEqual([msg]);
    expect(smtp.connectionsOpened).toBe(1);
    expect(smtp.maxConcurrentConnections).toBe(1);
    await expect(smtp.waitForMessages(1)).resolves.toEqual([msg]);
  });

  it('rejects a single recipient from onRcpt', async () => {
    const seen: [string, number][] = [];
    const smtp = await server({
      onRcpt(address, n) {
        seen.push([address, n]);
        return address.startsWith('bad') ? '550 5.1.1 No such user' : undefined;
      },
    });

    const info = await send(smtp, ['good@example.com', 'bad@example.com']);

    expect(seen).toEqual([
      ['good@example.com', 1],
      ['bad@example.com', 2],
    ]);
    expect(info.rejected).toEqual(['bad@example.com']);
    const rejection = (info.rejectedErrors ?? [])[0] as SmtpError;
    expect(rejection.responseCode).toBe(550);
    expect(rejection.message).toContain('5.1.1 No such user');
    expect(smtp.messages.map((m) => m.envelopeTo)).toEqual([['good@example.com']]);
    expect(smtp.messagesTo('bad@example.com')).toEqual([]);
  });

  it('closes the connection after a 421 reply', async () => {
    const smtp = await server({ onMailFrom: () => '421 4.7.0 Going away' });

    const transcript = await rawSession(smtp.port, ['EHLO client.test', 'MAIL FROM:<news@example.com>']);

    expect(transcript).toMatch(/421 4\.7\.0 Going away\r\n$/);
    const err = await failure(send(smtp, 'a@example.com'));
    expect(err.responseCode).toBe(421);
  });

  it('advertises SMTPUTF8 unless told not to', async () => {
    const withUtf8 = await server();
    const withoutUtf8 = await server({ smtputf8: false });

    expect(await rawSession(withUtf8.port, ['EHLO client.test', 'QUIT'])).toContain('SMTPUTF8');
    expect(await rawSession(withoutUtf8.port, ['EHLO client.test', 'QUIT'])).not.toContain('SMTPUTF8');
  });

  it("records a 'drop' after DATA and the client sees the connection die", async () => {
    const smtp = await server({ onData: (_msg, n) => (n === 1 ? 'drop' : undefined) });

    const err = await failure(send(smtp, 'a@example.com'));

    expect(err).toBeInstanceOf(Error);
    expect(err.responseCode).toBeUndefined(); // no reply was ever sent
    expect(err.code).toBe('ECONNECTION');
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.droppedAfterData).toHaveLength(1);
    expect(smtp.droppedAfterData[0].envelopeTo).toEqual(['a@example.com']);
    expect(smtp.droppedAfterData[0].raw.toString()).toContain('Subject: Hello');

    // the fault only hit message 1; the server keeps accepting
    await send(smtp, 'a@example.com');
    expect(smtp.messages).toHaveLength(1);
  });

  it('rejects DATA with an injected reply', async () => {
    const smtp = await server({ onData: () => '451 4.3.0 Try later' });

    const err = await failure(send(smtp, 'a@example.com'));

    expect(err.responseCode).toBe(451);
    expect(err.message).toContain('4.3.0 Try later');
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.droppedAfterData).toHaveLength(0);
  });

  describe('auth', () => {
    const auth = { user: 'news@example.com', pass: 'p@ss:word/1' };

    it('puts URL-encoded credentials in the url, with herald\'s opt-out of TLS', async () => {
      const smtp = await server({ auth });
      expect(smtp.url).toBe(`smtp://news%40example.com:p%40ss%3Aword%2F1@127.0.0.1:${smtp.port}?tls=off`);
    });

    it('fails a wrong password with 535', async () => {
      const smtp = await server({ auth });
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        ignoreTLS: true,
        auth: { user: auth.user, pass: 'wrong' },
      });

      const err = await failure(transport.sendMail({ from: 'news@example.com', to: 'a@example.com', text: 'x' }));

      expect(err.responseCode).toBe(535);
      expect(err.message).toContain('5.7.8 Authentication failed');
      expect(smtp.messages).toHaveLength(0);
    });

    it('accepts the right password', async () => {
      const smtp = await server({ auth });
      await send(smtp.url, 'a@example.com');
      expect(smtp.messages).toHaveLength(1);
    });

    it('refuses mail without authentication', async () => {
      const smtp = await server({ auth });
      const err = await failure(send(smtp, 'a@example.com'));
      expect(err.responseCode).toBe(530);
    });
  });

  it('waitForMessages times out saying how many arrived', async () => {
    const smtp = await server();
    await send(smtp, 'a@example.com');

    await expect(smtp.waitForMessages(3, 100)).rejects.toThrow(/expected 3 message\(s\) within 100 ms, but only 1 arrived/);
  });

  it('waitForMessages resolves once enough messages arrive', async () => {
    const smtp = await server();
    const waiting = smtp.waitForMessages(2, 5000);

    await send(smtp, 'a@example.com');
    await send(smtp, 'b@example.com');

    expect((await waiting).map((m) => m.envelopeTo[0])).toEqual(['a@example.com', 'b@example.com']);
  });

  it('close() tears down a stalled connection promptly', async () => {
    const smtp = await server({ onData: () => 'stall' });
    const sending = failure(send(smtp, 'a@example.com'));
    await until(() => smtp.droppedAfterData.length === 1);

    const started = Date.now();
    await smtp.close();
    await smtp.close(); // second call is harmless

    expect(Date.now() - started).toBeLessThan(2000);
    expect(await sending).toBeInstanceOf(Error);
    expect(smtp.messages).toHaveLength(0);
  });

  it('delays DATA replies by dataDelayMs', async () => {
    const smtp = await server({ dataDelayMs: 300 });
    const started = Date.now();
    await send(smtp, 'a@example.com');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('counts concurrent connections', async () => {
    const smtp = await server({ dataDelayMs: 200 });
    await Promise.all(['a', 'b', 'c'].map((user) => send(smtp, `${user}@example.com`)));
    expect(smtp.connectionsOpened).toBe(3);
    expect(smtp.maxConcurrentConnections).toBe(3);
    expect(smtp.messages).toHaveLength(3);
  });
});

describe('makeNewsletter', () => {
  it('writes config, posts, templates and subscribers', () => {
    const letter = newsletter({
      config: { name: 'Override', schedule: '0 9 * * 1' },
      posts: { 'hello.md': '# Hello', '2024/nested/deep.md': Buffer.from('# Deep') },
      templates: { 'plain.mjml': '<mjml></mjml>' },
      subscribers: { 'list.csv': subscribersCsv(2) },
    });

    expect(path.basename(letter.root)).toMatch(/^herald-test-/);
    expect(JSON.parse(letter.read('herald.config.json'))).toEqual({
      name: 'Override',
      siteUrl: 'https://blog.example.com/',
      from: 'Test Letter <news@example.com>',
      schedule: '0 9 * * 1',
    });
    expect(letter.read('posts/hello.md')).toBe('# Hello');
    expect(letter.read('posts/2024/nested/deep.md')).toBe('# Deep');
    expect(letter.read('templates/plain.mjml')).toBe('<mjml></mjml>');
    expect(letter.read('subscribers/list.csv')).toBe(
      'email,name\nsub0001@example.com,Reader 1\nsub0002@example.com,Reader 2\n',
    );

    // the repository template is copied in only once it exists
    const repoTemplate = path.resolve(__dirname, '../../templates/default.mjml');
    expect(letter.exists('templates/default.mjml')).toBe(fs.existsSync(repoTemplate));
  });

  it('keeps a given default.mjml and supports write/exists/remove', () => {
    const letter = newsletter({ templates: { 'default.mjml': 'mine' } });
    expect(letter.read('templates/default.mjml')).toBe('mine');

    letter.write('posts/later.md', 'later');
    expect(letter.exists('posts/later.md')).toBe(true);
    expect(() => letter.write('../escape.md', 'x')).toThrow(/escapes/);

    letter.remove();
    expect(fs.existsSync(letter.root)).toBe(false);
  });

  it('subscribersCsv honours domain and header', () => {
    expect(subscribersCsv(1, { domain: 'list.test', header: 'Email,Name' })).toBe('Email,Name\nsub0001@list.test,Reader 1\n');
    expect(subscribersCsv(0)).toBe('email,name\n');
  });
});
