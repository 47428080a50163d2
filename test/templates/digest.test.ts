/**
 * The digest template, proven on a digest of every example post as herald renders it for a
 * subscriber: each post's title linked, its date, its summary, "Read more", in order; no reading
 * time and no site button; the footer with unsubscribe and "Manage your subscription" in both
 * parts; dark mode; nothing remote but absolute links; under Gmail's clip. And the plain-text
 * part of an ordinary post carries the preferences link whenever its HTML does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../../src/config/load';
import type { Post } from '../../src/discover/posts';
import { digestOf } from '../../src/pipeline/digests';
import { fillMessage, GMAIL_CLIP_BYTES, longDate, postUrl, renderPost } from '../../src/render/post';
import { escapeHtml } from '../../src/render/template';
import { lintEmail } from '../../src/spam/lint';
import { examplePosts, exampleSettings, NOW, READER, REPO } from './example';

const settings: Settings = exampleSettings();
const posts: Post[] = examplePosts(settings).sort((a, b) => (a.date?.getTime() ?? 0) - (b.date?.getTime() ?? 0));
const digest = digestOf('digest/2026-06-01/abc', posts, settings);
const PREFERENCES = 'https://blog.example.com/preferences?token=reader-token';
const UNSUBSCRIBE = 'https://blog.example.com/unsubscribe?token=reader-token';
const reader = { name: READER.name, email: READER.email, unsubscribe_url: UNSUBSCRIBE, preferences_url: PREFERENCES };

describe('digest template', () => {
  let html: string;
  let text: string;

  beforeAll(async () => {
    const rendered = await renderPost(digest, { ...settings, preferencesPage: true }, NOW);
    expect(rendered.templateFile).toBe('templates/digest.mjml');
    expect(rendered.warnings).toEqual([]);
    ({ html, text } = fillMessage(rendered, reader));
  });

  test('lists every post in order: its title linked to its page, its date, its summary, and "Read more"', () => {
    expect(posts.length).toBeGreaterThanOrEqual(3);
    const titles = [...html.matchAll(/<h2><a href="([^"]+)"[^>]*>([^<]+)<\/a><\/h2>/g)].map((m) => [m[1], m[2]]);
    expect(titles).toEqual(posts.map((p) => [escapeHtml(postUrl(p, settings)), escapeHtml(p.title)]));
    const more = [...html.matchAll(/<a href="([^"]+)"[^>]*>Read more<\/a>/g)].map((m) => m[1]);
    expect(more).toEqual(posts.map((p) => escapeHtml(postUrl(p, settings))));
    let at = 0;
    for (const post of posts) {
      const item = html.indexOf(`>${escapeHtml(post.title)}</a></h2>`, at);
      expect(item).toBeGreaterThan(at);
      if (post.date) expect(html.indexOf(`<small>${longDate(post.date)}</small>`, item)).toBeGreaterThan(item);
      expect(html.indexOf(escapeHtml(post.summary!).slice(0, 40), item)).toBeGreaterThan(item);
      at = item;
    }
  });

  test('has no reading time and no button to the site, and a greeting under the title', () => {
    expect(html).not.toContain('min read');
    expect(html).not.toContain('Read it on the website');
    expect(html).not.toContain('class="pad cta"');
    expect(html).toMatch(new RegExp(`<h1[^>]*>${escapeHtml(digest.title)}</h1>`));
    expect(html).toContain(`Hi ${escapeHtml(READER.name)},`);
  });

  test('ends with the same footer as a post: unsubscribe, "Manage your subscription", postal address', () => {
    const footer = html.slice(html.lastIndexOf('Read more'));
    expect(footer).toContain(`You are receiving ${escapeHtml(settings.name)} because you subscribed with ${READER.email}.`);
    expect(footer).toMatch(new RegExp(`<a href="${escapeRe(escapeHtml(UNSUBSCRIBE))}"[^>]*>Unsubscribe</a>`));
    expect(footer).toMatch(new RegExp(`<a href="${escapeRe(escapeHtml(PREFERENCES))}"[^>]*>Manage your subscription</a>`));
    expect(footer).toContain(escapeHtml(settings.postalAddress!));
  });

  test('declares light and dark colour schemes and overrides colours for dark mode', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    const dark = /@media \(prefers-color-scheme: ?dark\) ?\{(.*?\})\}/.exec(html);
    expect(dark).not.toBeNull();
    for (const selector of ['.card', '.post h2 a', '.post a', '.post small', '.foot a']) expect(dark![1]).toContain(selector);
    for (const rule of dark![1]!.match(/\{[^}]*\}/g)!) expect(rule).toMatch(/!important/);
  });

  test('is lean, absolute, filled, clean for the spam lint and under the clip size', () => {
    for (const href of [...html.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<a\b[^>]*?\shref="([^"]*)"/g)].map((m) => m[1])) expect(href).toMatch(/^https:\/\//);
    expect(html.replace(/<style\b[\s\S]*?<\/style>/g, '')).not.toMatch(/\{\{|\}\}|HERALD[0-9a-f]{12}X/);
    expect(lintEmail({ html, text, postalAddress: settings.postalAddress, file: digest.file })).toEqual([]);
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(GMAIL_CLIP_BYTES);
    // what is not the posts' is the template's: a few kilobytes, not tens
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(16 * 1024);
  });

  test('the plain text has the titles and links in order, no reading time, and both footer links', () => {
    let at = 0;
    for (const post of posts) {
      const item = text.indexOf(`## ${post.title}`, at);
      expect(item).toBeGreaterThanOrEqual(at);
      expect(text.indexOf(postUrl(post, settings), item)).toBeGreaterThan(item);
      at = item + 1;
    }
    expect(text).not.toContain('min read');
    expect(text).not.toContain('Read it on the website');
    expect(text).toContain(`Unsubscribe: ${UNSUBSCRIBE}\nManage your subscription: ${PREFERENCES}\n`);
  });

  test('a folder with a digest.mjml of its own uses it; one without uses the built-in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-digest-'));
    try {
      fs.mkdirSync(path.join(dir, 'templates'));
      const own = { ...settings, root: dir, templatesDir: path.join(dir, 'templates') };
      expect((await renderPost(digest, own, NOW)).templateFile).toBe('built-in digest template');
      fs.copyFileSync(path.join(REPO, 'templates', 'minimal.mjml'), path.join(dir, 'templates', 'digest.mjml'));
      expect((await renderPost(digest, own, NOW)).templateFile).toBe('templates/digest.mjml');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the plain-text part of a post', () => {
  const post = posts[0]!;

  test('links to the preferences page under the unsubscribe link when there is one', async () => {
    const { text, html } = fillMessage(await renderPost(post, { ...settings, preferencesPage: true }, NOW), reader);
    expect(html).toContain('>Manage your subscription</a>');
    expect(text).toContain(`Unsubscribe: ${UNSUBSCRIBE}\nManage your subscription: ${PREFERENCES}\n`);
  });

  test('has no such line without a preferences page', async () => {
    const { text, html } = fillMessage(await renderPost(post, { ...settings, preferencesPage: false }, NOW), { ...reader, preferences_url: undefined });
    expect(html).not.toContain('Manage your subscription');
    expect(text).not.toContain('Manage your subscription');
    expect(text).toContain(`Unsubscribe: ${UNSUBSCRIBE}`);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
