/**
 * The default template, proven on every example post as herald renders it for a subscriber:
 * preheader, header, title, date and reading time, footer with list name, postal address and
 * unsubscribe link, dark mode, nothing remote but absolute links and images, under Gmail's clip.
 */
import type { Settings } from '../../src/config/load';
import type { Post } from '../../src/discover/posts';
import { escapeHtml } from '../../src/render/template';
import { GMAIL_CLIP_BYTES } from '../../src/render/post';
import { lintEmail } from '../../src/spam/lint';
import { examplePosts, exampleSettings, READER, renderWith, stressPost } from './example';

const settings: Settings = exampleSettings();
const posts: Post[] = examplePosts(settings);

/** Attribute values of every `<tag … attr="…">` outside Outlook's conditional comments. */
function attrs(html: string, tag: string, attr: string): string[] {
  const clean = html.replace(/<!--[\s\S]*?-->/g, '');
  return [...clean.matchAll(new RegExp(`<${tag}\\b[^>]*?\\s${attr}="([^"]*)"`, 'gi'))].map((m) => m[1]!);
}

const visible = (html: string): string => html.replace(/<(style|title)\b[\s\S]*?<\/\1>/gi, '').replace(/<[^>]+>/g, ' ');

test('the example newsletter has posts to render', () => {
  expect(posts.length).toBeGreaterThanOrEqual(3);
});

