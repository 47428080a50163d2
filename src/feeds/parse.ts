import { FeedFetchError } from './fetch';

/** One item of a feed, in the shape herald needs whatever the format: plain values, URLs absolute. */
export interface FeedItem {
  /** guid / Atom id / JSON Feed id, as written. */
  readonly id?: string;
  /** The item's page, absolute. */
  readonly link?: string;
  /** Plain text. */
  readonly title: string;
  readonly date?: Date;
  readonly author?: string;
  readonly categories: readonly string[];
  readonly summaryHtml?: string;
  readonly contentHtml?: string;
  /** What relative URLs in its content resolve against: xml:base, else its link, else the feed's. */
  readonly baseUrl: string;
}

export interface ParsedFeed {
  readonly title?: string;
  readonly link?: string;
  readonly items: readonly FeedItem[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** Parses RSS 2.0 (and 0.9x, RDF), Atom 1.0 or JSON Feed 1.x with feedsmith; throws a FeedFetchError for anything else. */
export function parseFeedBody(body: Buffer, feedUrl: string): ParsedFeed {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseFeed } = require('feedsmith') as typeof import('feedsmith');
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(decode(body)) as { format: string; feed: unknown };
  } catch (err) {
    const name = (err as Error).name;
    const what = name === 'DetectError' ? 'is not an RSS, Atom or JSON feed' : `is not well-formed (${(err as Error).message})`;
    throw new FeedFetchError(what, 'Open the address in a browser or a feed validator; the other feeds and posts go on.');
  }
  const feed = obj(parsed.feed);
  if (parsed.format === 'atom') return atomFeed(feed, feedUrl);
  if (parsed.format === 'json') return jsonFeed(feed, feedUrl);
  return rssFeed(feed, feedUrl);
}

/** UTF-8 unless the XML declaration names another encoding. */
function decode(body: Buffer): string {
  const head = body.subarray(0, 200).toString('latin1');
  const declared = /^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  let text: string;
  try {
    text = new TextDecoder(declared ?? 'utf-8').decode(body);
  } catch {
    text = new TextDecoder('utf-8').decode(body);
  }
  return text.replace(/^\uFEFF/, '');
}

function rssFeed(feed: Obj, feedUrl: string): ParsedFeed {
  const link = absolute(str(feed['link']), feedUrl);
  const items = list(feed['items']).map(obj).map((item): FeedItem => {
    const itemLink = absolute(str(item['link']), link ?? feedUrl);
    const dc = obj(item['dc']);
    return {
      id: str(obj(item['guid'])['value']) ?? str(item['guid']),
      link: itemLink,
      title: plainText(str(item['title']) ?? ''),
      date: date(str(item['pubDate']) ?? str(dc['date']) ?? str(list(dc['dates'])[0])),
      author: person(list(item['authors'])[0]) ?? str(list(dc['creators'])[0]) ?? str(dc['creator']),
      categories: list(item['categories']).map((c) => str(obj(c)['name']) ?? str(c)).filter((c): c is string => c !== undefined),
      summaryHtml: str(item['description']),
      contentHtml: str(obj(item['content'])['encoded']),
      baseUrl: itemLink ?? link ?? feedUrl,
    };
  });
  return { title: plainText(str(feed['title']) ?? ''), link, items };
}

