import { TEST_COPY_TOKEN } from '../../src/unsubscribe/token';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource } from '../../src/discover/posts';
import { compileMessage, headerDomain, personalise, qpChunk } from '../../src/render/compose';
import { resolveSender, type Sender } from '../../src/render/envelope';
import { messageBytes, type Recipient } from '../../src/render/rendered-message';
import { composeNotice, composeTestCopy } from '../../src/render/one-message';
import { nodemailerMessage, nodemailerNotice } from './nodemailer-reference';
import { renderPost, type RenderedPost } from '../../src/render/post';

const REPO = path.resolve(__dirname, '../..');

const RECIPIENTS: Recipient[] = [
  { email: 'ada@example.com', key: 'ada@example.com', name: 'Ada Lovelace', smtputf8: false },
  { email: 'grace@example.net', key: 'grace@example.net', name: 'Hopper, Grace', smtputf8: false },
  { email: 'quote@example.org', key: 'quote@example.org', name: 'Bobby "Tables" O\'Brien <x>', smtputf8: false },
  { email: 'zoe@example.org', key: 'zoe@example.org', name: 'Zoë Ångström', smtputf8: false },
  { email: 'long@example.com', key: 'long@example.com', name: 'Ünïcödé '.repeat(40).trim(), smtputf8: false },
  { email: 'cjk@example.jp', key: 'cjk@example.jp', name: '山田太郎 🎉 '.repeat(12).trim(), smtputf8: false },
  { email: 'nameless@example.com', key: 'nameless@example.com', name: '', smtputf8: false },
  { email: 'zoë@bücher.example', key: 'zoë@bücher.example', name: 'Zoë', smtputf8: true },
  { email: 'plain@bücher.example', key: 'plain@bücher.example', name: 'IDN', smtputf8: false },
  // at the edges of what quoted-printable keeps as it is
  { email: 'seventy6@example.com', key: 'seventy6@example.com', name: 'N'.repeat(76), smtputf8: false },
  { email: 'seventy7@example.com', key: 'seventy7@example.com', name: 'N'.repeat(77), smtputf8: false },
  { email: 'equals@example.com', key: 'equals@example.com', name: 'a=b =?utf-8?Q?x?=', smtputf8: false },
  { email: 'space@example.com', key: 'space@example.com', name: 'Trailing space ', smtputf8: false },
  { email: 'tab@example.com', key: 'tab@example.com', name: 'Tab\there', smtputf8: false },
];

function comparable(m: ParsedMail): Record<string, unknown> {
  const addresses = (v: ParsedMail['to']) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((a) => a.value.map((x) => ({ name: x.name, address: x.address })));
  return {
    subject: m.subject,
    from: addresses(m.from),
    to: addresses(m.to),
    replyTo: addresses(m.replyTo),
    messageId: m.messageId,
    listId: m.headers.get('list-id'),
    listUnsubscribe: String(m.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '').replace(/\s+/g, ' '),
    listUnsubscribePost: m.headers.get('list-unsubscribe-post'),
    feedbackId: m.headers.get('feedback-id'),
    html: m.html,
    text: m.text,
    cc: m.cc,
    bcc: m.bcc,
  };
}