describe.each(posts.map((p) => [p.file, p] as const))('default template: %s', (_file, post) => {
  let html: string;
  let text: string;
  let url: string;
  let unsubscribeUrl: string;

  beforeAll(async () => {
    const r = await renderWith(settings, post);
    html = r.filled.html;
    text = r.filled.text;
    url = r.rendered.url;
    unsubscribeUrl = r.unsubscribeUrl;
    expect(r.rendered.templateFile).toBe('templates/default.mjml');
    expect(r.rendered.warnings).toEqual([]);
  });

  test('is a complete, responsive HTML document', () => {
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain(`<title>${escapeHtml(post.title)}</title>`);
    expect(html).toContain('lang="en"');
  });

  test('has a hidden preheader with the summary, before anything visible', () => {
    expect(post.summary).toBeTruthy();
    const m = /<div style="(display:none;[^"]*)">([^<]*)<\/div>/.exec(html);
    expect(m).not.toBeNull();
    expect(m![1]).toContain('mso-hide:all;');
    expect(m![1]).not.toContain('color');
    expect(m![2]!.startsWith(escapeHtml(post.summary!))).toBe(true);
    expect(m!.index).toBeLessThan(html.indexOf('<h1'));
    // not MJML's mj-preview, whose white text SpamAssassin scores as HTML_FONT_LOW_CONTRAST
    expect(html).not.toMatch(/display:none;font-size:1px;color:#ffffff/);
  });

  test('shows the newsletter name in the header, then the title, date and reading time', () => {
    const name = escapeHtml(settings.name);
    const header = html.indexOf(`>${name}</a>`);
    expect(header).toBeGreaterThan(-1);
    expect(html).toMatch(new RegExp(`<h1[^>]*>${escapeRe(escapeHtml(post.title))}</h1>`));
    expect(header).toBeLessThan(html.indexOf('<h1'));
    expect(post.date).toBeDefined();
    const day = post.date!.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
    expect(html).toMatch(new RegExp(`<time datetime="\\d{4}-\\d{2}-\\d{2}">${escapeRe(day)}</time> &middot; \\d+ min read`));
  });

  test('greets the reader by name and links to the post on the site', () => {
    expect(html).toContain(`Hi ${escapeHtml(READER.name)},`);
    expect(url).toMatch(/^https:\/\/blog\.example\.com\/.+/);
    expect(attrs(html, 'a', 'href').filter((h) => h === escapeHtml(url)).length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('Read it on the website');
  });

  test('ends with a footer: list name, postal address, unsubscribe link, after the post', () => {
    const footer = html.slice(html.lastIndexOf('Read it on the website'));
    expect(footer).toContain(`You are receiving ${escapeHtml(settings.name)} because you subscribed with ${READER.email}.`);
    expect(footer).toContain(escapeHtml(settings.postalAddress!));
    expect(unsubscribeUrl).toMatch(/^https:\/\/blog\.example\.com\/unsubscribe\?/);
    expect(footer).toMatch(new RegExp(`<a href="${escapeRe(escapeHtml(unsubscribeUrl))}"[^>]*>Unsubscribe</a>`));
    expect(footer).toContain(`&copy; ${NOW_YEAR}`);
  });

  test('declares light and dark colour schemes and overrides colours for dark mode', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark">');
    expect(html).toContain('color-scheme:light dark;');
    const dark = /@media \(prefers-color-scheme: ?dark\) ?\{(.*?\})\}/.exec(html);
    expect(dark).not.toBeNull();
    for (const selector of ['.card', '.post a', '.post pre', '.post code', '.post blockquote', '.foot a']) expect(dark![1]).toContain(selector);
    for (const rule of dark![1]!.match(/\{[^}]*\}/g)!) expect(rule).toMatch(/!important/);
  });

  test('styles the post for reading: images, code, quotes and tables cannot overflow', () => {
    const body = html.slice(html.indexOf('class="pad post"'), html.indexOf('class="pad cta"'));
    expect(body.length).toBeGreaterThan(1000);
    // a minimal inline fallback where a client without <style> would lose the layout, nothing per cell
    if (post.slug === 'welcome') {
      for (const tag of ['img', 'pre', 'table', 'blockquote']) expect(attrs(body, tag, 'style').length).toBeGreaterThan(0);
      expect(body).toMatch(/<td\b/);
    }
    for (const tag of ['td', 'th', 'p', 'li', 'strong', 'a', 'code']) expect(attrs(body, tag, 'style')).toEqual([]);
    for (const style of attrs(body, 'img', 'style')) expect(style).toMatch(/height:auto;.*width:100%;max-width:\d+px/);
    for (const style of attrs(body, 'pre', 'style')) expect(style).toMatch(/white-space:pre-wrap;.*overflow-wrap:anywhere\b/);
    for (const style of attrs(body, 'table', 'style')) expect(style).toMatch(/(^|;)width:100%/);
    for (const style of attrs(body, 'blockquote', 'style')) expect(style).toContain('border-left:4px solid');
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toMatch(/\.post th,\.post td\{border:1px solid #e5e7eb;padding:6px 8px;[^}]*\}/);
    expect(head).toMatch(/\.post p\{margin:0 0 18px\}/);
    expect(html).toMatch(/@media only screen and \(max-width: ?479px\)/);
  });

  test('uses only absolute links and images, and nothing remote but images', () => {
    for (const src of attrs(html, 'img', 'src')) expect(src).toMatch(/^https:\/\//);
    for (const href of attrs(html, 'a', 'href')) expect(href).toMatch(/^(https:\/\/|mailto:)/);
    expect(html).not.toMatch(/<link\b|@import|@font-face|fonts\.googleapis/i);
    expect(html).not.toMatch(/<script/i);
    expect(lintEmail({ html, text, postalAddress: settings.postalAddress, file: post.file })).toEqual([]);
  });

  test(`stays under Gmail's clipping size (${GMAIL_CLIP_BYTES / 1024} KB)`, () => {
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(GMAIL_CLIP_BYTES);
  });

  test('fills every placeholder', () => {
    expect(html.replace(/<style\b[\s\S]*?<\/style>/g, '')).not.toMatch(/\{\{|\}\}|HERALD[0-9a-f]{12}X/);
    expect(text).toContain(post.title);
  });
});

const NOW_YEAR = '2026';

describe('default template: optional parts', () => {
  const welcome = (): Post => posts.find((p) => p.slug === 'welcome')!;

  test('shows the logo from logoUrl in the header, linked to the site, with the name as alt text', async () => {
    const { filled } = await renderWith({ ...settings, logoUrl: 'https://blog.example.com/logo.png' }, welcome());
    const img = /<img[^>]*src="https:\/\/blog\.example\.com\/logo\.png"[^>]*>/.exec(filled.html);
    expect(img).not.toBeNull();
    expect(img![0]).toContain(`alt="${escapeHtml(settings.name)}"`);
    expect(filled.html.indexOf(img![0])).toBeLessThan(filled.html.indexOf('<h1'));
    expect(filled.html.slice(0, filled.html.indexOf(img![0]))).toMatch(/<a href="https:\/\/blog\.example\.com\/"[^>]*>\s*$/);
  });

  test('has no logo without logoUrl', async () => {
    const { filled } = await renderWith({ ...settings, logoUrl: undefined }, welcome());
    expect(attrs(filled.html.slice(0, filled.html.indexOf('<h1')), 'img', 'src')).toEqual([]);
  });

  test('leaves out the preheader, the date and the postal address when there are none', async () => {
    const bare = { ...welcome(), summary: undefined, date: undefined };
    const { filled } = await renderWith({ ...settings, postalAddress: undefined }, bare);
    expect(filled.html).not.toMatch(/<div style="display:none;/);
    expect(filled.html).not.toContain('<time');
    expect(filled.html).toMatch(/\d+ min read/);
    expect(filled.html).not.toContain('Example Street');
    expect(filled.html).toContain('>Unsubscribe</a>');
  });

  test('a post built to overflow still compiles, stays absolute and under the clip size', async () => {
    const { filled, rendered } = await renderWith(settings, stressPost());
    // its 1,600 px image is narrowed to the column, and the author told so
    expect(rendered.warnings).toHaveLength(1);
    expect(rendered.warnings[0]).toMatchObject({ severity: 'warning', location: { file: stressPost().file } });
    expect(rendered.warnings[0]!.message).toMatch(/wider than the template's 536 px column: https:\/\/blog\.example\.com\/images\/pipeline\.png \(1600 px\)/);
    expect(filled.html).toMatch(/<img width="536"/);
    expect(filled.html).not.toMatch(/(width|height)="auto"/);
    expect(filled.html).toContain('<table');
    expect(filled.html).toContain('<pre');
    for (const src of attrs(filled.html, 'img', 'src')) expect(src).toMatch(/^https:\/\//);
    expect(Buffer.byteLength(filled.html)).toBeLessThan(GMAIL_CLIP_BYTES);
  });
});

describe('minimal template (the example of a custom one)', () => {
  test.each(posts.map((p) => [p.file, p] as const))('renders %s with the essentials', async (_file, post) => {
    const { filled, unsubscribeUrl, rendered } = await renderWith(settings, post, 'minimal');
    expect(rendered.templateFile).toBe('templates/minimal.mjml');
    expect(filled.html).toContain(`<title>${escapeHtml(post.title)}</title>`);
    expect(filled.html).toContain(`href="${escapeHtml(unsubscribeUrl)}"`);
    expect(filled.html).toContain(escapeHtml(settings.postalAddress!));
    expect(visible(filled.html)).toContain(escapeHtml(post.summary!).slice(0, 40));
    expect(Buffer.byteLength(filled.html)).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(lintEmail({ html: filled.html, text: filled.text, postalAddress: settings.postalAddress, file: post.file })).toEqual([]);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
