/**
 * The live preview: a real HTTP server on 127.0.0.1 and real fs.watch. Saving a watched file
 * re-renders the page and tells the open page to reload; a render error shows in the page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENTS_PATH, servePreview, type LivePreview } from '../../src/preview/live';
import { CHROMIUM_ARGS, findChromium } from '../../src/preview/screenshot';

jest.setTimeout(30_000);

let dir: string;
let preview: LivePreview | undefined;
const logs: string[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-live-'));
  logs.length = 0;
});
afterEach(async () => {
  await preview?.close();
  preview = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function page(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.text();
}

/** Polls until the page satisfies `ok`; the watcher and the debounce take a moment. */
async function eventually(url: string, ok: (html: string) => boolean, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    last = await page(url);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the page never changed as expected; last:\n${last.slice(0, 500)}`);
}

/** Renders the file as an email-ish page; "FAIL" in it makes rendering throw, like a broken template. */
function renderFile(file: string): () => Promise<string> {
  return async () => {
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes('FAIL')) throw new Error(`cannot render <${path.basename(file)}>: it says FAIL`);
    return `<!doctype html><html><head><title>t</title></head><body><p class="content">${text}</p></body></html>`;
  };
}

test('serves the rendered email with a reload script, on 127.0.0.1 and a free port', async () => {
  const post = path.join(dir, 'post.md');
  fs.writeFileSync(post, 'first version');
  preview = await servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port: 0, log: (l) => logs.push(l) });
  expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const html = await page(preview.url);
  expect(html).toContain('<p class="content">first version</p>');
  expect(html).toMatch(/<script nonce="[^"]+">[\s\S]*EventSource[\s\S]*<\/script><\/body>/);
  expect((await fetch(new URL('/nope', preview.url))).status).toBe(404);
  expect((await fetch(preview.url, { method: 'POST' })).status).toBe(405);
});

test('re-renders when the watched file is saved, and tells the open page over Server-Sent Events', async () => {
  const post = path.join(dir, 'post.md');
  fs.writeFileSync(post, 'first version');
  preview = await servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port: 0, log: (l) => logs.push(l), debounceMs: 20 });
  const events = await fetch(new URL(EVENTS_PATH, preview.url));
  expect(events.headers.get('content-type')).toBe('text/event-stream');
  const reader = events.body!.getReader();
  const received: string[] = [];
  const readEvents = (async () => {
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      received.push(decoder.decode(value));
      if (received.join('').includes('event: changed')) return;
    }
  })();
  await new Promise((r) => setTimeout(r, 100));

  fs.writeFileSync(post, 'second version');
  const html = await eventually(preview.url, (h) => h.includes('second version'));
  expect(html).not.toContain('first version');
  await readEvents;
  expect(received.join('')).toMatch(/event: hello\ndata: 1\n\n[\s\S]*event: changed\ndata: \d+\n\n/);
  await reader.cancel();
  expect(logs.some((l) => l.startsWith(`changed: ${post}`))).toBe(true);
});

test('follows a file that an editor replaces by renaming a new one over it', async () => {
  const post = path.join(dir, 'post.md');
  fs.writeFileSync(post, 'first version');
  preview = await servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port: 0, log: () => undefined, debounceMs: 20 });
  for (const version of ['second', 'third']) {
    fs.writeFileSync(path.join(dir, '.post.md.swp'), `${version} version`);
    fs.renameSync(path.join(dir, '.post.md.swp'), post);
    await eventually(preview.url, (h) => h.includes(`${version} version`));
  }
});

test('watches folders recursively (templates/) and files beside others (the config)', async () => {
  const post = path.join(dir, 'post.md');
  const templates = path.join(dir, 'templates', 'nested');
  const config = path.join(dir, 'herald.config.json');
  fs.mkdirSync(templates, { recursive: true });
  fs.writeFileSync(post, 'post');
  fs.writeFileSync(path.join(templates, 'default.mjml'), 'one');
  fs.writeFileSync(config, '{}');
  const render = async (): Promise<string> =>
    `<html><body>${fs.readFileSync(path.join(templates, 'default.mjml'), 'utf8')} ${fs.readFileSync(config, 'utf8')}</body></html>`;
  preview = await servePreview({ render, watch: [post, path.join(dir, 'templates'), config], host: '127.0.0.1', port: 0, log: () => undefined, debounceMs: 20 });
  fs.writeFileSync(path.join(templates, 'default.mjml'), 'two');
  await eventually(preview.url, (h) => h.includes('two {}'));
  fs.writeFileSync(config, '{"name":"x"}');
  await eventually(preview.url, (h) => h.includes('two {"name":"x"}'));
});

test('shows a render error in the page instead of crashing, and recovers on the next good save', async () => {
  const post = path.join(dir, 'post.md');
  fs.writeFileSync(post, 'FAIL at first');
  preview = await servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port: 0, log: (l) => logs.push(l), debounceMs: 20 });
  const broken = await page(preview.url);
  expect(broken).toContain('The email could not be rendered');
  expect(broken).toContain('cannot render &#60;post.md&#62;: it says FAIL');
  expect(broken).toContain('EventSource');
  expect(logs.some((l) => l.includes('it says FAIL'))).toBe(true);

  fs.writeFileSync(post, 'fixed');
  await eventually(preview.url, (h) => h.includes('<p class="content">fixed</p>'));
  fs.writeFileSync(post, 'FAIL again');
  await eventually(preview.url, (h) => h.includes('The email could not be rendered'));
});

test('close() stops the server, the watchers and open event streams', async () => {
  const post = path.join(dir, 'post.md');
  fs.writeFileSync(post, 'x');
  let renders = 0;
  const render = async (): Promise<string> => {
    renders++;
    return '<html><body>x</body></html>';
  };
  const p = await servePreview({ render, watch: [post], host: '127.0.0.1', port: 0, log: () => undefined, debounceMs: 10 });
  const events = await fetch(new URL(EVENTS_PATH, p.url));
  await p.close();
  // the stream ends instead of keeping close() (or the process) waiting
  const reader = events.body!.getReader();
  for (;;) if ((await reader.read()).done) break;
  await expect(fetch(p.url)).rejects.toThrow();
  const before = renders;
  fs.writeFileSync(post, 'y');
  await new Promise((r) => setTimeout(r, 200));
  expect(renders).toBe(before);
  await p.close();
});

test('a port in use is an error from servePreview, not a crash', async () => {
  const post = path.join(dir, 'post.md');
  fs.writeFileSync(post, 'x');
  preview = await servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port: 0, log: () => undefined });
  const port = Number(new URL(preview.url).port);
  await expect(servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port, log: () => undefined })).rejects.toMatchObject({ code: 'EADDRINUSE' });
});

const chromium = findChromium();
(chromium ? test : test.skip)(
  chromium ? 'an open page in Chromium reloads by itself when the file is saved' : 'an open page reloads by itself — skipped: no Chromium here (apt-get install chromium, or set HERALD_CHROMIUM)',
  async () => {
    const post = path.join(dir, 'post.md');
    fs.writeFileSync(post, 'first version');
    preview = await servePreview({ render: renderFile(post), watch: [post], host: '127.0.0.1', port: 0, log: () => undefined, debounceMs: 20 });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium: launcher } = require('playwright-core') as typeof import('playwright-core');
    const browser = await launcher.launch({ executablePath: chromium, args: [...CHROMIUM_ARGS] });
    try {
      const tab = await browser.newPage();
      const blocked: string[] = [];
      tab.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
      });
      await tab.goto(preview.url);
      await tab.waitForFunction(() => document.querySelector('.content')?.textContent === 'first version');
      await new Promise((r) => setTimeout(r, 200));
      fs.writeFileSync(post, 'second version');
      await tab.waitForFunction(() => document.querySelector('.content')?.textContent === 'second version', undefined, { timeout: 10_000 });
      expect(blocked).toEqual([]);
    } finally {
      await browser.close();
    }
  },
);
