import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Route } from 'playwright-core';
import { makeDir } from '../make-dir';

/** Where herald looks for a Chromium, in order; HERALD_CHROMIUM first. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'] as const;

/** The widths herald screenshots: a small phone, and the template's own width (desktop clients). */
export const SCREENSHOT_WIDTHS = [375, 600] as const;

/**
 * Flags for a headless Chromium on a machine without network access: without the
 * background-networking flags Chromium tries (and fails) to reach Google's hosts at every start.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export const CHROMIUM_UNAVAILABLE = 'how to get it: apt-get install chromium, or set HERALD_CHROMIUM';

/** An executable Chromium or Chrome: HERALD_CHROMIUM if it points at one, else the usual system paths. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.HERALD_CHROMIUM?.trim(), ...CHROMIUM_CANDIDATES].filter((c): c is string => Boolean(c));
  return candidates.find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface ScreenshotOptions {
  /** Page widths in CSS pixels (default 375 and 600); each gives `email-<width>.png`. */
  readonly widths?: readonly number[];
  /** The browser to use (default: findChromium()). */
  readonly executablePath?: string;
  /**
   * Remote URLs the page may show from a local file instead (e.g. the site's images from posts/):
   * return the file's path, or undefined to block the request. Nothing is ever fetched.
   */
  readonly localFile?: (url: string) => string | undefined;
  /** File name prefix (default "email"). */
  readonly prefix?: string;
  /** Emulate a reader whose system is in light or dark mode (default light). */
  readonly colorScheme?: 'light' | 'dark';
  /** Milliseconds for the browser to start and each page to load (default 30 000). */
  readonly timeoutMs?: number;
}

export interface ScreenshotResult {
  /** The PNG files written, one per width, in the order of `widths`. */
  readonly files: string[];
  /** True when the page is wider than a 375 px screen (it would scroll sideways on a phone). */
  readonly overflowAt375: boolean;
}

/**
 * Full-page PNG screenshots of an email's HTML at phone and desktop widths, in headless Chromium.
 * Every request other than file: and data: URLs is aborted, so a preview never fetches remote
 * images (that would tell a tracking pixel the email was opened, and fail offline anyway).
 */
export async function screenshotEmail(htmlFile: string, outDir: string, opts: ScreenshotOptions = {}): Promise<ScreenshotResult | { unavailable: string }> {
  const executablePath = opts.executablePath ?? findChromium();
  if (!executablePath) return { unavailable: CHROMIUM_UNAVAILABLE };
  let playwright: typeof import('playwright-core');
  try {
    // loaded here, not at the top: herald's start-up never pays for playwright
    playwright = require('playwright-core') as typeof import('playwright-core');
  } catch {
    return { unavailable: 'the playwright-core package is not installed; a production install leaves it out (add it with npm install playwright-core@~1.65 in herald\'s folder)' };
  }
  const widths = opts.widths?.length ? opts.widths : SCREENSHOT_WIDTHS;
  const prefix = opts.prefix ?? 'email';
  const timeout = opts.timeoutMs ?? 30_000;
  const url = pathToFileURL(path.resolve(htmlFile)).href;
  makeDir(outDir);

  const browser: Browser = await playwright.chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], timeout, chromiumSandbox: false });
  try {
    const files: string[] = [];
    let overflowAt375 = false;
    for (const width of widths) {
      const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, colorScheme: opts.colorScheme ?? 'light' });
      try {
        await context.route('**/*', (route) => handleRequest(route, opts.localFile));
        const page = await context.newPage();
        page.setDefaultTimeout(timeout);
        await page.goto(url, { waitUntil: 'load', timeout });
        if (width === 375) {
          overflowAt375 = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
        }
        const file = path.join(outDir, `${prefix}-${width}.png`);
        await page.screenshot({ path: file, fullPage: true, type: 'png', animations: 'disabled' });
        files.push(file);
      } finally {
        await context.close();
      }
    }
    if (!widths.includes(375)) overflowAt375 = await overflowsAt(browser, url, opts.localFile, timeout);
    return { files, overflowAt375 };
  } finally {
    await browser.close();
  }
}

async function overflowsAt(browser: Browser, url: string, localFile: ScreenshotOptions['localFile'], timeout: number): Promise<boolean> {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 }, deviceScaleFactor: 1 });
  try {
    await context.route('**/*', (route) => handleRequest(route, localFile));
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load', timeout });
    return await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  } finally {
    await context.close();
  }
}

async function handleRequest(route: Route, localFile: ScreenshotOptions['localFile']): Promise<void> {
  const url = route.request().url();
  if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
  const file = localFile?.(url);
  if (file && isReadableFile(file)) return route.fulfill({ path: file });
  return route.abort('blockedbyclient');
}

function isReadableFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * A localFile resolver for a newsletter folder: URLs under the site's address are looked up
 * in the given folders (posts/ first, since relative image paths in posts resolve against siteUrl).
 */
export function siteFiles(siteUrl: string, folders: readonly string[]): (url: string) => string | undefined {
  const base = new URL(siteUrl);
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return undefined;
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) return undefined;
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname.slice(basePath.length));
    } catch {
      return undefined;
    }
    if (!rel || rel.split('/').some((part) => part === '..' || part.startsWith('.'))) return undefined;
    for (const folder of folders) {
      const root = path.resolve(folder);
      const file = path.resolve(root, ...rel.split('/'));
      if (file.startsWith(root + path.sep) && isReadableFile(file)) return file;
    }
    return undefined;
  };
}
