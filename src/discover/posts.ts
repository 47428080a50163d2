import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError, type Problem, problem, problemFromError } from '../errors';
import { allowedUrl } from '../url';
import { checkIdentity, isTemplateName, pickAudience, pickBoolean, pickString, pickWords, parsePostDate } from './fields';
import { type FrontMatterFormat, splitFrontMatter } from './frontmatter';
import { decodePostText, MAX_NESTING, oneLine, tooDeepLine } from './text';
import { listMarkdownFiles, MARKDOWN_EXTENSIONS } from './walk';

export { listMarkdownFiles, MARKDOWN_EXTENSIONS } from './walk';

/** A post larger than this is refused: marked has had ReDoS advisories, and no newsletter is 1 MiB of text. */
export const MAX_POST_BYTES = 1024 * 1024;

export interface Post {
  /** Stable identity: the slug/id from the metadata, else the path under posts/ without extension. */
  readonly id: string;
  /** Path under posts/ with forward slashes, for messages. */
  readonly file: string;
  readonly format: FrontMatterFormat;
  readonly title: string;
  readonly date?: Date;
  /** The last path segment used in the post's URL on the site. */
  readonly slug: string;
  readonly summary?: string;
  readonly draft: boolean;
  /** The author opted this post out of the newsletter (`newsletter: false`). */
  readonly optedOut: boolean;
  readonly template?: string;
  /** An explicit link to the post on the site, from `url` or `permalink`. */
  readonly url?: string;
  /** After this time the site no longer shows the post (Hugo's expiryDate), so it is not mailed either. */
  readonly expires?: Date;
  readonly body: string;
  readonly bodyLine: number;
  /** A feed item's content, already HTML: it goes through the same sanitiser as markdown's output. */
  readonly html?: string;
  /** What relative URLs in `html` resolve against (the item's xml:base or link), instead of the site. */
  readonly baseUrl?: string;
  /** The feed a feed item came from. */
  readonly source?: string;
  readonly author?: string;
  readonly categories?: readonly string[];
  /** The post's `tags`, `categories` and `topics`, as written: routed by the `topics` setting. */
  readonly topics?: readonly string[];
  /** `audience: all` or the topics the post is meant for, overriding its tags. */
  readonly audience?: 'all' | readonly string[];
  /** A digest of several posts, made by herald: no reading time, and no single page to link to. */
  readonly digest?: boolean;
}

export interface DiscoveredPosts {
  readonly posts: readonly Post[];
  readonly problems: readonly Problem[];
  /** Files left unread because the record has seen them exactly as they are (see `unchanged`). */
  readonly unchanged?: readonly { readonly file: string; readonly id: string }[];
}

export interface DiscoverOptions {
  /**
   * Returns the identity the record knows for a file whose path, size and modification time are
   * unchanged, so an idle run does not parse hundreds of old posts; undefined reads the file.
   */
  readonly unchanged?: (file: string, stat: { readonly size: number; readonly mtimeMs: number }) => string | undefined;
  /** How the folder is named in messages and file paths: its path under the root (default "posts"). */
  readonly label?: string;
  /** The generator's conventions for this folder (see generators.ts). */
  readonly conventions?: FolderConventions;
}

/** What a site generator changes about reading a folder of posts. */
export interface FolderConventions {
  /** A folder holding index.md is one post (a page bundle): its identity and slug are the folder's. */
  readonly bundles?: boolean;
  /** File extensions read besides markdown's (Astro's .mdx). */
  readonly extensions?: ReadonlySet<string>;
}

const JEKYLL_NAME = /^(\d{4}-\d{2}-\d{2})-(.+)$/;

/** Reads every markdown file under posts/ (any depth). One bad post never hides the others. */
export function discoverPosts(postsDir: string, opts: DiscoverOptions = {}): DiscoveredPosts {
  const posts: Post[] = [];
  const problems: Problem[] = [];
  const unchanged: { file: string; id: string }[] = [];
  const label = opts.label ?? 'posts';
  const extensions = opts.conventions?.extensions ? new Set([...MARKDOWN_EXTENSIONS, ...opts.conventions.extensions]) : undefined;
  const listed = listMarkdownFiles(postsDir, { label, extensions });
  problems.push(...listed.problems);
  for (const file of listed.files) {
    const rel = path.relative(postsDir, file).split(path.sep).join('/');
    try {
      const known = opts.unchanged?.(`${label}/${rel}`, fs.statSync(file));
      if (known !== undefined) unchanged.push({ file: `${label}/${rel}`, id: known });
      else posts.push(readPost(file, rel, { label, bundles: opts.conventions?.bundles }));
    } catch (err) {
      problems.push(problemFromError(err));
    }
  }
  const result = rejectDuplicateIds(posts, problems, unchanged);
  return opts.unchanged ? { ...result, unchanged } : result;
}

