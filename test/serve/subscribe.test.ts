/**
 * The optional subscribe form (serve.subscribeForm): double opt-in over real HTTP, with the
 * confirmation email sent through a real SMTP server and DKIM-signed. Asking adds nobody; the link
 * only shows a button; the button adds the address once; the link cannot be edited, reused for
 * another purpose or used after 48 hours; the form gives nothing away and cannot flood a mailbox.
 */
import { createApp } from '../../src/app';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadSettings } from '../../src/config/load';
import { discoverSubscribers } from '../../src/subscribers/read';
import { HeraldError } from '../../src/errors';
import { confirmToken, verifyConfirmToken } from '../../src/serve/confirm-token';
import { startServing } from '../../src/commands/serve';
import type { RunningServer } from '../../src/serve/server';
import { RATE_LIMIT_FILE } from '../../src/record/rate-limit';
import { clientKey, clientOf } from '../../src/serve/client';
import { PER_ADDRESS_COOLDOWN_MS, PER_CLIENT_WINDOWS, formName } from '../../src/serve/subscribe';
import { unsubscribeToken } from '../../src/unsubscribe/token';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { makeDkimKey, OLD_SECRET, PUBLIC_URL, SECRET, verifyDkim } from './helpers';

let nl: TempNewsletter;
let smtp: TestSmtpServer;
let server: RunningServer | undefined;
let clock: Date;
const key = makeDkimKey('example.com', 'herald');

beforeEach(async () => {
  smtp = await startSmtpServer();
  nl = makeNewsletter({
    config: { unsubscribe: { url: PUBLIC_URL }, serve: { subscribeForm: true }, dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } },
    subscribers: { 'list.csv': 'email,name\nann@example.com,Ann\n' },
  });
  key.writeTo(nl.root);
  clock = new Date('2026-03-01T12:00:00Z');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await smtp.close();
  nl.remove();
});

async function serve(env: NodeJS.ProcessEnv = {}): Promise<(p: string) => string> {
  const settings = loadSettings(nl.root, { HERALD_SECRET: SECRET, HERALD_SMTP_URL: smtp.url, ...env });
  server = await startServing(createApp(settings, { out: () => {}, err: () => {} }, { now: () => clock }), { host: '127.0.0.1', port: 0 });
  const origin = server.origin;
  return (p) => `${origin}${p}`;
}

const post = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' } as const);
const active = (): string[] => discoverSubscribers(`${nl.root}/subscribers`).subscribers.map((s) => s.key).sort();

/** The confirm link from the newest confirmation email, made local. */
function confirmLinkIn(text: string): string {
  const link = /https:\/\/news\.example\.com(\/subscribe\/confirm\?token=\S+)/.exec(text);
  if (!link) throw new Error(`no confirm link in:\n${text}`);
  return link[1]!;
}

test('off by default: no form', async () => {
  const plain = makeNewsletter({ config: { unsubscribe: { url: PUBLIC_URL } } });
  try {
    const s = await startServing(createApp(loadSettings(plain.root, { HERALD_SECRET: SECRET }), { out: () => {}, err: () => {} }), { host: '127.0.0.1', port: 0 });
    expect((await fetch(`${s.origin}/subscribe`)).status).toBe(404);
    await s.close();
  } finally {
    plain.remove();
  }
});