describe('the fast message path is equivalent to nodemailer\'s composer', () => {
  let dir: string;
  let settings: Settings;
  let sender: Sender;
  let rendered: RenderedPost;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-compose-'));
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.copyFileSync(path.join(REPO, 'templates/default.mjml'), path.join(dir, 'templates/default.mjml'));
    fs.writeFileSync(
      path.join(dir, 'herald.config.json'),
      JSON.stringify({ name: 'Tëst Letter', siteUrl: 'https://blog.example.com/', from: 'Tëst Letter <news@example.com>', replyTo: 'Editor <ed@example.com>', subject: '{{title}} — {{newsletter_name}}', unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, postalAddress: '1 Example Street' }),
    );
    settings = loadSettings(dir, { HERALD_SECRET: 'secret' });
    sender = resolveSender(settings, { requireSecret: true });
    const long = 'A very long line without any break at all, '.repeat(30);
    const post = postFromSource(
      `---\ntitle: "Ünïcode & <friends>: a test"\nsummary: Preheader ✓\n---\nHello **world** — naïve café.\n\n${long}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n.leading dot line\n\n\`\`\`\ncode   with trailing spaces   \n\`\`\`\n`,
      'compose.md',
    );
    rendered = await renderPost(post, settings, new Date('2026-01-01T00:00:00Z'));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(RECIPIENTS.map((r) => [r.name || '(no name)', r] as const))('recipient %s gets the same message either way', async (_label, recipient) => {
    const date = new Date('2026-01-02T03:04:05Z');
    const slow = await simpleParser((await nodemailerMessage(rendered, sender, recipient, { date })).raw);
    const fastMessage = personalise(compileMessage(rendered, sender, date), recipient);
    const fast = await simpleParser(messageBytes(fastMessage));
    expect(comparable(fast)).toEqual(comparable(slow));
    expect(fast.date?.toISOString()).toBe(slow.date?.toISOString());
    expect(fastMessage.envelope).toEqual({ from: 'news@example.com', to: recipient.email });
  });

  test('every line of a fast message fits the MIME limits', () => {
    const template = compileMessage(rendered, sender, new Date());
    for (const recipient of RECIPIENTS) {
      const raw = messageBytes(personalise(template, recipient)).toString('utf8');
      const [head, ...body] = raw.split('\r\n\r\n');
      for (const line of head!.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
      for (const line of body.join('\r\n\r\n').split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(78);
      expect(raw).not.toMatch(/(^|[^\r])\n/);
    }
  });
});

describe('messages composed whole read as nodemailer\'s composer makes them', () => {
  let dir: string;
  let sender: Sender;
  let rendered: RenderedPost;
  const date = new Date('2026-01-02T03:04:05Z');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-compose-one-'));
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.copyFileSync(path.join(REPO, 'templates/default.mjml'), path.join(dir, 'templates/default.mjml'));
    fs.writeFileSync(
      path.join(dir, 'herald.config.json'),
      JSON.stringify({ name: 'Tëst Letter', siteUrl: 'https://blog.example.com/', from: 'Tëst Letter <news@example.com>', replyTo: 'Editor <ed@example.com>', unsubscribe: { url: 'https://blog.example.com/unsubscribe' } }),
    );
    const settings = loadSettings(dir, { HERALD_SECRET: 'secret' });
    sender = resolveSender(settings, { requireSecret: true });
    rendered = await renderPost(postFromSource('---\ntitle: "Ünïcode & <friends>"\n---\nHello **world** — naïve café.\n', 'one.md'), settings, date);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(RECIPIENTS.map((r) => [r.name || '(no name)', r] as const))('a test copy to %s reads the same either way, subject marked [test]', async (_label, recipient) => {
    const copy = composeTestCopy(rendered, sender, recipient, { date });
    const reference = await nodemailerMessage(rendered, { ...sender, secret: undefined, inertToken: TEST_COPY_TOKEN }, recipient, { date, test: { messageId: copy.messageId } });
    const parsed = await simpleParser(copy.raw);
    expect(comparable(parsed)).toEqual(comparable(await simpleParser(reference.raw)));
    expect(parsed.subject).toBe('[test] Ünïcode & <friends>');
    expect(copy.envelope).toEqual({ from: 'news@example.com', to: recipient.email });
  });

  test.each([
    ['an ASCII address', 'ada@example.com', 'The Dispatch'],
    ['an internationalised address and a long non-ASCII subject', 'zoë@bücher.example', 'Lë Café Crème — Dépêche '.repeat(6)],
  ])('a notice (the subscribe form\'s confirmation) to %s reads the same either way', async (_label, to, newsletter) => {
    const link = 'https://blog.example.com/subscribe/confirm?token=' + 'abc=def'.repeat(20);
    const mail = {
      from: sender.from, replyTo: sender.replyTo, to, subject: `Confirm your subscription to ${newsletter}`,
      messageId: '<confirm-1@example.com>', date, headers: { 'Auto-Submitted': 'auto-generated' },
      text: `Someone asked to subscribe ${to} to ${newsletter}.\n\nTo confirm, open this link:\n${link}\n`,
      html: `<!doctype html><html><body><p>Someone asked to subscribe <strong>${to}</strong>.</p>\n<p><a href="${link}">Confirm</a></p></body></html>`,
    };
    const notice = composeNotice({ ...mail, smtputf8: false });
    const ours = await simpleParser(notice.raw);
    const theirs = await simpleParser(await nodemailerNotice(mail));
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.headers.get('auto-submitted')).toBe('auto-generated');
    expect(ours.date?.toISOString()).toBe(date.toISOString());
    expect(notice.envelope).toEqual({ from: 'news@example.com', to });
    const [head, ...body] = notice.raw.toString('utf8').split('\r\n\r\n');
    for (const line of head!.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    for (const line of body.join('\r\n\r\n').split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(78);
  });
});

describe('the shortcuts of the fast path give what nodemailer gives', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const qp = require('nodemailer/lib/qp') as typeof import('nodemailer/lib/qp');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { normalizeDomain } = require('nodemailer/lib/shared') as typeof import('nodemailer/lib/shared');
  const random = seeded(20261126);
  const pick = (chars: string, n: number): string => Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]).join('');

  test('quoted-printable chunks of printable ASCII, links with "=" among them', () => {
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    const samples = [
      'https://news.example.com/unsubscribe?token=' + 'a'.repeat(60) + '.' + 'b'.repeat(32),
      '='.repeat(80), 'x'.repeat(75) + '=', 'x'.repeat(74) + '=y', ' '.repeat(3) + 'x', 'a=b c=d '.repeat(30) + 'e',
      ...Array.from({ length: 20_000 }, () => pick(random() < 0.5 ? ascii : 'ab= .,!?', 1 + Math.floor(random() * 300))),
    ];
    for (const text of samples) {
      expect(qpChunk(text)).toBe(`${qp.wrap(qp.encode(Buffer.from(text, 'utf8')), 76)}=\r\n`);
    }
  });

  test('domains that skip IDNA are the ones it leaves as they are', () => {
    const labels = ['a', 'example', 'xn--bcher-kva', 'xn--a', '0x10', '1', '123', 'a-b', '-a', 'b-', 'a--b', 'mail1', 'x'.repeat(63)];
    const domains = [
      ...Array.from({ length: 5_000 }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => labels[Math.floor(random() * labels.length)]).join('.')),
      ...Array.from({ length: 5_000 }, () => `${pick('abcz09-', 1 + Math.floor(random() * 12))}.${pick('abcz09-', 1 + Math.floor(random() * 6))}`),
    ];
    for (const domain of domains) {
      expect(headerDomain(domain, false)).toBe(normalizeDomain(domain, false));
      expect(headerDomain(domain, true)).toBe(normalizeDomain(domain, true));
    }
  });
});

/** A small deterministic generator, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
