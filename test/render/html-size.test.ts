/**
 * What the HTML of an email weighs with the default template, measured in bytes as Gmail counts
 * them: the benchmark's 10 KB post, a post with a 200-row table, and posts up to 1 MiB, whose
 * footer and unsubscribe link must start within the first 90,000 bytes (Gmail hides what comes
 * after ~102 KB), the post cut at a block boundary before a link to the rest on the site.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeNewsletter, makePost } from '../../bench/lib/fixture';
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource, type Post } from '../../src/discover/posts';
import { resolveSender, unsubscribeLinks } from '../../src/render/envelope';
import { markdownToHtml } from '../../src/render/markdown';
import { fillMessage, GMAIL_CLIP_BYTES, renderPost, type RenderedPost } from '../../src/render/post';

const REPO = path.resolve(__dirname, '../..');
const NOW = new Date('2026-06-01T12:00:00Z');
// the bench's kind of subscriber, with a name and an address longer than most
const READER = { key: 'oluwaseun.angstrom.0@mail.example.com', email: 'oluwaseun.angstrom.0@mail.example.com', name: 'Olúwaseun Ångström' };

let dir: string;
let settings: Settings;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-size-'));
  makeNewsletter(dir, { heraldRoot: REPO, subscribers: 1, sessions: 1 });
  settings = loadSettings(dir, { HERALD_SECRET: 'bench' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function filled(rendered: RenderedPost): { html: Buffer; unsubscribeAt: number; unsubscribeUrl: string } {
  const unsubscribeUrl = unsubscribeLinks(resolveSender(settings, { requireSecret: true }), READER).visible;
  const html = Buffer.from(fillMessage(rendered, { name: READER.name, email: READER.email, unsubscribe_url: unsubscribeUrl }).html, 'utf8');
  return { html, unsubscribeAt: html.indexOf(`href="${unsubscribeUrl.replace(/&/g, '&amp;')}"`), unsubscribeUrl };
}

function tablePost(rows: number): Post {
  const lines = ['| day | sent | opened | note |', '| --- | --- | --- | --- |'];
  for (let i = 1; i <= rows; i++) lines.push(`| ${i} | ${9000 + i * 7} | ${3000 + i * 3} | quiet steady ${i % 2 ? 'harbour' : 'river'} |`);
  return postFromSource(`---\ntitle: Two hundred rows\ndate: 2026-05-04\n---\n\nThe numbers:\n\n${lines.join('\n')}\n`, 'table.md');
}

const KB = 1024;

test('the 10 KB benchmark post is at most 22 KB of HTML with the default template', async () => {
  const post = postFromSource(makePost({ seed: 1 }), 'bench.md');
  expect(Buffer.byteLength(post.body)).toBeGreaterThan(9.5 * KB);
  const rendered = await renderPost(post, settings, NOW);
  const { html, unsubscribeAt } = filled(rendered);
  expect(rendered.warnings).toEqual([]);
  expect(html.length).toBeLessThanOrEqual(22 * KB);
  expect(unsubscribeAt).toBeGreaterThan(html.length - 1500);
});

test('a post with a 200-row, 4-column table is at most 60 KB of HTML: no style is repeated per cell', async () => {
  const rendered = await renderPost(tablePost(200), settings, NOW);
  const { html, unsubscribeAt } = filled(rendered);
  const text = html.toString('utf8');
  expect(rendered.warnings).toEqual([]);
  expect(html.length).toBeLessThanOrEqual(60 * KB);
  expect(unsubscribeAt).toBeGreaterThan(0);
  expect(text.match(/<td\b/g)!.length).toBeGreaterThanOrEqual(800);
  const table = text.slice(text.indexOf('<thead>'), text.indexOf('</table>', text.indexOf('<thead>')));
  expect(table.length).toBeGreaterThan(12_000);
  expect(/<t[rdh]\b[^>]*\sstyle=/.test(table)).toBe(false);
});

describe('a post too long for one email is cut so the footer starts within 90,000 bytes', () => {
  const paragraphs = (bytes: number): Post => postFromSource(makePost({ seed: 3, slug: 'long', targetBytes: bytes }), 'posts/long.md');
  const list = (items: number): Post =>
    postFromSource(`---\ntitle: A long list\n---\n\n${Array.from({ length: items }, (_, i) => `- item ${i}: ${'steady words '.repeat(6)}`).join('\n')}\n`, 'posts/list.md');
  const cases: [string, () => Post][] = [
    ['120 KB of paragraphs', () => paragraphs(120 * KB)],
    ['a post just under 1 MiB', () => paragraphs(1024 * KB - 512)],
    ['a table of 12,000 rows', () => tablePost(12_000)],
    ['a list of 8,000 items', () => list(8_000)],
  ];

  test.each(cases)('%s', async (_name, make) => {
    const post = make();
    const rendered = await renderPost(post, settings, NOW);
    const { html, unsubscribeAt } = filled(rendered);
    const text = html.toString('utf8');
    expect(unsubscribeAt).toBeGreaterThan(0);
    expect(unsubscribeAt).toBeLessThanOrEqual(90_000);
    expect(html.length).toBeLessThan(GMAIL_CLIP_BYTES);
    // the warning names the post and says what happened
    expect(rendered.warnings).toHaveLength(1);
    expect(rendered.warnings[0]).toMatchObject({ severity: 'warning', location: { file: post.file } });
    expect(rendered.warnings[0]!.message).toMatch(/cut .*Read the rest on the site.*90,000 bytes/);
    // the rest is one link away, after a whole block and before the footer
    const link = text.indexOf(`<a href="${rendered.url}">Read the rest on the site</a>`);
    expect(link).toBeGreaterThan(0);
    expect(link).toBeLessThan(unsubscribeAt);
    const before = text.slice(0, text.lastIndexOf('<hr>', link));
    expect(before).toMatch(/<\/(p|table|ul|ol|pre|blockquote)>(<\/div>)?\s*$/);
    // what is kept is the post's own beginning, most of the room used
    const kept = text.slice(text.indexOf('class="pad post"'), link);
    expect(kept.length).toBeGreaterThan(60_000);
    expect(markdownToHtml(post.body, settings.siteUrl).replace(/\s+/g, '')).toContain(lastBlockOf(before).replace(/\s+/g, ''));
  });

  test('footerWithinBytes sets the limit, and 0 never cuts (Gmail then clips, and the warning says the post is the cause)', async () => {
    const post = paragraphs(200 * KB);
    const tight = await renderPost(post, { ...settings, footerWithinBytes: 40_000 }, NOW);
    expect(filled(tight).unsubscribeAt).toBeLessThanOrEqual(40_000);
    expect(filled(tight).unsubscribeAt).toBeGreaterThan(30_000);
    expect(tight.warnings[0]!.message).toContain('40,000 bytes');
    const whole = await renderPost(post, { ...settings, footerWithinBytes: 0 }, NOW);
    expect(filled(whole).html.length).toBeGreaterThan(200 * KB);
    expect(whole.warnings).toHaveLength(1);
    expect(whole.warnings[0]!.message).toMatch(/Gmail clips .*: \d+ KB of it is the post/);
    expect(whole.warnings[0]!.hint).toMatch(/Shorten the post.*footerWithinBytes/);
  });

  test('the size warning blames the template when its inline styles make the HTML large', async () => {
    const template = fs.readFileSync(path.join(REPO, 'templates', 'default.mjml'), 'utf8')
      .replace('<mj-style inline="inline">', '<mj-style inline="inline">\n      .post td, .post th { border: 1px solid #e5e7eb; padding: 6px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; word-break: break-word; color: #1f2937; font-size: 14px; line-height: 1.45; }');
    fs.writeFileSync(path.join(dir, 'templates', 'styled.mjml'), template);
    const rendered = await renderPost({ ...tablePost(900), template: 'styled' }, { ...settings, footerWithinBytes: 0 }, NOW);
    expect(rendered.warnings).toHaveLength(1);
    expect(rendered.warnings[0]!.message).toMatch(/the template templates\/styled\.mjml the other \d+ KB/);
    expect(rendered.warnings[0]!.hint).toMatch(/mj-style inline="inline".*every element/);
  });
});

/** The last paragraph, table row or list item of a piece of HTML (what these posts end with). */
function lastBlockOf(html: string): string {
  const trimmed = html.trimEnd().replace(/<\/div>$/, '');
  const inner = { table: 'tr', ul: 'li', ol: 'li' }[/<\/(\w+)>$/.exec(trimmed)![1]!] ?? 'p';
  const end = trimmed.lastIndexOf(`</${inner}>`) + inner.length + 3;
  return trimmed.slice(trimmed.lastIndexOf(`<${inner}>`, end), end);
}
