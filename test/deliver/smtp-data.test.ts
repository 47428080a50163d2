import type { Readable, Writable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import { DATA_END, encodeData, encodeMessageData } from '../../src/fast/smtp-data';
import { takeEncodedData } from '../../src/fast/smtp-encoded-data';
import { SmtpPool, parseSmtpUrl } from '../../src/deliver/smtp-pool';
import { smtpSchema } from '../../src/config/schema';
import type { OutgoingMessage } from '../../src/deliver/transport';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';

/** What nodemailer's own DATA stream makes of these bytes, end marker included: the reference. */
function reference(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    stream.end(bytes);
  });
}

/** Deterministic pseudo-random text rich in the bytes that matter: dots, CR, LF. */
function* samples(count: number): Generator<Buffer> {
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ['a', 'b', '.', '\r', '\n', '\r\n', '..', '\r\n.', 'é'];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const length = next(40);
    for (let j = 0; j < length; j++) parts.push(alphabet[next(alphabet.length)]!);
    yield Buffer.from(parts.join(''), 'utf8');
  }
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

describe('SMTP DATA encoding', () => {
  test('matches nodemailer\'s DATA stream byte for byte, whole or in pieces', async () => {
    let n = 0;
    for (const bytes of samples(400)) {
      const expected = await reference(bytes);
      const pieces = splitAt(bytes, [n % 7, (n * 5) % 23, (n * 11) % 31]);
      expect(Buffer.concat(encodeMessageData([bytes], new WeakMap()))).toEqual(expected);
      expect(Buffer.concat(encodeMessageData(pieces, new WeakMap()))).toEqual(expected);
      n++;
    }
  });

  test('small and large pieces are encoded alike (they are checked in different ways)', async () => {
    let n = 0;
    for (const bytes of samples(300)) {
      // the same text repeated past the size where the check changes
      const large = Buffer.concat(Array.from({ length: Math.ceil(1100 / Math.max(bytes.length, 1)) + (n++ % 3) }, () => bytes));
      expect(Buffer.concat(encodeMessageData([large], new WeakMap()))).toEqual(await reference(large));
      // and both ways agree on whether a piece needs any change at all
      const padded = Buffer.concat([bytes, Buffer.alloc(1100, 'a')]);
      expect(encodeData(bytes) === bytes).toBe(encodeData(padded) === padded);
    }
  });

  test('stuffs a dot at the start of every line, after CRLF, bare LF and bare CR alike', () => {
    expect(encodeData(Buffer.from('.a\r\n.b\n.c\r.d\r\n'))).toEqual(Buffer.from('..a\r\n..b\r\n..c\r\n..d\r\n'));
    expect(encodeData(Buffer.from('a\r\n.\r\n'))).toEqual(Buffer.from('a\r\n..\r\n'));
  });

  test('hands back clean text as it is, without copying it', () => {
    const clean = Buffer.from('Subject: x\r\n\r\nno dots at line starts. none.\r\n');
    expect(encodeData(clean)).toBe(clean);
  });

  test('encodes a shared piece once, and a recipient\'s small piece every time', () => {
    const shared = Buffer.from(`${'.line\r\n'.repeat(1000)}`);
    const own = Buffer.from('To: a@example.com\r\n');
    const cache = new WeakMap<Buffer, Buffer>();
    const first = encodeMessageData([own, shared], cache);
    const second = encodeMessageData([Buffer.from(own), shared], cache);
    expect(second[1]).toBe(first[1]);
    expect(cache.has(own)).toBe(false);
    expect(first[first.length - 1]).toBe(DATA_END);
    // a small shared piece that starts with a dot is copied once, not for every recipient
    const dotted = Buffer.from('.<br>=\r\n');
    const once = encodeMessageData([own, dotted, shared], cache);
    expect(encodeMessageData([Buffer.from(own), dotted, shared], cache)[1]).toBe(once[1]);
    expect(once[1]!.toString()).toBe('..<br>=\r\n');
    // a message in one piece (a DKIM-signed one) belongs to one recipient: nothing to remember
    const signed = Buffer.concat([own, shared]);
    encodeMessageData([signed], cache);
    expect(cache.has(signed)).toBe(false);
  });

  test('an empty message still ends the data', async () => {
    expect(Buffer.concat(encodeMessageData([], new WeakMap()))).toEqual(await reference(Buffer.alloc(0)));
  });
});

