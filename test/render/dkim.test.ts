/**
 * DKIM: a message built by herald's composer (compose.ts) and signed by signRaw verifies with an independent
 * verifier (mailauth) against the public key a DNS resolver returns, before and after it travels
 * through a real SMTP server; a changed byte breaks it; and every bad key setup is a clear
 * ECONFIG that never prints the key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/load';
import { createSmtpPool } from '../../src/deliver/smtp-pool';
import { postFromSource } from '../../src/discover/posts';
import { ErrorCode, HeraldError } from '../../src/errors';
import { compileMessage, personalise } from '../../src/render/compose';
import { dkimDnsRecord, loadDkim, signRaw } from '../../src/render/dkim';
import { resolveSender } from '../../src/render/envelope';
import { messageBytes, type Recipient } from '../../src/render/rendered-message';
import { nodemailerMessage } from './nodemailer-reference';
import { renderPost } from '../../src/render/post';
import { BASE_CONFIG, makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer } from '../support/smtp-server';
import { makeDkimKey, SECRET, verifyDkim, type TestDkimKey } from '../serve/helpers';

const ANN: Recipient = { email: 'ann@example.com', key: 'ann@example.com', name: 'Ann Lee', smtputf8: false };
const DATE = new Date('2026-01-15T10:00:00Z');

let nl: TempNewsletter;
let root: string;
let key: TestDkimKey;

beforeAll(() => {
  key = makeDkimKey('example.com', 'herald');
});

beforeEach(() => {
  nl = makeNewsletter();
  root = nl.root;
});

afterEach(() => nl.remove());

function settingsWith(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Settings {
  const letter = { unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, postalAddress: '1 Long Road, Springfield' };
  nl.write('herald.config.json', JSON.stringify({ ...BASE_CONFIG, ...letter, ...config }));
  return loadSettings(root, { HERALD_SECRET: SECRET, ...env });
}

async function signedMessage(settings: Settings): Promise<Buffer> {
  const signer = loadDkim(settings)!;
  const rendered = await renderPost(postFromSource('---\ntitle: Signed, sealed\n---\nA body with a line that is long enough to be folded by quoted-printable encoding, and a dot:\n\n.\n\nThe end.\n', 'signed.md'), settings, DATE);
  const message = personalise(compileMessage(rendered, resolveSender(settings, { requireSecret: true }), DATE), ANN);
  return signRaw(signer, messageBytes(message));
}

const headerNames = (raw: Buffer): string[] => {
  const text = raw.toString('utf8');
  return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').filter((l) => /^\S/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
};

describe('signing', () => {
  test('a signed message verifies with mailauth and signs the list headers one-click needs', async () => {
    key.writeTo(root);
    const settings = settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } });
    const raw = await signedMessage(settings);
    expect(headerNames(raw)[0]).toBe('dkim-signature');
    const { statuses, result, lookups } = await verifyDkim(raw, [key]);
    expect(statuses).toEqual(['pass']);
    expect(lookups).toEqual(['TXT herald._domainkey.example.com']);
    expect(result.results[0]!.signingDomain).toBe('example.com');
    expect(result.results[0]!.status.aligned).toBe('example.com');
    const signed = /\bh=([^;]+)/.exec(raw.toString('utf8').split('\r\n\r\n')[0]!.replace(/\r\n\s+/g, ''))![1]!.toLowerCase().split(':');
    for (const h of ['from', 'to', 'subject', 'date', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post']) expect(signed).toContain(h);
  });

  test('From, Subject, List-Unsubscribe and List-Unsubscribe-Post are oversigned: h= names each once more than it occurs', async () => {
    key.writeTo(root);
    const raw = await signedMessage(settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } }));
    const signed = /\bh=([^;]+)/.exec(raw.toString('utf8').split('\r\n\r\n')[0]!.replace(/\r\n\s+/g, ''))![1]!.toLowerCase().split(':').map((h) => h.trim());
    const count = (name: string): number => signed.filter((h) => h === name).length;
    for (const name of ['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']) expect(count(name)).toBe(2);
    expect(count('to')).toBe(1);
  });

  test('a second From, Subject or List-Unsubscribe added anywhere in a signed message breaks the signature (mailauth)', async () => {
    key.writeTo(root);
    const raw = (await signedMessage(settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } }))).toString('utf8');
    expect((await verifyDkim(Buffer.from(raw), [key])).statuses).toEqual(['pass']);
    const [head, ...rest] = raw.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n');
    const added = (line: string, where: 'top' | 'bottom'): Buffer => Buffer.from(where === 'top' ? `${line}\r\n${head}\r\n\r\n${body}` : `${head}\r\n${line}\r\n\r\n${body}`);
    for (const where of ['top', 'bottom'] as const) {
      for (const line of ['From: Your Bank <security@bank.example>', 'Subject: Urgent: verify your account', 'List-Unsubscribe: <https://attacker.example/u>']) {
        expect((await verifyDkim(added(line, where), [key])).statuses).toEqual(['fail']);
      }
    }
  });

  test('without an unsubscribe URL there is no List-Unsubscribe-Post, and adding one (to make the mailto one-click) breaks the signature', async () => {
    key.writeTo(root);
    nl.write('herald.config.json', JSON.stringify({ ...BASE_CONFIG, postalAddress: '1 Long Road', dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } }));
    const raw = (await signedMessage(loadSettings(root, { HERALD_SECRET: SECRET }))).toString('utf8');
    expect(raw).not.toContain('List-Unsubscribe-Post');
    expect((await verifyDkim(Buffer.from(raw), [key])).statuses).toEqual(['pass']);
    const forged = raw.replace('\r\n\r\n', '\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n');
    expect((await verifyDkim(Buffer.from(forged), [key])).statuses).toEqual(['fail']);
  });

  test('a changed byte in the body or a signed header fails verification', async () => {
    key.writeTo(root);
    const raw = (await signedMessage(settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } }))).toString('utf8');
    const body = Buffer.from(raw.replace('The end.', 'The END.'));
    expect((await verifyDkim(body, [key])).statuses).not.toEqual(['pass']);
    const header = Buffer.from(raw.replace('Subject: Signed, sealed', 'Subject: Signed, sealed!'));
    expect((await verifyDkim(header, [key])).statuses).toEqual(['fail']);
    const other = makeDkimKey('example.com', 'herald', 1024);
    expect((await verifyDkim(Buffer.from(raw), [other])).statuses).toEqual(['fail']);
  });

  test('the signature still verifies after the message went through a real SMTP server', async () => {
    key.writeTo(root);
    const settings = settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } });
    const raw = await signedMessage(settings);
    const server = await startSmtpServer();
    const pool = createSmtpPool(server.url, settings.smtp);
    try {
      const outcome = await pool.send({ messageId: '<x@example.com>', envelope: { from: 'news@example.com', to: ANN.email }, raw, smtputf8: false });
      expect(outcome.kind).toBe('accepted');
      const [received] = await server.waitForMessages(1);
      expect((await verifyDkim(received!.raw, [key])).statuses).toEqual(['pass']);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('HERALD_DKIM_KEY_FILE overrides dkim.keyFile, and a PKCS#1 ("RSA PRIVATE KEY") file works too', async () => {
    const pkcs1 = crypto.createPrivateKey(key.privatePem).export({ type: 'pkcs1', format: 'pem' }).toString();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-dkim-key-'));
    try {
      fs.writeFileSync(path.join(elsewhere, 'key.pem'), pkcs1);
      const settings = settingsWith({ dkim: { domain: 'Example.com', selector: 'herald', keyFile: 'missing.pem' } }, { HERALD_DKIM_KEY_FILE: path.join(elsewhere, 'key.pem') });
      const signer = loadDkim(settings)!;
      expect(signer.domain).toBe('example.com');
      expect(signer.bits).toBe(2048);
      expect(dkimDnsRecord(signer)).toEqual({ name: 'herald._domainkey.example.com', value: key.txt });
      expect((await verifyDkim(await signedMessage(settings), [key])).statuses).toEqual(['pass']);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('no dkim setting: no signer (alignment with From is a deliverability finding, test/deliverability)', () => {
    expect(loadDkim(settingsWith({}))).toBeUndefined();
  });
});

describe('bad key setups are ECONFIG and never print the key', () => {
  function expectConfigError(settings: () => Settings, message: RegExp): void {
    let caught: unknown;
    try {
      loadDkim(settings());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HeraldError);
    expect((caught as HeraldError).code).toBe(ErrorCode.ECONFIG);
    expect((caught as HeraldError).message).toMatch(message);
    const printed = `${(caught as HeraldError).message} ${(caught as HeraldError).hint ?? ''}`;
    expect(printed).not.toMatch(/MII[A-Za-z0-9+/]{20}/); // no base64 key material
  }

  test('missing file', () => {
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'nope.pem' } }), /nope\.pem \(dkim\.keyFile\) does not exist/);
  });

  test('no key file at all', () => {
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald' } }), /no private key file/);
  });

  test('HERALD_DKIM_KEY_FILE without a dkim setting', () => {
    expectConfigError(() => settingsWith({}, { HERALD_DKIM_KEY_FILE: '/tmp/x.pem' }), /"dkim" is not configured/);
  });

  test('not a PEM private key: a public key, garbage, a truncated key, a directory', () => {
    const cases: [string, string | null][] = [
      ['public.pem', crypto.createPublicKey(key.privatePem).export({ type: 'spki', format: 'pem' }).toString()],
      ['garbage.pem', 'hello'],
      ['truncated.pem', key.privatePem.slice(0, 200) + '\n-----END PRIVATE KEY-----\n'],
      ['dir.pem', null],
    ];
    for (const [name, content] of cases) {
      if (content === null) fs.mkdirSync(path.join(root, name));
      else fs.writeFileSync(path.join(root, name), content);
      expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: name } }), /is not a (PEM private key|key file)/);
    }
  });

  test('an encrypted key, an EC key, a short RSA key', () => {
    const encrypted = crypto.createPrivateKey(key.privatePem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    fs.writeFileSync(path.join(root, 'enc.pem'), encrypted);
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'enc.pem' } }), /encrypted/);
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(path.join(root, 'ec.pem'), ec);
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'ec.pem' } }), /holds a ec key/);
    const short = crypto.generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(path.join(root, 'short.pem'), short);
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'short.pem' } }), /512-bit/);
  });

  test('an unreadable file', () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const file = key.writeTo(root, 'locked.pem');
    fs.chmodSync(file, 0o000);
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'herald', keyFile: 'locked.pem' } }), /permission denied/);
  });

  test('a bad domain or selector', () => {
    key.writeTo(root);
    expectConfigError(() => settingsWith({ dkim: { domain: 'exa mple.com', selector: 'herald', keyFile: 'dkim.pem' } }), /not a domain name/);
    expectConfigError(() => settingsWith({ dkim: { domain: 'example.com', selector: 'her;ald', keyFile: 'dkim.pem' } }), /not a DNS label/);
  });
});

describe('signing headers that carry encoded-words', () => {
  test('a non-ASCII List-ID name, an encoded subject and a title with control characters verify with mailauth, through both composers', async () => {
    key.writeTo(root);
    const settings = settingsWith({ name: 'Le Café Crème — Dépêche', from: 'Le Café <news@example.com>', replyTo: 'Rédaction <ed@example.com>', dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } });
    const signer = loadDkim(settings)!;
    const sender = resolveSender(settings, { requireSecret: true });
    // set on the post itself: discovery refuses a NUL in a title, and this is the defence behind it
    const title = `Été\0 =?utf-8?q?x?= \r\nBcc: x@attacker.example ${'long'.repeat(300)}`;
    const rendered = await renderPost({ ...postFromSource('---\ntitle: T\n---\nText.\n', 'accents.md'), title }, settings, DATE);
    const fast = messageBytes(personalise(compileMessage(rendered, sender, DATE), { ...ANN, name: 'Zoë\u0007 Ångström' }));
    const slow = (await nodemailerMessage(rendered, sender, { ...ANN, name: 'Zoë\u0007 Ångström' }, { date: DATE })).raw;
    for (const raw of [fast, slow]) {
      const signed = await signRaw(signer, raw);
      expect(signed.subarray(0, signed.indexOf('\r\n\r\n')).every((b) => b > 0 && b < 0x80)).toBe(true);
      expect((await verifyDkim(signed, [key])).statuses).toEqual(['pass']);
    }
  });
});
