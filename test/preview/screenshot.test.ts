/**
 * Screenshots of the example post in a real headless Chromium (the system one; playwright-core
 * never downloads a browser): both widths, full page, no sideways scrolling on a phone, and not
 * one request leaves the machine. Skipped, saying so, where Chromium is not installed.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SAMPLE_RECIPIENT, writePreview } from '../../src/preview/write';
import { CHROMIUM_UNAVAILABLE, findChromium, screenshotEmail, siteFiles } from '../../src/preview/screenshot';
import { resolveSender } from '../../src/render/envelope';
import { renderPost } from '../../src/render/post';
import { exampleSettings, NOW, stressPost, welcomePost } from '../templates/example';

const chromium = findChromium();
const SKIP_NOTE = 'skipped: no Chromium here (apt-get install chromium, or set HERALD_CHROMIUM)';
const withChromium = (name: string): string => (chromium ? name : `${name} — ${SKIP_NOTE}`);
const chromiumTest = chromium ? test : test.skip;
if (!chromium) {
  // eslint-disable-next-line no-console
  console.warn(`test/preview/screenshot.test.ts: ${SKIP_NOTE}`);
}

jest.setTimeout(90_000);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-shot-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian). */
function pngSize(file: string): { width: number; height: number } {
  const head = fs.readFileSync(file).subarray(0, 24);
  expect(head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(head.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

async function previewOf(post = welcomePost(exampleSettings())): Promise<string> {
  const settings = exampleSettings();
  const rendered = await renderPost({ ...post, template: 'default' }, settings, NOW);
  const files = await writePreview(dir, rendered, resolveSender(settings, { requireSecret: true }), SAMPLE_RECIPIENT);
  return files.html;
}

chromiumTest(withChromium('screenshots the example post at 375 and 600 px, full page, with no sideways scrolling on a phone'), async () => {
  const settings = exampleSettings();
  const html = await previewOf();
  const out = path.join(dir, 'shots');
  const result = await screenshotEmail(html, out, { localFile: siteFiles(settings.siteUrl, [settings.postsDir]) });
  if ('unavailable' in result) throw new Error(result.unavailable);
  expect(result.files).toEqual([path.join(out, 'email-375.png'), path.join(out, 'email-600.png')]);
  expect(result.overflowAt375).toBe(false);
  const phone = pngSize(result.files[0]!);
  const desktop = pngSize(result.files[1]!);
  expect(phone.width).toBe(375);
  expect(desktop.width).toBe(600);
  // full page: a long post is much taller than the 800 px viewport, and taller still on a phone
  expect(desktop.height).toBeGreaterThan(1600);
  expect(phone.height).toBeGreaterThan(desktop.height);
});

chromiumTest(withChromium('a post built to overflow (wide table, long words and code, a 1600 px image) fits a 375 px phone'), async () => {
  const html = await previewOf(stressPost());
  const result = await screenshotEmail(html, dir, { widths: [375] });
  if ('unavailable' in result) throw new Error(result.unavailable);
  expect(result.overflowAt375).toBe(false);
  expect(pngSize(result.files[0]!).width).toBe(375);
});

chromiumTest(withChromium('reports a page that is wider than a phone'), async () => {
  const file = path.join(dir, 'wide.html');
  fs.writeFileSync(file, '<!doctype html><html><body style="margin:0"><div style="width:900px;height:50px;background:#ccc">wide</div></body></html>');
  const result = await screenshotEmail(file, dir, { widths: [375, 600] });
  if ('unavailable' in result) throw new Error(result.unavailable);
  expect(result.overflowAt375).toBe(true);
  // a full-page screenshot shows the whole overflow, which is what the author needs to see
  expect(pngSize(result.files[0]!).width).toBe(900);
});

chromiumTest(withChromium('fetches nothing: remote images, stylesheets and fonts are blocked, local files can stand in'), async () => {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'image/png' }).end(fs.readFileSync(path.join(__dirname, '../../posts/images/pipeline.png')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const file = path.join(dir, 'remote.html');
    fs.writeFileSync(
      file,
      `<!doctype html><html><head><link rel="stylesheet" href="${base}/style.css"><style>@font-face{font-family:X;src:url(${base}/font.woff2)} body{font-family:X}</style></head>` +
        `<body><img src="${base}/pixel.png" alt="tracking pixel"><img id="local" src="${base}/site/images/pipeline.png" alt="diagram">` +
        `<img src="https://blog.example.com/images/pipeline.png" alt="diagram"></body></html>`,
    );
    const shown: string[] = [];
    const result = await screenshotEmail(file, dir, {
      widths: [600],
      localFile: (url) => {
        shown.push(url);
        return url.endsWith('/site/images/pipeline.png') ? path.join(__dirname, '../../posts/images/pipeline.png') : undefined;
      },
    });
    if ('unavailable' in result) throw new Error(result.unavailable);
    expect(hits).toEqual([]);
    expect(shown).toEqual(expect.arrayContaining([`${base}/pixel.png`, `${base}/site/images/pipeline.png`, 'https://blog.example.com/images/pipeline.png']));
    expect(fs.statSync(result.files[0]!).size).toBeGreaterThan(0);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

(chromium ? test.skip : test)('without Chromium, says how to get it instead of failing', async () => {
  const file = path.join(dir, 'x.html');
  fs.writeFileSync(file, '<p>x</p>');
  expect(await screenshotEmail(file, dir)).toEqual({ unavailable: CHROMIUM_UNAVAILABLE });
});

describe('findChromium', () => {
  test('prefers HERALD_CHROMIUM when it names an executable file', () => {
    const fake = path.join(dir, 'browser-bin');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    expect(findChromium({ HERALD_CHROMIUM: fake })).toBe(fake);
  });

  test('ignores a HERALD_CHROMIUM that does not exist or cannot run, and falls back to the system paths', () => {
    const notExecutable = path.join(dir, 'not-executable');
    fs.writeFileSync(notExecutable, '', { mode: 0o644 });
    const fallback = findChromium({});
    expect(findChromium({ HERALD_CHROMIUM: path.join(dir, 'missing') })).toBe(fallback);
    if (process.getuid?.() !== 0) expect(findChromium({ HERALD_CHROMIUM: notExecutable })).toBe(fallback);
    expect(findChromium({ HERALD_CHROMIUM: dir })).toBe(fallback);
  });
});

describe('siteFiles', () => {
  test('maps addresses under the site to files in the given folders, and nothing else', () => {
    const posts = path.join(dir, 'posts');
    fs.mkdirSync(path.join(posts, 'images'), { recursive: true });
    fs.writeFileSync(path.join(posts, 'images', 'a b.png'), 'x');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'x');
    const resolve = siteFiles('https://blog.example.com/', [posts]);
    expect(resolve('https://blog.example.com/images/a%20b.png')).toBe(path.join(posts, 'images', 'a b.png'));
    expect(resolve('https://blog.example.com/images/missing.png')).toBeUndefined();
    expect(resolve('https://other.example.com/images/a%20b.png')).toBeUndefined();
    expect(resolve('https://blog.example.com/../secret.txt')).toBeUndefined();
    expect(resolve('https://blog.example.com/images/..%2F..%2Fsecret.txt')).toBeUndefined();
    expect(resolve('not a url')).toBeUndefined();
  });
});
