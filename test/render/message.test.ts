/**
 * One subscriber's message, as bytes herald's composer (compose.ts) makes them, read back with an
 * independent MIME parser (mailparser):
 * one recipient, stable Message-ID, list headers for one-click unsubscribe, both parts, and
 * display names that round-trip and cannot inject headers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource } from '../../src/discover/posts';
import { HeraldError } from '../../src/errors';
import { resolveSender, type Sender, unsubscribeLinks } from '../../src/render/envelope';
import { compileMessage, personalise } from '../../src/render/compose';
import { messageBytes, type RenderedMessage as OutgoingMessage, type Recipient } from '../../src/render/rendered-message';
import { composeTestCopy } from '../../src/render/one-message';
import { renderPost, type RenderedPost } from '../../src/render/post';
import { unsubscribeToken, verifyUnsubscribeToken } from '../../src/unsubscribe/token';

const SECRET = 'unit-test-secret-0123456789abcdef';
const DATE = new Date('2026-01-15T10:00:00Z');
const ANN: Recipient = { email: 'ann@example.com', key: 'ann@example.com', name: 'Ann Lee', smtputf8: false };
const BO: Recipient = { email: 'bo@example.com', key: 'bo@example.com', name: 'Bo', smtputf8: false };

let root: string;

function settingsFor(config: Record<string, unknown>, env: NodeJS.ProcessEnv = { HERALD_SECRET: SECRET }): Settings {
  fs.writeFileSync(
    path.join(root, 'herald.config.json'),
    JSON.stringify({ name: 'Test Letter', siteUrl: 'https://blog.example.com/', from: 'Test Letter <news@example.com>', ...config }),
  );
  return loadSettings(root, env);
}

const FULL = { unsubscribe: { url: 'https://blog.example.com/unsubscribe', mailto: 'unsubscribe@example.com' }, replyTo: 'editor@example.com' };

async function renderFor(settings: Settings, text = '---\ntitle: Hello, world\nsummary: Preheader\n---\nThe body of the post.\n', rel = 'hello.md'): Promise<RenderedPost> {
  return renderPost(postFromSource(text, rel), settings, DATE);
}

async function setup(config: Record<string, unknown> = FULL, env?: NodeJS.ProcessEnv): Promise<{ sender: Sender; rendered: RenderedPost; settings: Settings }> {
  const settings = settingsFor(config, env);
  const sender = resolveSender(settings, { requireSecret: true });
  return { settings, sender, rendered: await renderFor(settings) };
}

/** A subscriber's message as the send loop composes it, or a test copy as `send --to` does. */
function buildMessage(rendered: RenderedPost, sender: Sender, recipient: Recipient, opts: { date: Date; test?: boolean }): OutgoingMessage & { raw: Buffer } {
  if (opts.test) return composeTestCopy(rendered, sender, recipient, { date: opts.date });
  const message = personalise(compileMessage(rendered, sender, opts.date), recipient);
  return { ...message, raw: messageBytes(message) };
}

async function parse(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw);
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value);

function headerBlock(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.slice(0, text.indexOf('\r\n\r\n'));
}