/** A post file's identity on disk: what the record compares to skip re-reading it. */
export function fileStamp(root: string, post: Pick<Post, 'file'>): { size: number; mtimeMs: number } | undefined {
  try {
    const stat = fs.statSync(path.join(root, ...post.file.split('/')));
    return { size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
  } catch {
    return undefined;
  }
}

/** Where a post file sits: its folder's label (path under the root) and whether folders with an index are bundles. */
export interface PostPlace {
  readonly label?: string;
  readonly bundles?: boolean;
}

export function readPost(absPath: string, rel: string, place: PostPlace = {}): Post {
  const file = `${place.label ?? 'posts'}/${rel}`;
  const bytes = fs.readFileSync(absPath);
  if (bytes.length > MAX_POST_BYTES) {
    throw new HeraldError(ErrorCode.EPOST, `is ${Math.round(bytes.length / 1024)} KiB, over the ${MAX_POST_BYTES / 1024} KiB limit`, {
      location: { file },
      hint: 'Split the post, or move large data out of it.',
    });
  }
  const text = decodePostText(bytes, file);
  if (!text.trim()) {
    throw new HeraldError(ErrorCode.EPOST, 'is empty', { location: { file }, hint: 'Write the post, or delete the file.' });
  }
  return postFromSource(text, rel, place);
}

/** Pure: turns a post's text (no BOM, LF endings) and its path under its folder into a Post. */
export function postFromSource(text: string, rel: string, place: PostPlace = {}): Post {
  const file = `${place.label ?? 'posts'}/${rel}`;
  const split = splitFrontMatter(text, file);
  const meta = siteMeta(split.meta);
  const field = <T>(keys: readonly string[], what: () => T): T => {
    try {
      return what();
    } catch (err) {
      throw new HeraldError(ErrorCode.EPOST, `${keys[0]}: ${(err as Error).message}`, { location: { file, line: metaLine(text, split, keys) } });
    }
  };
  const bundle = place.bundles && /^index\.[^./]+$/i.test(path.posix.basename(rel)) && rel.includes('/');
  const withoutExt = bundle ? path.posix.dirname(rel) : rel.slice(0, rel.length - path.posix.extname(rel).length);
  const base = path.posix.basename(withoutExt);
  const jekyll = JEKYLL_NAME.exec(base);
  const explicitKey = pickString(meta, 'id') === undefined ? 'slug' : 'id';
  const explicitId = field([explicitKey], () => identity(pickString(meta, 'id', 'slug'), explicitKey));
  const slug = field(['slug'], () => identity(pickString(meta, 'slug'), 'slug'));
  const { title: rawTitle, body } = titleAndBody(pickString(meta, 'title'), split.body, jekyll?.[2] ?? base);
  const title = field(['title'], () => oneLine(rawTitle));
  if (!body.trim()) {
    throw new HeraldError(ErrorCode.EPOST, 'has no text after its metadata', {
      location: { file, line: split.bodyLine },
      hint: 'Write the post below the metadata, or mark it draft: true.',
    });
  }
  const deep = tooDeepLine(split.body);
  if (deep !== undefined) {
    throw new HeraldError(ErrorCode.EPOST, `nests blockquotes or lists more than ${MAX_NESTING} levels deep; it is not sent`, {
      location: { file, line: split.bodyLine + deep - 1 },
      hint: 'Flatten the nesting on that line.',
    });
  }
  const status = pickString(meta, 'status')?.toLowerCase();
  // a publish date is when the site shows the post, which may be later than the date it carries
  const date = field(['publishdate', 'date', 'pubdate'], () => parsePostDate(meta['publishdate'] ?? meta['date'] ?? meta['pubdate'] ?? jekyll?.[1]));
  return {
    id: (explicitId ?? withoutExt).normalize('NFC'),
    file,
    format: split.format,
    title,
    date,
    slug: slug ?? jekyll?.[2] ?? base,
    summary: field(['summary', 'excerpt', 'description', 'preheader'], () => optional(pickString(meta, 'summary', 'excerpt', 'description', 'preheader'), oneLine)),
    draft:
      field(['draft'], () => pickBoolean(meta, 'draft')) === true ||
      field(['published'], () => pickBoolean(meta, 'published')) === false ||
      status === 'draft' ||
      status === 'hidden',
    optedOut:
      field(['newsletter'], () => pickBoolean(meta, 'newsletter')) === false ||
      field(['eleventyexcludefromcollections'], () => pickBoolean(meta, 'eleventyexcludefromcollections')) === true,
    template: field(['template'], () => optional(pickString(meta, 'template'), templateName)),
    url: field(['url', 'permalink'], () => optional(pickString(meta, 'url', 'permalink'), linkOnSite)),
    expires: field(['expirydate'], () => parsePostDate(meta['expirydate'])),
    body,
    bodyLine: split.bodyLine,
    topics: field(['tags', 'categories', 'topics'], () => pickWords(meta, 'tags', 'categories', 'topics')),
    audience: field(['audience'], () => pickAudience(meta)),
  };
}

/**
 * Keys as the site generators read them: any case (Hugo's publishDate, Pelican's Title), with
 * Hugo's [params] table beneath the top level.
 */
function siteMeta(meta: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const params = meta['params'];
  const layers = [params && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, unknown>) : {}, meta];
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) out[key.toLowerCase()] = value;
    for (const [key, value] of Object.entries(layer)) if (key === key.toLowerCase()) out[key] = value;
  }
  return out;
}

