/**
 * The preferences page through the real CLI: every email links to it ("Manage your subscription",
 * the same signed token as the unsubscribe link); opening it changes nothing; a POST needs the
 * page's nonce; a saved choice changes what the next `herald send` does and survives a re-import;
 * "Unsubscribe" there leaves. The page passes axe-core in Chromium (skipped without Chromium).
 */
import fs from 'node:fs';
import path from 'node:path';
import { findChromium, CHROMIUM_ARGS } from '../../src/preview/screenshot';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, heraldEnv } from './helpers';
import { type Serving, startServe } from '../support/serve-process';

const PUBLIC_URL = 'https://news.example.com/unsubscribe';
const TOPICS = { rust: { label: 'Rust', match: ['cargo'] }, go: { label: 'Go', match: [] } };
const LIST = 'email,name,topics\nann@example.com,Ann,rust\nbo@example.com,Bo,go\n';
const chromium = findChromium();

describe('the preferences page, end to end', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;
  let serving: Serving | undefined;

  beforeEach(async () => {
    server = await startSmtpServer();
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: PUBLIC_URL }, topics: TOPICS },
      posts: { 'old.md': '# Old\n\nFrom before.\n' },
      subscribers: { 'list.csv': LIST },
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    serving = await startServe(nl, heraldEnv(server, { HERALD_PUBLIC_URL: PUBLIC_URL }));
  });

  afterEach(async () => {
    await serving?.stop();
    serving = undefined;
    await server.close();
    nl.remove();
  });

  /** Sends a new post and returns Ann's "Manage your subscription" link, made local. */
  async function annsLink(): Promise<string> {
    nl.write('posts/everyone.md', '# For everyone\n\nHello.\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const mail = server.messages.find((m) => m.envelopeTo.includes('ann@example.com'))!;
    const html = String(mail.parsed.html);
    const found = /<a href="https:\/\/news\.example\.com(\/preferences\?token=[^"]+)"[^>]*>Manage your subscription<\/a>/.exec(html);
    expect(found).not.toBeNull();
    const unsubscribe = /https:\/\/news\.example\.com\/unsubscribe\?token=([^"&]+)/.exec(html)![1];
    expect(found![1]).toBe(`/preferences?token=${unsubscribe}`);
    // the plain-text part has the same link, under the unsubscribe one
    expect(String(mail.parsed.text)).toContain(`Unsubscribe: https://news.example.com/unsubscribe?token=${unsubscribe}\nManage your subscription: https://news.example.com/preferences?token=${unsubscribe}\n`);
    return serving!.origin + found![1]!.replace(/&amp;/g, '&');
  }

  const nonceIn = (html: string): string => /name="nonce" value="([^"]+)"/.exec(html)![1]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  const post = (url: string, fields: Record<string, string>): Promise<Response> => fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });

  test('GET shows the choices and changes nothing; a POST without the nonce changes nothing; a saved choice routes the next send and survives a re-import', async () => {
    const link = await annsLink();
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<input type="checkbox" id="topic-0" name="topic:rust" value="yes" checked><label for="topic-0">Rust<\/label>/);
    expect(html).toMatch(/name="topic:go" value="yes"><label/);
    expect(html).not.toMatch(/<script/i);
    expect(fs.existsSync(path.join(nl.root, 'subscribers/preferences.csv'))).toBe(false);

    expect((await post(link, { action: 'save', 'topic:go': 'yes' })).status).toBe(403);
    expect((await post(link, { action: 'save', 'topic:go': 'yes', nonce: 'x.y.z' })).status).toBe(403);
    const forged = (await post(link.replace(/token=[^&]+/, 'token=YW5uQGV4YW1wbGUuY29t.forged'), { action: 'save', nonce: nonceIn(html) })).status;
    expect(forged).toBe(403);
    expect(fs.existsSync(path.join(nl.root, 'subscribers/preferences.csv'))).toBe(false);

    const saved = await post(link, { nonce: nonceIn(html), action: 'save', 'topic:go': 'yes', timezone: 'Europe/Berlin' });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved.');
    expect(nl.read('subscribers/preferences.csv')).toMatch(/^email,topics,timezone,frequency,date\nann@example.com,go,Europe\/Berlin,instant,\d{4}-/);

    // a re-import rewrites the list; the choice stays
    nl.write('subscribers/list.csv', LIST);
    server.messages.length = 0;
    nl.write('posts/rust.md', '---\ntitle: Rust news\ntags: rust\n---\nBorrowing.\n');
    nl.write('posts/go.md', '---\ntitle: Go news\ntags: go\n---\nChannels.\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const to = (subject: string): string[] => server.messages.filter((m) => m.parsed.subject === subject).flatMap((m) => m.envelopeTo).sort();
    expect(to('Rust news')).toEqual([]);
    expect(to('Go news')).toEqual(['ann@example.com', 'bo@example.com']);

    // a daily digest instead: the next post waits for Ann's digest
    const again = await (await fetch(link)).text();
    expect(again).toMatch(/<option value="instant" selected>/);
    expect((await post(link, { nonce: nonceIn(again), action: 'save', 'topic:go': 'yes', frequency: 'daily' })).status).toBe(200);
    expect(nl.read('subscribers/preferences.csv')).toContain('ann@example.com,go,,daily,');
    nl.write('posts/go2.md', '---\ntitle: More Go\ntags: go\n---\nSelect.\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(to('More Go')).toEqual(['bo@example.com']);
  });

  test('a bad time zone is refused and changes nothing; Unsubscribe on the page leaves', async () => {
    const link = await annsLink();
    const html = await (await fetch(link)).text();
    const bad = await post(link, { nonce: nonceIn(html), action: 'save', timezone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(fs.existsSync(path.join(nl.root, 'subscribers/preferences.csv'))).toBe(false);
    const left = await post(link, { nonce: nonceIn(html), action: 'leave' });
    expect(left.status).toBe(200);
    expect(nl.read('subscribers/suppressed.csv')).toMatch(/ann@example.com,unsubscribed,.*preferences page/);
    expect(await (await fetch(link)).text()).toContain('is not subscribed');
  });

  (chromium ? test : test.skip)('the page works without JavaScript and passes axe-core in Chromium, at 375 and 600 px', async () => {
    const link = await annsLink();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium: launcher } = require('playwright-core') as typeof import('playwright-core');
    const browser = await launcher.launch({ executablePath: chromium, args: [...CHROMIUM_ARGS], chromiumSandbox: false });
    try {
      for (const width of [375, 600]) {
        const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: width === 600, bypassCSP: true });
        const page = await context.newPage();
        await page.goto(link);
        if (width === 375) {
          // no script at all: the form still saves (the CSP is bypassed only so that axe can be injected at 600 px)
          await page.check('#topic-1');
          await page.click('button[value=save]');
          expect(await page.textContent('body')).toContain('Saved.');
          expect(nl.read('subscribers/preferences.csv')).toContain('ann@example.com,rust;go,');
        } else {
          await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
          const result = await page.evaluate(async () => (globalThis as unknown as { axe: { run: () => Promise<{ violations: { id: string; help: string }[] }> } }).axe.run());
          expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
        expect(overflow).toBe(false);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  }, 90_000);
});