function atomFeed(feed: Obj, feedUrl: string): ParsedFeed {
  const feedBase = absolute(str(obj(feed['xml'])['base']), feedUrl);
  const link = alternate(feed['links'], feedBase ?? feedUrl);
  const items = list(feed['entries']).map(obj).map((entry): FeedItem => {
    const entryBase = absolute(str(obj(entry['xml'])['base']), feedBase ?? feedUrl);
    const content = obj(entry['content']);
    // xml:base written on the content or the entry is the item's own; one on the whole feed
    // usually names the site, so the item's link says more about where its relative URLs point
    const ownBase = str(obj(content['xml'])['base']) ?? str(obj(entry['xml'])['base']);
    const contentBase = ownBase === undefined ? undefined : absolute(str(obj(content['xml'])['base']) ?? '', entryBase ?? feedBase ?? feedUrl);
    const itemLink = alternate(entry['links'], entryBase ?? feedBase ?? feedUrl);
    return {
      id: str(entry['id']),
      link: itemLink,
      title: atomText(entry['title'], true) ?? '',
      date: date(str(entry['published']) ?? str(entry['updated'])),
      author: person(list(entry['authors'])[0]),
      categories: list(entry['categories']).map((c) => str(obj(c)['label']) ?? str(obj(c)['term'])).filter((c): c is string => c !== undefined),
      summaryHtml: atomText(entry['summary'], false),
      contentHtml: content['src'] ? undefined : atomText(entry['content'], false),
      baseUrl: contentBase ?? itemLink ?? feedBase ?? link ?? feedUrl,
    };
  });
  return { title: atomText(feed['title'], true), link, items };
}

function jsonFeed(feed: Obj, feedUrl: string): ParsedFeed {
  const link = absolute(str(feed['home_page_url']), feedUrl);
  const items = list(feed['items']).map(obj).map((item): FeedItem => {
    const itemLink = absolute(str(item['url']) ?? str(item['external_url']), link ?? feedUrl);
    const text = str(item['content_text']);
    return {
      id: str(item['id']),
      link: itemLink,
      title: plainText(str(item['title']) ?? ''),
      date: date(str(item['date_published']) ?? str(item['date_modified'])),
      author: person(list(item['authors'])[0]) ?? person(item['author']),
      categories: list(item['tags']).map(str).filter((c): c is string => c !== undefined),
      summaryHtml: str(item['summary']) === undefined ? undefined : escapeHtml(str(item['summary'])!),
      contentHtml: str(item['content_html']) ?? (text === undefined ? undefined : textToHtml(text)),
      baseUrl: itemLink ?? link ?? feedUrl,
    };
  });
  return { title: plainText(str(feed['title']) ?? ''), link, items };
}

/** Atom's rel="alternate" link (a link without rel is one), absolute. */
function alternate(links: unknown, base: string): string | undefined {
  const all = list(links).map(obj);
  const chosen = all.find((l) => (str(l['rel']) ?? 'alternate') === 'alternate' && (str(l['type']) ?? 'text/html').includes('html')) ?? all.find((l) => (str(l['rel']) ?? 'alternate') === 'alternate');
  return absolute(str(chosen?.['href']), base);
}

/** An Atom text construct as HTML (or as plain text, for titles). */
function atomText(value: unknown, plain: boolean): string | undefined {
  const v = obj(value);
  const text = str(v['value']) ?? str(value);
  if (text === undefined) return undefined;
  const type = str(v['type']) ?? 'text';
  if (plain) return type === 'text' ? text.replace(/\s+/g, ' ').trim() : plainText(text);
  return type === 'text' ? textToHtml(text) : text;
}

function person(value: unknown): string | undefined {
  if (typeof value === 'string') return str(value.replace(/^\S+@\S+\s+\((.+)\)$/, '$1'));
  const p = obj(value);
  return str(p['name']) ?? str(p['email']);
}

/** An http(s) URL, resolved; anything else (javascript:, data:, a file on the feed's machine) is no link at all. */
function absolute(value: string | undefined, base: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function date(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', hellip: '…', mdash: '—', ndash: '–', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

/** HTML (a title with markup, an excerpt) as one line of plain text. */
export function plainText(html: string): string {
  return html
    .replace(/<\/?(p|br|div|li|ul|ol|h[1-6]|tr|td|th|blockquote|pre|hr|figure|figcaption|table)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function textToHtml(text: string): string {
  return text.split(/\n\s*\n/).map((p) => `<p>${escapeHtml(p.trim())}</p>`).join('\n');
}