/** Unfolded header lines, so a header that spans several lines counts as one. */
function headerLines(raw: Buffer): string[] {
  return headerBlock(raw).replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-unit-'));
  fs.mkdirSync(path.join(root, 'templates'));
  fs.copyFileSync(path.resolve(__dirname, '../../templates/default.mjml'), path.join(root, 'templates', 'default.mjml'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('recipients and envelope', () => {
  test('the message has exactly one To, the subscriber, and no Cc or Bcc', async () => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    const mail = await parse(message.raw);
    expect(addresses(mail.to)).toEqual([{ address: 'ann@example.com', name: 'Ann Lee' }]);
    expect(mail.cc).toBeUndefined();
    expect(mail.bcc).toBeUndefined();
    expect(headerLines(message.raw).filter((l) => /^(to|cc|bcc):/i.test(l))).toHaveLength(1);
    expect(message.envelope).toEqual({ from: 'news@example.com', to: 'ann@example.com' });
    expect(message.smtputf8).toBe(false);
  });

  test('From, Reply-To, Subject and Date are set', async () => {
    const { sender, rendered } = await setup();
    const mail = await parse((await buildMessage(rendered, sender, ANN, { date: DATE })).raw);
    expect(addresses(mail.from)).toEqual([{ address: 'news@example.com', name: 'Test Letter' }]);
    expect(addresses(mail.replyTo)).toEqual([{ address: 'editor@example.com', name: '' }]);
    expect(mail.subject).toBe('Hello, world');
    expect(mail.date?.toISOString()).toBe(DATE.toISOString());
  });

  test('a Unicode address is sent as is, flagged for SMTPUTF8', async () => {
    const { sender, rendered } = await setup();
    const zoe: Recipient = { email: 'zoë@例え.jp', key: 'zoë@例え.jp', name: 'Zoë', smtputf8: true };
    const message = await buildMessage(rendered, sender, zoe, { date: DATE });
    expect(message.smtputf8).toBe(true);
    expect(message.envelope.to).toBe('zoë@例え.jp');
    expect(addresses((await parse(message.raw)).to)).toEqual([{ address: 'zoë@例え.jp', name: 'Zoë' }]);
  });
});

describe('Message-ID', () => {
  test('is the same for the same post and subscriber, and different for another subscriber or post', async () => {
    const { settings, sender, rendered } = await setup();
    const first = await buildMessage(rendered, sender, ANN, { date: DATE });
    const again = await buildMessage(rendered, sender, ANN, { date: new Date(DATE.getTime() + 3_600_000) });
    const other = await buildMessage(rendered, sender, BO, { date: DATE });
    const otherPost = await buildMessage(await renderFor(settings, '# Another\n\nText.\n', 'another.md'), sender, ANN, { date: DATE });
    expect(first.messageId).toMatch(/^<[0-9a-f]{40}@example\.com>$/);
    expect(again.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
    expect(otherPost.messageId).not.toBe(first.messageId);
    expect((await parse(first.raw)).messageId).toBe(first.messageId);
    expect((await parse(again.raw)).messageId).toBe(first.messageId);
    expect((await parse(other.raw)).messageId).toBe(other.messageId);
  });

  test('does not depend on the letter case of the address', async () => {
    const { sender, rendered } = await setup();
    const lower = await buildMessage(rendered, sender, ANN, { date: DATE });
    const upper = await buildMessage(rendered, sender, { ...ANN, email: 'ANN@example.com' }, { date: DATE });
    expect(upper.messageId).toBe(lower.messageId);
  });

  test('a test send gets its own Message-ID and a [test] subject', async () => {
    const { sender, rendered } = await setup();
    const real = await buildMessage(rendered, sender, ANN, { date: DATE });
    const t1 = await buildMessage(rendered, sender, ANN, { date: DATE, test: true });
    const t2 = await buildMessage(rendered, sender, ANN, { date: DATE, test: true });
    expect(t1.messageId).not.toBe(real.messageId);
    expect(t1.messageId).not.toBe(t2.messageId);
    expect((await parse(t1.raw)).subject).toBe('[test] Hello, world');
  });

  test('a test copy\'s unsubscribe links carry no working token for the tester\'s address', async () => {
    const { sender, rendered } = await setup();
    const copy = await parse(buildMessage(rendered, sender, ANN, { date: DATE, test: true }).raw);
    const real = await parse(buildMessage(rendered, sender, ANN, { date: DATE }).raw);
    const tokens = (mail: ParsedMail): string[] => [...`${mail.text} ${String(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line)}`.matchAll(/(?:token=|unsubscribe%20)([\w.-]+)/g)].map((m) => m[1]!);
    expect(tokens(real)).toContain(unsubscribeToken(ANN.key, SECRET));
    expect(tokens(copy).length).toBeGreaterThan(0);
    for (const token of tokens(copy)) expect(verifyUnsubscribeToken(token, [SECRET])).toBeUndefined();
  });
});

describe('list headers', () => {
  test('List-Id names the list', async () => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    const mail = await parse(message.raw);
    expect(headerLines(message.raw)).toContain('List-ID: Test Letter <test-letter.blog.example.com>');
    expect(mail.headers.get('list')).toMatchObject({ id: { id: 'test-letter.blog.example.com', name: 'Test Letter' } });
  });

  test('a configured listId is used as is', async () => {
    const { sender, rendered } = await setup({ ...FULL, listId: 'News <news.list.example.org>' });
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    expect(headerLines(message.raw)).toContain('List-ID: News <news.list.example.org>');
  });

  test('List-Unsubscribe has a signed https link and a mailto, with One-Click List-Unsubscribe-Post', async () => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    const lines = headerLines(message.raw);
    const listUnsubscribe = lines.find((l) => l.startsWith('List-Unsubscribe:'));
    expect(listUnsubscribe).toMatch(/^List-Unsubscribe: <https:\/\/blog\.example\.com\/unsubscribe\?token=[^>]+>, <mailto:unsubscribe@example\.com\?subject=unsubscribe%20[^>]+>$/);
    expect(lines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    const list = (await parse(message.raw)).headers.get('list') as unknown as { unsubscribe: { url: string; mail: string } };
    const token = new URL(list.unsubscribe.url).searchParams.get('token')!;
    expect(verifyUnsubscribeToken(token, [SECRET])).toBe('ann@example.com');
    expect(verifyUnsubscribeToken(token, ['another-secret'])).toBeUndefined();
    expect(list.unsubscribe.mail).toContain('unsubscribe@example.com');
  });

  test('the unsubscribe link in the HTML and the text part is the https link of the header', async () => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    const mail = await parse(message.raw);
    const url = (mail.headers.get('list') as unknown as { unsubscribe: { url: string } }).unsubscribe.url;
    expect(mail.html).toContain(`href="${url}"`);
    expect(mail.text).toContain(`Unsubscribe: ${url}`);
  });

  test('each subscriber gets their own unsubscribe token', async () => {
    const { sender, rendered } = await setup();
    const a = (await parse((await buildMessage(rendered, sender, ANN, { date: DATE })).raw)).text!;
    const b = (await parse((await buildMessage(rendered, sender, BO, { date: DATE })).raw)).text!;
    const tokenOf = (text: string) => /token=([^\s]+)/.exec(text)![1]!;
    expect(tokenOf(a)).not.toBe(tokenOf(b));
    expect(verifyUnsubscribeToken(decodeURIComponent(tokenOf(b)), [SECRET])).toBe('bo@example.com');
  });

  test('HERALD_PUBLIC_URL overrides the configured unsubscribe URL', async () => {
    const { sender, rendered } = await setup(FULL, { HERALD_SECRET: SECRET, HERALD_PUBLIC_URL: 'https://news.example.net/u' });
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    expect(headerLines(message.raw).find((l) => l.startsWith('List-Unsubscribe:'))).toContain('<https://news.example.net/u?token=');
  });

  test.each([
    'https://blog.example.com/unsubscribe',
    'https://blog.example.com/u?list=weekly%20news&lang=fr',
    'https://blog.example.com/u?token=old&x=1#form',
    'https://Blog.Example.com:8443/ünsub/',
  ])('the unsubscribe link for %s is the URL with the token set in its query', async (base) => {
    const { sender } = await setup({ unsubscribe: { url: base } });
    for (const recipient of [ANN, BO, { ...ANN, key: 'ü.ñ+tag@bücher.example' }]) {
      const token = unsubscribeToken(recipient.key, SECRET);
      const expected = new URL(base);
      expected.searchParams.set('token', token);
      expect(unsubscribeLinks(sender, recipient).visible).toBe(expected.toString());
    }
  });

  test('without an unsubscribe URL, List-Unsubscribe is the mailto alone and there is no One-Click header', async () => {
    const { sender, rendered } = await setup({}, {});
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    const lines = headerLines(message.raw);
    expect(lines.find((l) => l.startsWith('List-Unsubscribe:'))).toMatch(/^List-Unsubscribe: <mailto:news@example\.com\?subject=unsubscribe%20[^>]+>$/);
    expect(lines.some((l) => l.startsWith('List-Unsubscribe-Post:'))).toBe(false);
    expect((await parse(message.raw)).html).toContain('href="mailto:news@example.com?subject=unsubscribe%20');
  });

  test('an unsubscribe URL without HERALD_SECRET is refused when sending', () => {
    const settings = settingsFor(FULL, {});
    let caught: unknown;
    try {
      resolveSender(settings, { requireSecret: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HeraldError);
    expect((caught as HeraldError).code).toBe('ECONFIG');
    expect((caught as HeraldError).message).toMatch(/HERALD_SECRET/);
  });
});

describe('body parts', () => {
  test('there is an HTML part and a plain-text part, both with the post', async () => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, ANN, { date: DATE });
    const mail = await parse(message.raw);
    expect(headerBlock(message.raw)).toMatch(/Content-Type: multipart\/alternative/);
    expect(mail.html).toBeTruthy();
    expect(mail.html).toContain('The body of the post.');
    expect(mail.html).toContain('Hi Ann Lee,');
    expect(mail.text).toContain('The body of the post.');
    expect(mail.text).toContain('https://blog.example.com/hello/');
    expect(mail.text).not.toMatch(/<p>/);
  });

  test('no line of the raw message is longer than 998 characters', async () => {
    const { settings, sender } = await setup();
    const long = await renderFor(settings, `# Long\n\n${'word '.repeat(3000)}\n\n| a | b |\n|---|---|\n| ${'x'.repeat(1500)} | y |\n`, 'long.md');
    const message = await buildMessage(long, sender, ANN, { date: DATE });
    const longest = Math.max(...message.raw.toString('utf8').split('\r\n').map((l) => Buffer.byteLength(l)));
    expect(longest).toBeLessThanOrEqual(998);
  });
});

describe('display names', () => {
  test.each([
    ['a comma', 'Doe, Jane'],
    ['quotes and a backslash', 'Jane "JD" \\ Doe'],
    ['angle brackets and an @', 'Jane <jane@evil.example>'],
    ['Unicode', 'Zoë Ångström 例え 🙂'],
    ['a semicolon and parentheses', 'Doe; Jane (work)'],
    ['a very long name', 'Bartholomew '.repeat(16).trim() + ' Ünïcødé-Smith'],
  ])('a name with %s is encoded and round-trips, with still one recipient', async (_label, name) => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, { ...ANN, name }, { date: DATE });
    const mail = await parse(message.raw);
    expect(addresses(mail.to)).toEqual([{ address: 'ann@example.com', name }]);
    expect(mail.cc).toBeUndefined();
    expect(mail.bcc).toBeUndefined();
    // every header line stays within the RFC 5322 limit of 998 characters
    for (const line of headerBlock(message.raw).split('\r\n').filter((l) => /^To:|^\s/.test(l))) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(998);
    }
    expect(message.envelope.to).toBe('ann@example.com');
  });

  test('a name with a comma greets the subscriber by the whole name in the HTML', async () => {
    const { sender, rendered } = await setup();
    const mail = await parse((await buildMessage(rendered, sender, { ...ANN, name: 'Doe, Jane & <Co>' }, { date: DATE })).raw);
    expect(mail.html).toContain('Hi Doe, Jane &amp; &lt;Co&gt;,');
  });

  test.each([
    ['CRLF', 'Ann\r\nBcc: evil@attacker.example'],
    ['LF', 'Ann\nBcc: evil@attacker.example'],
    ['CR', 'Ann\rBcc: evil@attacker.example'],
    ['CRLF and a blank line', 'Ann\r\n\r\nInjected body'],
  ])('a name containing %s cannot inject a header', async (_label, name) => {
    const { sender, rendered } = await setup();
    const message = await buildMessage(rendered, sender, { ...ANN, name }, { date: DATE });
    const mail = await parse(message.raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('bcc')).toBe(false);
    expect(addresses(mail.to).map((a) => a.address)).toEqual(['ann@example.com']);
    expect(headerLines(message.raw).filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(mail.subject).toBe('Hello, world');
    expect(mail.html).toContain('The body of the post.');
    expect(message.envelope.to).toBe('ann@example.com');
  });
});