test('the form without HERALD_SMTP_URL is a settings error: confirmation emails could not be sent', async () => {
  const err = await startServing(createApp(loadSettings(nl.root, { HERALD_SECRET: SECRET }), { out: () => {}, err: () => {} }), { host: '127.0.0.1', port: 0 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HeraldError);
  expect((err as HeraldError).code).toBe('ECONFIG');
  expect((err as HeraldError).message).toMatch(/serve\.subscribeForm is on but HERALD_SMTP_URL is not set/);
});

test('no SMTP connection before the first confirmation; each confirmation email then has a connection of its own', async () => {
  const at = await serve();
  expect((await fetch(at('/subscribe'))).status).toBe(200);
  expect(smtp.connectionsOpened).toBe(0);
  expect((await fetch(at('/subscribe'), post({ email: 'one@example.com' }))).status).toBe(200);
  expect((await fetch(at('/subscribe'), post({ email: 'two@example.com' }))).status).toBe(200);
  await smtp.waitForMessages(2);
  expect(smtp.connectionsOpened).toBe(2);
  expect(smtp.messages.map((m) => m.envelopeTo[0])).toEqual(['one@example.com', 'two@example.com']);
});

test('ask → signed confirmation email → the link shows a button → the button subscribes, once', async () => {
  const at = await serve();
  const form = await fetch(at('/subscribe'));
  expect(form.status).toBe(200);
  expect(await form.text()).toMatch(/<form method="post">[\s\S]*name="email"/);

  const asked = await fetch(at('/subscribe'), post({ email: 'New.Person@Example.COM', name: 'New Person' }));
  expect(asked.status).toBe(200);
  expect(await asked.text()).toContain('Check your inbox');
  expect(active()).toEqual(['ann@example.com']); // asking adds nobody

  const [mail] = await smtp.waitForMessages(1);
  expect(mail!.envelopeTo).toEqual(['New.Person@example.com']);
  expect(mail!.parsed.subject).toBe('Confirm your subscription to Test Letter');
  expect(mail!.parsed.headers.get('list-unsubscribe')).toBeUndefined();
  expect((await verifyDkim(mail!.raw, [key])).statuses).toEqual(['pass']);
  const link = confirmLinkIn(mail!.parsed.text ?? '');
  expect(mail!.parsed.html).toContain(link.replace(/&/g, '&amp;'));

  const page = await fetch(at(link));
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('New.Person@example.com');
  expect(html).toMatch(/<form method="post" action="\?token=/);
  expect(active()).toEqual(['ann@example.com']); // following the link adds nobody

  const confirmed = await fetch(at(link), post({ confirm: 'yes' }));
  expect(confirmed.status).toBe(200);
  expect(await confirmed.text()).toContain('You are subscribed');
  expect(active()).toEqual(['ann@example.com', 'new.person@example.com']);
  expect(nl.read('subscribers/subscribers.csv')).toBe('email,name\nNew.Person@example.com,New Person\n');

  // again: nothing more
  expect((await fetch(at(link), post({ confirm: 'yes' }))).status).toBe(200);
  expect(nl.read('subscribers/subscribers.csv')).toBe('email,name\nNew.Person@example.com,New Person\n');
});

test('a name that a spreadsheet would run as a formula is stored without its formula sign; such an address is refused', async () => {
  const at = await serve();
  const asked = await fetch(at('/subscribe'), post({ email: 'eve@example.com', name: '=HYPERLINK("http://evil.example/","Eve")' }));
  expect(asked.status).toBe(200);
  const [mail] = await smtp.waitForMessages(1);
  const link = confirmLinkIn(mail!.parsed.text ?? '');
  expect((await fetch(at(link), post({ confirm: 'yes' }))).status).toBe(200);
  expect(nl.read('subscribers/subscribers.csv')).toBe('email,name\neve@example.com,"HYPERLINK(""http://evil.example/"",""Eve"")"\n');
  expect(formName(' +-@Bob ')).toBe('Bob');
  expect(formName('Anne-Marie')).toBe('Anne-Marie');
  // an address a spreadsheet would run (valid by RFC 5322) is refused by the form
  for (const email of ["=cmd|'/Ccalc'!A0@evil.example", '+1@example.com', '-x@example.com']) {
    expect((await fetch(at('/subscribe'), post({ email }))).status).toBe(400);
  }
  await new Promise((r) => setTimeout(r, 100));
  expect(smtp.messages).toHaveLength(1);
});

test('someone who unsubscribed can come back; a bounced or complaining address cannot, and gets no email', async () => {
  nl.write('subscribers/suppressed.csv', 'email,status,date,note\nback@example.com,unsubscribed,2026-01-01T00:00:00Z,\ngone@example.com,bounced,2026-01-01T00:00:00Z,550\n');
  const at = await serve();
  const quiet = await fetch(at('/subscribe'), post({ email: 'gone@example.com' }));
  const asked = await fetch(at('/subscribe'), post({ email: 'back@example.com' }));
  // the same answer either way: the form does not tell who is on which list
  expect(quiet.status).toBe(asked.status);
  expect((await quiet.text()).replace('gone@example.com', 'X')).toBe((await asked.text()).replace('back@example.com', 'X'));
  const [mail] = await smtp.waitForMessages(1);
  await new Promise((r) => setTimeout(r, 200));
  expect(smtp.messages).toHaveLength(1);
  expect(mail!.envelopeTo).toEqual(['back@example.com']);
  const link = confirmLinkIn(mail!.parsed.text ?? '');
  expect((await fetch(at(link), post({}))).status).toBe(200);
  expect(active()).toContain('back@example.com');
  expect(nl.read('subscribers/suppressed.csv')).not.toContain('back@example.com');
  expect(nl.read('subscribers/suppressed.csv')).toContain('gone@example.com,bounced');

  // a link minted for a bounced address (say, before it bounced) is refused too
  const forged = confirmToken({ email: 'gone@example.com', name: '', at: clock }, SECRET);
  expect((await fetch(at(`/subscribe/confirm?token=${forged}`), post({}))).status).toBe(409);
  expect(active()).not.toContain('gone@example.com');
});

test('already subscribed, asked twice, a robot in the trap field: no (further) email', async () => {
  const at = await serve();
  await (await fetch(at('/subscribe'), post({ email: 'ann@example.com' }))).text();
  await (await fetch(at('/subscribe'), post({ email: 'robot@example.com', website: 'http://spam' }))).text();
  await (await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).text();
  await (await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).text();
  await smtp.waitForMessages(1);
  await new Promise((r) => setTimeout(r, 200));
  expect(smtp.messages.map((m) => m.envelopeTo[0])).toEqual(['twice@example.com']);
  clock = new Date(clock.getTime() + PER_ADDRESS_COOLDOWN_MS + 1000);
  await (await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).text();
  await smtp.waitForMessages(2);
});

test('a bad address is refused with the form again; nothing that could add a recipient gets through', async () => {
  const at = await serve();
  for (const email of ['not-an-address', 'a@example.com, b@example.com', 'a@example.com\r\nBcc: b@example.com', '"x"@example.com', 'Name <a@example.com>', '']) {
    const res = await fetch(at('/subscribe'), post({ email }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<form method="post">');
    expect(html).not.toContain('<a@example.com>');
  }
  await new Promise((r) => setTimeout(r, 100));
  expect(smtp.messages).toHaveLength(0);
});

test('confirm links: edited, from another purpose, expired, rotated secrets', async () => {
  const at = await serve({ HERALD_SECRET_PREVIOUS: OLD_SECRET });
  const good = confirmToken({ email: 'x@example.com', name: 'X', at: clock }, SECRET);
  const [payload, mac] = good.split('.') as [string, string];
  const other = Buffer.from(JSON.stringify({ e: 'victim@example.com', n: '', t: Math.floor(clock.getTime() / 1000) })).toString('base64url');
  for (const token of [`${other}.${mac}`, `${payload}.${mac.slice(1)}`, unsubscribeToken('x@example.com', SECRET), confirmToken({ email: 'x@example.com', name: '', at: clock }, 'another-secret'), '']) {
    expect((await fetch(at(`/subscribe/confirm?token=${encodeURIComponent(token)}`))).status).toBe(403);
    expect((await fetch(at(`/subscribe/confirm?token=${encodeURIComponent(token)}`), post({}))).status).toBe(403);
  }
  const old = confirmToken({ email: 'x@example.com', name: 'X', at: new Date(clock.getTime() - 49 * 3_600_000) }, SECRET);
  const expired = await fetch(at(`/subscribe/confirm?token=${old}`), post({}));
  expect(expired.status).toBe(410);
  expect(await expired.text()).toContain('expired');
  expect(active()).toEqual(['ann@example.com']);
  // signed with the previous secret, within 48 h: fine
  const rotated = confirmToken({ email: 'x@example.com', name: 'X', at: new Date(clock.getTime() - 47 * 3_600_000) }, OLD_SECRET);
  expect((await fetch(at(`/subscribe/confirm?token=${rotated}`), post({}))).status).toBe(200);
  expect(active()).toEqual(['ann@example.com', 'x@example.com']);

  expect(verifyConfirmToken(good, [SECRET], clock)).toEqual({ ok: true, request: { email: 'x@example.com', name: 'X', at: clock } });
  expect(verifyConfirmToken(good, [SECRET], new Date(clock.getTime() - 3_600_000))).toEqual({ ok: false, reason: 'expired' });
});

test('an SMTP server that refuses: 503, try again later, and the address may ask again', async () => {
  await smtp.close();
  smtp = await startSmtpServer({ onRcpt: (_a, n) => (n === 1 ? '451 4.3.0 Try later' : undefined) });
  const at = await serve();
  const first = await fetch(at('/subscribe'), post({ email: 'later@example.com' }));
  expect(first.status).toBe(503);
  expect(first.headers.get('retry-after')).toBe('300');
  const second = await fetch(at('/subscribe'), post({ email: 'later@example.com' }));
  expect(second.status).toBe(200);
  await smtp.waitForMessages(1);
});

test('nothing typed into the form reaches a header of the confirmation: To is the bare address, the subject is fixed', async () => {
  const at = await serve();
  const spam = 'WIN $5000 NOW at http://spam.example/claim';
  expect((await fetch(at('/subscribe'), post({ email: 'victim@example.com', name: spam }))).status).toBe(200);
  const [mail] = await smtp.waitForMessages(1);
  expect(mail!.envelopeTo).toEqual(['victim@example.com']);
  expect(mail!.parsed.to).toMatchObject({ value: [{ address: 'victim@example.com', name: '' }] });
  expect(mail!.parsed.subject).toBe('Confirm your subscription to Test Letter');
  const raw = mail!.raw.toString('utf8');
  const headers = raw.slice(0, raw.indexOf('\r\n\r\n'));
  expect(headers).toMatch(/^To: victim@example\.com$/m);
  // the DKIM signature is random base64, where "win" or "5000" turns up by chance now and then
  const written = headers.replace(/^DKIM-Signature:.*(\r\n[ \t].*)*(\r\n|$)/m, '');
  expect(written).toMatch(/^From: /m);
  expect(written).not.toMatch(/WIN|spam\.example|5000/i);
  // the body does not show it either; it travels only inside the signed link, to be stored on confirming
  expect(mail!.parsed.text).not.toContain('WIN');
  expect(mail!.parsed.html).not.toContain('WIN');
  const link = confirmLinkIn(mail!.parsed.text ?? '');
  expect((await fetch(at(link), post({ confirm: 'yes' }))).status).toBe(200);
  expect(nl.read('subscribers/subscribers.csv')).toBe(`email,name\nvictim@example.com,${spam}\n`);
});

test('over-long fields are refused with a 400 page saying why, an over-large body with 413; nothing is sent', async () => {
  const at = await serve();
  const longAddress = await fetch(at('/subscribe'), post({ email: `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(20)}.example` }));
  expect(longAddress.status).toBe(400);
  expect(await longAddress.text()).toContain('at most 254 characters');
  const longName = await fetch(at('/subscribe'), post({ email: 'ok@example.com', name: 'N'.repeat(101) }));
  expect(longName.status).toBe(400);
  expect(await longName.text()).toContain('keep the name to 100 characters');
  const huge = await fetch(at('/subscribe'), post({ email: 'ok@example.com', name: 'x', filler: 'y'.repeat(5000) }));
  expect(huge.status).toBe(413);
  // 100 characters is fine
  expect((await fetch(at('/subscribe'), post({ email: 'ok@example.com', name: 'N'.repeat(100) }))).status).toBe(200);
  const [mail] = await smtp.waitForMessages(1);
  await new Promise((r) => setTimeout(r, 100));
  expect(smtp.messages).toHaveLength(1);
  expect(mail!.envelopeTo).toEqual(['ok@example.com']);
});

test('the per-address limit is kept in the state folder: a restarted server still sends no second confirmation', async () => {
  let at = await serve();
  expect((await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).status).toBe(200);
  await smtp.waitForMessages(1);
  await server!.close();
  at = await serve();
  const again = await fetch(at('/subscribe'), post({ email: 'twice@example.com' }));
  expect(again.status).toBe(200); // the same page: the form does not say a confirmation went out recently
  await new Promise((r) => setTimeout(r, 200));
  expect(smtp.messages).toHaveLength(1);
  expect(fs.existsSync(path.join(nl.root, '.herald', RATE_LIMIT_FILE))).toBe(true);
  // the database holds no address in the clear
  expect(fs.readFileSync(path.join(nl.root, '.herald', RATE_LIMIT_FILE)).includes('twice@example.com')).toBe(false);

  clock = new Date(clock.getTime() + PER_ADDRESS_COOLDOWN_MS + 1000);
  await (await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).text();
  await smtp.waitForMessages(2);
  // three a day at most, restarts or not
  clock = new Date(clock.getTime() + PER_ADDRESS_COOLDOWN_MS + 1000);
  await server!.close();
  at = await serve();
  await (await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).text();
  await smtp.waitForMessages(3);
  clock = new Date(clock.getTime() + PER_ADDRESS_COOLDOWN_MS + 1000);
  await (await fetch(at('/subscribe'), post({ email: 'twice@example.com' }))).text();
  await new Promise((r) => setTimeout(r, 200));
  expect(smtp.messages).toHaveLength(3);
});

test('a client that asks too often gets 429 with Retry-After, also after a restart, and nothing about the address is looked at', async () => {
  let at = await serve();
  for (let i = 0; i < PER_CLIENT_WINDOWS[0]!.max; i++) {
    expect((await fetch(at('/subscribe'), post({ email: `reader${i}@example.com` }))).status).toBe(200);
  }
  await smtp.waitForMessages(PER_CLIENT_WINDOWS[0]!.max);
  const limited = await fetch(at('/subscribe'), post({ email: 'one.more@example.com' }));
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await limited.text()).toContain('Too many subscribe requests');
  // the same answer for an address that is subscribed already
  expect((await fetch(at('/subscribe'), post({ email: 'ann@example.com' }))).status).toBe(429);
  await server!.close();
  at = await serve();
  expect((await fetch(at('/subscribe'), post({ email: 'one.more@example.com' }))).status).toBe(429);
  // invalid requests and GETs are answered as before and counted nowhere
  expect((await fetch(at('/subscribe'), post({ email: 'not-an-address' }))).status).toBe(400);
  expect((await fetch(at('/subscribe'))).status).toBe(200);
  clock = new Date(clock.getTime() + 3_600_000 + 1000);
  expect((await fetch(at('/subscribe'), post({ email: 'one.more@example.com' }))).status).toBe(200);
  await smtp.waitForMessages(PER_CLIENT_WINDOWS[0]!.max + 1);
});

test('behind a proxy (serve.trustProxy), clients are told apart by the address the proxy appended', async () => {
  const config = JSON.parse(nl.read('herald.config.json')) as { serve: Record<string, unknown> };
  nl.write('herald.config.json', JSON.stringify({ ...config, serve: { ...config.serve, trustProxy: true } }));
  const at = await serve();
  const from = (ip: string, email: string) => fetch(at('/subscribe'), { ...post({ email }), headers: { 'X-Forwarded-For': `198.51.100.1, ${ip}` } });
  for (let i = 0; i < PER_CLIENT_WINDOWS[0]!.max; i++) expect((await from('203.0.113.5', `a${i}@example.com`)).status).toBe(200);
  expect((await from('203.0.113.5', 'a-more@example.com')).status).toBe(429);
  expect((await from('203.0.113.6', 'b@example.com')).status).toBe(200);
  expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
  expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
  expect(clientOf('192.0.2.9', '203.0.113.5', false)).toBe('192.0.2.9');
});

test('a GET never changes anything: no confirmation, no count, no subscriber', async () => {
  const at = await serve();
  const token = confirmToken({ email: 'get@example.com', name: '', at: clock }, SECRET);
  for (let i = 0; i < 20; i++) {
    expect((await fetch(at('/subscribe?email=get%40example.com'))).status).toBe(200);
    expect((await fetch(at(`/subscribe/confirm?token=${token}`))).status).toBe(200);
  }
  expect(active()).toEqual(['ann@example.com']);
  expect(smtp.messages).toHaveLength(0);
  const db = new Database(path.join(nl.root, '.herald', RATE_LIMIT_FILE), { readonly: true });
  try {
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(0);
  } finally {
    db.close();
  }
});