function optional<T>(value: string | undefined, check: (value: string) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

function identity(value: string | undefined, key: 'slug' | 'id'): string | undefined {
  return optional(value, (v) => checkIdentity(oneLine(v), key));
}

function templateName(value: string): string {
  if (isTemplateName(value)) return value;
  throw new Error(`"${value}" is not a template name; name a file in templates/ without its extension, e.g. template: minimal`);
}

/** A post's own link passes the same allowlist as every URL in the email (the site is not known here, only the scheme matters). */
function linkOnSite(value: string): string {
  const flat = oneLine(value);
  const url = allowedUrl(flat, 'https://site.invalid/');
  if (url !== undefined && !url.startsWith('#')) return flat;
  throw new Error(`"${flat.slice(0, 100)}" is not an http(s) or mailto link or a path on the site; the post is not sent`);
}

/**
 * Title from the metadata, else the first heading (which then leaves the body, since the template
 * shows the title), else the first line, else the file name.
 */
function titleAndBody(metaTitle: string | undefined, body: string, fileStem: string): { title: string; body: string } {
  const lines = body.split('\n');
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  const first = firstIndex >= 0 ? lines[firstIndex]!.trim() : '';
  const atx = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(first);
  const setext = firstIndex >= 0 && /^(=+|-+)\s*$/.test(lines[firstIndex + 1] ?? '') && first ? first : undefined;
  const heading = atx?.[1] ?? setext;
  const dropHeading = (): string => lines.slice(firstIndex + (atx ? 1 : 2)).join('\n');
  if (metaTitle) {
    return { title: metaTitle, body: heading && heading === metaTitle ? dropHeading() : body };
  }
  if (heading) return { title: heading, body: dropHeading() };
  const firstText = first.replace(/[*_`#>|=~-]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (firstText) return { title: firstText.slice(0, 200), body };
  return { title: fileStem.replace(/[-_]+/g, ' ').trim(), body };
}

/** The line of the metadata that set one of these keys (the file name, when none did). */
function metaLine(text: string, split: { format: FrontMatterFormat; bodyLine: number }, keys: readonly string[]): number | undefined {
  if (split.format === 'none') return undefined;
  const pattern = new RegExp(`^\\s*(${keys.join('|')})\\s*[:=]`, 'i');
  const index = text.split('\n').slice(0, split.bodyLine - 1).findIndex((l) => pattern.test(l));
  return index >= 0 ? index + 1 : undefined;
}

export function rejectDuplicateIds(posts: Post[], problems: Problem[], unchanged: readonly { file: string; id: string }[] = []): DiscoveredPosts {
  const byId = new Map<string, Post[]>();
  for (const post of posts) byId.set(post.id, [...(byId.get(post.id) ?? []), post]);
  // an unread file still holds its identity: a new file claiming it is a duplicate
  for (const known of unchanged) {
    const clash = byId.get(known.id);
    if (clash) byId.set(known.id, [...clash, { id: known.id, file: known.file } as Post]);
  }
  const unique: Post[] = [];
  for (const [id, group] of byId) {
    if (group.length === 1) {
      unique.push(group[0]!);
      continue;
    }
    for (const post of group) {
      if (unchanged.some((u) => u.file === post.file)) continue;
      const others = group.filter((p) => p !== post).map((p) => p.file).join(', ');
      problems.push(
        problem(ErrorCode.EPOST, `has the identity "${id}", as does ${others}; neither is sent`, { file: post.file }, 'Give one of them a different slug.'),
      );
    }
  }
  return { posts: unique, problems };
}