describe('the SMTP pool writes the encoded message itself', () => {
  let server: TestSmtpServer;
  afterEach(async () => server?.close());

  test('the installed nodemailer lets a connection take encoded data (else every byte is scanned twice over)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Connection = require('nodemailer/lib/smtp-connection') as typeof SMTPConnection;
    const conn = new Connection({ host: '127.0.0.1', port: 1 });
    expect(takeEncodedData(conn)).toBe(true);
    conn.close();
  });

  test('a connection that logs its traffic, or a nodemailer without these internals, keeps nodemailer\'s own DATA stream', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Connection = require('nodemailer/lib/smtp-connection') as typeof SMTPConnection;
    const logging = new Connection({ host: '127.0.0.1', port: 1, debug: true });
    const before = (logging as unknown as { _createSendStream: unknown })._createSendStream;
    expect(takeEncodedData(logging)).toBe(false);
    expect((logging as unknown as { _createSendStream: unknown })._createSendStream).toBe(before);
    logging.close();
    const changed = new Connection({ host: '127.0.0.1', port: 1 });
    (changed as unknown as { _actionSMTPStream?: unknown })._actionSMTPStream = undefined;
    expect(takeEncodedData(changed)).toBe(false);
    changed.close();
  });

  test('what arrives is the message exactly, with dots at line starts, bare line ends and a shared piece', async () => {
    server = await startSmtpServer();
    const pool = new SmtpPool(parseSmtpUrl(server.url), smtpSchema.parse({ connections: 2 }));
    const shared = Buffer.from(`Content-Type: text/plain\r\n\r\n${'.leading dot\r\n..two dots\r\nplain\r\n'.repeat(200)}`);
    const messages: OutgoingMessage[] = ['a', 'b', 'c'].map((who) => ({
      messageId: `<${who}@example.com>`,
      envelope: { from: 'news@example.com', to: `${who}@example.org` },
      raw: [Buffer.from(`From: news@example.com\r\nTo: ${who}@example.org\r\nSubject: .dots\r\n`), shared, Buffer.from(`.${who}\nbare\rend\r\n`)],
      smtputf8: false,
    }));
    const outcomes = await Promise.all(messages.map((m) => pool.send(m)));
    await pool.close();
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    const arrived = await server.waitForMessages(3);
    for (const message of messages) {
      const got = arrived.find((m) => m.envelopeTo.includes(message.envelope.to))!;
      const sent = Buffer.concat(message.raw as Buffer[]).toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
      expect(got.raw.toString('latin1')).toBe(sent);
    }
  });

  test('over TLS too, where the socket the pieces go to is the encrypted one', async () => {
    server = await startSmtpServer({ secure: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Connection = require('nodemailer/lib/smtp-connection') as typeof SMTPConnection;
    // the test server's bundled certificate is self-signed and expired
    const conn = new Connection({ host: '127.0.0.1', port: server.port, secure: true, tls: { rejectUnauthorized: false } });
    conn.on('error', () => undefined); // the server hangs up when the test ends
    expect(takeEncodedData(conn)).toBe(true);
    const raw = [Buffer.from('From: news@example.com\r\nTo: tls@example.org\r\n\r\n'), Buffer.from('.dot\r\n'.repeat(5000))];
    const data = encodeMessageData(raw, new WeakMap());
    // what the pool hands nodemailer: a stream-like message that writes its pieces in one go
    const source = {
      pipe(into: Writable & { writeEncoded?: (d: Buffer[]) => void }) {
        expect(into.writeEncoded).toBeDefined();
        into.writeEncoded!(data);
        into.end();
        return into;
      },
    };
    await new Promise<void>((resolve, reject) => conn.connect((err?: Error) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) =>
      conn.send({ from: 'news@example.com', to: ['tls@example.org'] }, source as unknown as Readable, (err) => (err ? reject(err) : resolve())),
    );
    const [got] = await server.waitForMessages(1);
    await new Promise<void>((resolve) => {
      conn.once('end', () => resolve());
      conn.quit();
    });
    expect(got!.raw).toEqual(Buffer.concat(raw));
  });
});
