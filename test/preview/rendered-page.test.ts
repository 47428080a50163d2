/**
 * The default template as a reader's client draws it, measured in a real headless Chromium (the
 * system one) at 375 and 600 px, light and dark: every piece of text and the button meet WCAG
 * AA's 4.5:1 against what is behind them, a post with a 1,600 px image and a wide table stays
 * within the page, and table headers break only between words. Skipped, saying so, where
 * Chromium is not installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { postFromSource, type Post } from '../../src/discover/posts';
import { CHROMIUM_ARGS, findChromium } from '../../src/preview/screenshot';
import { SAMPLE_RECIPIENT, writePreview } from '../../src/preview/write';
import { resolveSender } from '../../src/render/envelope';
import { renderPost } from '../../src/render/post';
import { exampleSettings, NOW, stressPost, welcomePost } from '../templates/example';

const chromium = findChromium();
const SKIP_NOTE = 'skipped: no Chromium here (apt-get install chromium, or set HERALD_CHROMIUM)';
const chromiumDescribe = chromium ? describe : describe.skip;
if (!chromium) {
  // eslint-disable-next-line no-console
  console.warn(`test/preview/rendered-page.test.ts: ${SKIP_NOTE}`);
}

jest.setTimeout(120_000);

let dir: string;
let browser: Browser;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-page-'));
  if (chromium) {
    const playwright = require('playwright-core') as typeof import('playwright-core');
    browser = await playwright.chromium.launch({ executablePath: chromium, args: [...CHROMIUM_ARGS], chromiumSandbox: false });
  }
});
afterAll(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function preview(post: Post): Promise<string> {
  const settings = exampleSettings();
  const rendered = await renderPost({ ...post, template: 'default' }, settings, NOW);
  return (await writePreview(fs.mkdtempSync(path.join(dir, 'p-')), rendered, resolveSender(settings, { requireSecret: true }), SAMPLE_RECIPIENT)).html;
}

async function open(file: string, width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, colorScheme });
  // nothing leaves the machine: images simply do not load
  await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort('blockedbyclient')));
  const page = await context.newPage();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return page;
}

interface Pair {
  readonly text: string;
  readonly ratio: number;
  readonly color: string;
  readonly background: string;
}

/** Every visible piece of text, with its colour, the colour really behind it, and their contrast ratio. */
async function contrasts(page: Page): Promise<Pair[]> {
  return page.evaluate(() => {
    const rgb = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]): number => {
      const f = (v: number): number => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const behind = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        const parts = rgb(bg);
        if (parts.length === 3 || (parts.length === 4 && parts[3]! > 0)) return bg;
      }
      return 'rgb(255, 255, 255)';
    };
    const pairs: { text: string; ratio: number; color: string; background: string }[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = (node.textContent ?? '').replace(/[\s\u034f\u2007\u200b]+/g, ' ').trim();
      const el = node.parentElement;
      if (!text || !el) continue;
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      let hidden = false;
      for (let e: Element | null = el; e; e = e.parentElement) if (getComputedStyle(e).display === 'none' || Number(getComputedStyle(e).opacity) === 0) hidden = true;
      if (hidden) continue;
      const [a, b] = [luminance(rgb(style.color)), luminance(rgb(behind(el)))];
      pairs.push({ text: text.slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), color: style.color, background: behind(el) });
    }
    return pairs;
  });
}

chromiumDescribe('the default template in Chromium', () => {
  describe.each(['light', 'dark'] as const)('%s mode', (scheme) => {
    test.each([375, 600])('every text and the button meet 4.5:1 at %i px', async (width) => {
      for (const post of [welcomePost(exampleSettings()), stressPost()]) {
        const page = await open(await preview(post), width, scheme);
        try {
          const pairs = await contrasts(page);
          expect(pairs.length).toBeGreaterThan(20);
          expect(pairs.some((p) => p.text === 'Read it on the website')).toBe(true);
          expect(pairs.filter((p) => p.ratio < 4.5)).toEqual([]);
        } finally {
          await page.context().close();
        }
      }
    });
  });

  test('the dark button is white on a blue of at least 4.5:1', async () => {
    const page = await open(await preview(welcomePost(exampleSettings())), 600, 'dark');
    try {
      const button = await page.evaluate(() => {
        const a = [...document.querySelectorAll('.cta a')][0]!;
        return { color: getComputedStyle(a).color, background: getComputedStyle(a).backgroundColor };
      });
      expect(button).toEqual({ color: 'rgb(255, 255, 255)', background: 'rgb(37, 99, 235)' });
    } finally {
      await page.context().close();
    }
  });

  test.each([375, 600])('a post with a 1,600 px image and a wide table stays within %i px', async (width) => {
    const page = await open(await preview(stressPost()), width, 'light');
    try {
      const m = await page.evaluate(() => {
        const img = document.querySelector('.post img') as HTMLImageElement;
        const post = document.querySelector('.post') as HTMLElement;
        return {
          page: document.documentElement.scrollWidth,
          attr: img.getAttribute('width'),
          height: img.getAttribute('height'),
          img: img.getBoundingClientRect().width,
          column: post.getBoundingClientRect().width,
          tables: [...document.querySelectorAll('.post table')].map((t) => (t.parentElement as HTMLElement).getBoundingClientRect().right),
        };
      });
      expect(m.page).toBeLessThanOrEqual(width);
      expect(m.attr).toBe('536');
      // the template's inline `height: auto` stands for the height; no invalid height="auto" is left
      expect(m.height).toBeNull();
      expect(m.img).toBeLessThanOrEqual(m.column);
      for (const right of m.tables) expect(right).toBeLessThanOrEqual(width);
    } finally {
      await page.context().close();
    }
  });

  test('table headers break only between words at 375 px', async () => {
    const post = postFromSource(
      ['---', 'title: Headers', '---', '', '| Subscribers reached | Messages deferred | Average latency | Notes |', '| --- | --- | --- | --- |',
        '| 10000 | 12 | 0.4 s | steady |', ''].join('\n'),
      'headers.md',
    );
    const page = await open(await preview(post), 375, 'light');
    try {
      const broken = await page.evaluate(() => {
        const words: string[] = [];
        for (const th of document.querySelectorAll('.post th')) {
          // each word of a header laid out on one line: its characters' tops agree
          const text = th.firstChild!;
          const content = text.textContent!;
          let start = 0;
          for (const word of content.split(' ')) {
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + word.length);
            if (range.getClientRects().length > 1) words.push(word);
            start += word.length + 1;
          }
        }
        return words;
      });
      expect(broken).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
