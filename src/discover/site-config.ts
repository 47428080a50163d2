import fs from 'node:fs';
import path from 'node:path';
import { GENERATOR_FILES, GENERATOR_POSTS, type Generator } from './generators';

/** What herald takes from a site's own configuration: where posts are, the site's address, a post's address. */
export interface SiteConfig {
  readonly generator: Generator;
  /** The configuration file it was read from, relative to the root. */
  readonly file: string;
  readonly posts: string;
  readonly title?: string;
  readonly siteUrl?: string;
  /** postUrl: the site's permalink pattern in herald's placeholders, relative to siteUrl. */
  readonly postUrl: string;
  /** Folders the generator is told to leave out of the built site (Jekyll's exclude). */
  readonly excluded: readonly string[];
}

/* eslint-disable @typescript-eslint/no-require-imports */
function readData(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.toml')) return require('smol-toml').parse(text) as Record<string, unknown>;
  if (file.endsWith('.json')) return JSON.parse(text) as Record<string, unknown>;
  const value = (require('yaml') as typeof import('yaml')).parse(text, { schema: 'core' }) as unknown;
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}
/* eslint-enable @typescript-eslint/no-require-imports */

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** Reads the site's configuration file; undefined when the generator's file is not there. */
export function readSiteConfig(root: string, generator: Generator): SiteConfig | undefined {
  const name = GENERATOR_FILES[generator].find((f) => fs.existsSync(path.join(root, f)));
  if (!name) return undefined;
  const file = path.join(root, name);
  const posts = GENERATOR_POSTS[generator];
  if (generator === 'jekyll') {
    const data = readData(file);
    const url = str(data['url']);
    const baseurl = str(data['baseurl']) ?? '';
    const exclude = Array.isArray(data['exclude']) ? data['exclude'].filter((x): x is string => typeof x === 'string') : [];
    return {
      generator, file: name, posts, title: str(data['title']), excluded: exclude,
      siteUrl: url ? withSlash(`${url.replace(/\/$/, '')}${baseurl.replace(/\/$/, '')}`) : undefined,
      postUrl: jekyllPermalink(str(data['permalink']) ?? 'date'),
    };
  }
  if (generator === 'hugo') {
    const data = readData(file);
    const permalinks = (data['permalinks'] ?? {}) as Record<string, unknown>;
    const page = (permalinks['page'] ?? {}) as Record<string, unknown>;
    const pattern = str(page['posts']) ?? str(permalinks['posts']);
    return {
      generator, file: name, posts, title: str(data['title']), excluded: [], siteUrl: str(data['baseURL'] ?? data['baseurl']),
      postUrl: pattern ? hugoPermalink(pattern) : 'posts/{{slug}}/',
    };
  }
  const text = fs.readFileSync(file, 'utf8');
  if (generator === 'pelican') {
    const setting = (key: string): string | undefined => new RegExp(`^${key}\\s*=\\s*['"]([^'"]*)['"]`, 'm').exec(text)?.[1];
    const articleUrl = setting('ARTICLE_URL') ?? '{slug}.html';
    const siteUrl = setting('SITEURL');
    return {
      generator, file: name, posts, title: setting('SITENAME'), excluded: [], siteUrl: siteUrl ? withSlash(siteUrl) : undefined,
      postUrl: articleUrl.replace(/\{slug\}/g, '{{slug}}').replace(/\{date:%Y\}/g, '{{year}}').replace(/\{date:%m\}/g, '{{month}}').replace(/\{date:%d\}/g, '{{day}}'),
    };
  }
  if (generator === 'astro') {
    const site = /\bsite\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
    return { generator, file: name, posts, excluded: [], siteUrl: site ? withSlash(site) : undefined, postUrl: 'blog/{{slug}}/' };
  }
  return { generator, file: name, posts: fs.existsSync(path.join(root, 'posts')) ? 'posts' : 'blog', excluded: [], postUrl: 'posts/{{slug}}/' };
}

const JEKYLL_STYLES: Record<string, string> = {
  date: '/:categories/:year/:month/:day/:title:output_ext',
  pretty: '/:categories/:year/:month/:day/:title/',
  ordinal: '/:categories/:year/:y_day/:title:output_ext',
  none: '/:categories/:title:output_ext',
};

/** Jekyll's permalink (a style name or a pattern) in herald's placeholders; categories are left out. */
export function jekyllPermalink(permalink: string): string {
  const pattern = JEKYLL_STYLES[permalink] ?? permalink;
  return tidy(pattern
    .replace(/:output_ext/g, '.html')
    .replace(/:categories/g, '')
    .replace(/:year/g, '{{year}}').replace(/:month/g, '{{month}}').replace(/:day/g, '{{day}}')
    .replace(/:(title|slug)/g, '{{slug}}'));
}

/** Hugo's permalink pattern for the posts section in herald's placeholders. */
export function hugoPermalink(pattern: string): string {
  return tidy(pattern
    .replace(/:section/g, 'posts')
    .replace(/:year/g, '{{year}}').replace(/:month/g, '{{month}}').replace(/:day/g, '{{day}}')
    .replace(/:(slug|title|filename|contentbasename)/g, '{{slug}}'));
}

/** Relative to siteUrl, without empty segments. */
function tidy(pattern: string): string {
  return pattern.replace(/\/{2,}/g, '/').replace(/^\//, '');
}
