import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource } from '../../src/discover/posts';
import { compileMessage, personalise } from '../../src/render/compose';
import { resolveSender, type Sender } from '../../src/render/envelope';
import { buildMessage, messageBytes, type Recipient } from '../../src/render/message';
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
    const slow = await simpleParser((await buildMessage(rendered, sender, recipient, { date })).raw);
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
