import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/load';
import { postFromSource } from '../../src/discover/posts';
import { compileMessage, encodeText, formatAddress, listIdValue, personalise } from '../../src/render/compose';
import { resolveSender } from '../../src/render/envelope';
import { headerText } from '../../src/render/header-text';
import { messageBytes, type Recipient } from '../../src/render/rendered-message';
import { nodemailerMessage } from './nodemailer-reference';
import { renderPost } from '../../src/render/post';
import { decodePhrase, decodeText, readHeaderSection, readMailbox } from '../e2e/strict-headers';

const REPO = path.resolve(__dirname, '../..');

describe('header text', () => {
  test.each([
    ['Plain title', 'Plain title'],
    ['Hello\u0000World', 'Hello World'],
    ['a\r\nBcc: x@attacker.example', 'a Bcc: x@attacker.example'],
    ['tab\tand \u0007 bell', 'tab and bell'],
    ['next\u0085line\u2028sep', 'next line sep'],
    ['Café — ok', 'Café — ok'],
  ])('%j becomes %j', (input, output) => {
    expect(headerText(input)).toBe(output);
  });
});

describe('the fast path writes every header value as RFC 5322 / RFC 2047 ASCII', () => {
  test('plain ASCII subjects are written as they are', () => {
    expect(encodeText('A plain subject: 100% (really)')).toBe('A plain subject: 100% (really)');
  });

  test('control characters in a subject become spaces; the result is ASCII', () => {
    const encoded = encodeText('Hi\u0000there\r\nBcc: x@attacker.example');
    expect(encoded).toBe('Hi there Bcc: x@attacker.example');
  });

  test('a subject that looks like an encoded-word is encoded itself, so it reads as written', () => {
    const encoded = encodeText('Why =?utf-8?q?this?= matters');
    expect(encoded).toMatch(/^=\?UTF-8\?Q\?/);
    expect(decodeText(encoded)).toBe('Why =?utf-8?q?this?= matters');
  });

  test('a subject of one very long word is split into encoded-words, every header line within 998 octets', () => {
    const word = 'x'.repeat(2500);
    const encoded = encodeText(`Long ${word}`);
    expect(decodeText(encoded)).toBe(`Long ${word}`);
    const fields = readHeaderSection(Buffer.from(`Subject: ${encodedFolded(encoded)}\r\n\r\n`));
    expect(fields).toHaveLength(1);
  });

  test.each([
    ['Ada Lovelace', 'Ada Lovelace <ada@example.com>'],
    ['Hopper, Grace', '"Hopper, Grace" <ada@example.com>'],
    ['Zoë', '=?UTF-8?Q?Zo=C3=AB?= <ada@example.com>'],
    ['Bell\u0007 Name', 'Bell Name <ada@example.com>'.replace('Bell Name', '"Bell Name"')],
    ['\u0000', 'ada@example.com'],
  ])('the name %j is written as %j', (name, written) => {
    expect(formatAddress(name, 'ada@example.com')).toBe(written);
  });

  test('a display name too long for one line becomes encoded-words', () => {
    const name = 'N'.repeat(1200);
    const value = formatAddress(name, 'ada@example.com');
    expect(readMailbox(value)).toEqual({ name, address: 'ada@example.com' });
    expect(value.split(' ').every((w) => w.length <= 75)).toBe(true);
  });

  test.each([
    ['Test Letter <test-letter.blog.example.com>', 'Test Letter <test-letter.blog.example.com>'],
    ['Example.com News <news.example.com>', 'Example.com News <news.example.com>'],
    ['<news.example.com>', '<news.example.com>'],
    ['news.example.com', 'news.example.com'],
    ['Tom: "News" <news.example.com>', '"Tom: \\"News\\"" <news.example.com>'],
  ])('the List-Id %j is written as %j', (listId, written) => {
    expect(listIdValue(listId)).toBe(written);
  });

  test('a List-Id name beyond ASCII becomes encoded-words that read back as the name', () => {
    const value = listIdValue('Le Café Crème — Dépêche <le-caf-cr-me-d-p-che.example.com>');
    expect(value).toMatch(/^[\x20-\x7e]+$/);
    const match = /^(.*) <le-caf-cr-me-d-p-che\.example\.com>$/.exec(value);
    expect(decodePhrase(match![1]!)).toBe('Le Café Crème — Dépêche');
  });
});

/** foldLines as compose.ts uses it, for a standalone value. */
function encodedFolded(value: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { foldLines } = require('nodemailer/lib/mime-funcs') as typeof import('nodemailer/lib/mime-funcs');
  return foldLines(`Subject: ${value}`, 76).slice('Subject: '.length);
}

describe('a hostile title and names through both composers', () => {
  let dir: string;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the fast path and nodemailer\'s composer both write strict headers with the same decoded values', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-header-values-'));
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.copyFileSync(path.join(REPO, 'templates/default.mjml'), path.join(dir, 'templates/default.mjml'));
    fs.writeFileSync(path.join(dir, 'herald.config.json'), JSON.stringify({
      name: 'Le Café — Dépêche', siteUrl: 'https://blog.example.com/', from: 'Le Café <news@example.com>', replyTo: 'Rédaction <ed@example.com>', subject: '{{title}} · {{ name | "reader" }}',
    }));
    const settings = loadSettings(dir, { HERALD_SECRET: 'secret' });
    const sender = resolveSender(settings, { requireSecret: false });
    // set on the post itself: discovery refuses a NUL in a title, and this is the defence behind it
    const post = { ...postFromSource('---\ntitle: T\n---\ntext\n', 'hostile.md'), title: 'Nul\0here =?utf-8?q?x?= \r\nBcc: x@attacker.example' };
    const rendered = await renderPost(post, settings, new Date('2026-01-01T00:00:00Z'));
    const recipient: Recipient = { email: 'ada@example.com', key: 'ada@example.com', name: 'Ada\u0085 Lovelace\u2028', smtputf8: false };
    const date = new Date('2026-01-02T03:04:05Z');
    const fast = messageBytes(personalise(compileMessage(rendered, sender, date), recipient));
    const slow = (await nodemailerMessage(rendered, sender, recipient, { date })).raw;
    const read = (raw: Buffer) => {
      const fields = readHeaderSection(raw);
      const one = (name: string): string => {
        const found = fields.filter((f) => f.name.toLowerCase() === name);
        expect(found).toHaveLength(1);
        return found[0]!.value;
      };
      return {
        subject: decodeText(one('subject')),
        to: readMailbox(one('to')),
        from: readMailbox(one('from')),
        replyTo: readMailbox(one('reply-to')),
        listId: decodePhrase(/^(.*) </.exec(one('list-id'))![1]!),
        extra: fields.filter((f) => /^(bcc|cc)$/i.test(f.name)),
      };
    };
    const expected = {
      subject: 'Nul here =?utf-8?q?x?= Bcc: x@attacker.example · Ada Lovelace ',
      to: { name: 'Ada Lovelace', address: 'ada@example.com' },
      from: { name: 'Le Café', address: 'news@example.com' },
      replyTo: { name: 'Rédaction', address: 'ed@example.com' },
      listId: 'Le Café — Dépêche',
      extra: [],
    };
    expect(read(fast)).toEqual(expected);
    expect(read(slow)).toEqual(expected);
  });
});
