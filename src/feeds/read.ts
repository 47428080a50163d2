import type { FeedSetting } from '../config/feed-settings';
import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem, problemFromError, warning } from '../errors';
import { FeedFetchError, feedLocation, fetchFeed } from './fetch';
import { itemPost } from './item-post';
import { type FeedMemory, type JudgedItem, judgeItems, safeSegment, type SeenItem } from './newness';
import { parseFeedBody } from './parse';

/** What reading a feed needs of the record; the record's FeedRecord fits it. */
export interface FeedStore {
  feed(key: string): { readonly url: string; readonly etag?: string; readonly lastModified?: string; readonly body?: Buffer; readonly idsUnstable: boolean } | undefined;
  seen(key: string): SeenItem[];
}

export interface ReadItem {
  readonly judged: JudgedItem;
  readonly post: Post;
}

/** One feed, read and judged against the record. */
export interface FeedOutcome {
  /** The feed as written in "feeds" (or its name): its identity in the record and in messages. */
  readonly key: string;
  readonly setting: FeedSetting;
  /** What to store after a good read; undefined when the feed could not be read. */
  readonly read?: { readonly url: string; readonly etag?: string; readonly lastModified?: string; readonly body: Buffer; readonly idsUnstable: boolean; readonly notModified: boolean };
  /** Never read before: its items are the baseline. */
  readonly firstRead: boolean;
  readonly known: readonly ReadItem[];
  /** New items whose date has come (or that have none). */
  readonly due: readonly ReadItem[];
  /** New items dated in the future: they wait, and are not counted by the flood guard. */
  readonly waiting: readonly ReadItem[];
  readonly problems: readonly Problem[];
}

export interface ReadContext {
  readonly root: string;
  readonly now: Date;
  readonly userAgent: string;
  /** Not before the run reads the record: a dry run has none. */
  readonly store?: FeedStore;
  readonly stop?: AbortSignal;
}

export const feedKey = (setting: FeedSetting): string => setting.name ?? setting.url;

/** Reads one feed; every failure is a problem naming the feed, never an exception. */
export async function readFeed(setting: FeedSetting, ctx: ReadContext): Promise<FeedOutcome> {
  const key = feedKey(setting);
  const stored = ctx.store?.feed(key);
  const empty = { key, setting, firstRead: stored === undefined, known: [], due: [], waiting: [] };
  const fail = (err: unknown): FeedOutcome => ({ ...empty, problems: [feedProblem(key, err)] });
  let location: URL;
  try {
    location = stored ? new URL(stored.url) : feedLocation(setting.url, ctx.root);
  } catch (err) {
    return fail(err);
  }
  let read: NonNullable<FeedOutcome['read']>;
  try {
    const response = await fetchFeed({
      url: location.href, allowPrivate: setting.allowPrivate, etag: stored?.etag, lastModified: stored?.lastModified,
      timeoutMs: setting.timeoutSeconds * 1000, userAgent: ctx.userAgent, signal: ctx.stop,
    });
    const url = response.movedTo ?? location.href;
    if (response.kind === 'not-modified') {
      if (!stored?.body) throw new FeedFetchError('answered 304 Not Modified to a first read');
      read = { url, etag: stored.etag, lastModified: stored.lastModified, body: stored.body, idsUnstable: stored.idsUnstable, notModified: true };
    } else {
      read = { url, etag: response.etag, lastModified: response.lastModified, body: response.body, idsUnstable: stored?.idsUnstable ?? false, notModified: false };
    }
  } catch (err) {
    return fail(err);
  }
  let parsed;
  try {
    parsed = parseFeedBody(read.body, read.url);
  } catch (err) {
    return fail(err);
  }
  const memory: FeedMemory = { read: stored !== undefined, idsUnstable: read.idsUnstable, seen: ctx.store?.seen(key) ?? [] };
  const judgement = judgeItems(parsed.items, memory, feedSlug(setting, location));
  const problems: Problem[] = judgement.rejected.map((r) => problem(ErrorCode.EFEED, `item ${describeItem(r.item)} ${r.reason}`, { file: key }, 'Fix the feed; the other items go on.'));
  const context = { label: key, link: parsed.link, fullContent: setting.fullContent, template: setting.template };
  const known: ReadItem[] = [];
  const due: ReadItem[] = [];
  const waiting: ReadItem[] = [];
  for (const judged of judgement.items) {
    let post: Post;
    try {
      post = itemPost(judged, context);
    } catch (err) {
      problems.push(feedProblem(key, err, judged.item));
      continue;
    }
    if (judged.known) known.push({ judged, post });
    else if (post.date && post.date.getTime() > ctx.now.getTime()) waiting.push({ judged, post });
    else due.push({ judged, post });
  }
  return { key, setting, read: { ...read, idsUnstable: judgement.idsUnstable }, firstRead: stored === undefined, known, due, waiting, problems };
}

/** The part of a feed's items' post ids that names the feed: its name, else its host or file name. */
function feedSlug(setting: FeedSetting, location: URL): string {
  const from = setting.name ?? (location.protocol === 'file:' ? location.pathname.split('/').pop()?.replace(/\.[a-z]+$/i, '') : location.hostname.replace(/^www\./, ''));
  return safeSegment(from ?? 'feed') || 'feed';
}

export function describeItem(item: { readonly title: string; readonly link?: string; readonly id?: string }): string {
  const title = item.title ? `"${item.title}"` : '(untitled)';
  const where = item.link ?? item.id;
  return where ? `${title} (${where})` : title;
}

function feedProblem(key: string, err: unknown, item?: { title: string; link?: string; id?: string }): Problem {
  const prefix = item ? `item ${describeItem(item)} ` : '';
  if (err instanceof FeedFetchError) return problem(ErrorCode.EFEED, `${prefix}${err.message}`, { file: key }, err.hint);
  const p = problemFromError(err);
  return { ...p, code: p.code === ErrorCode.EINTERNAL ? p.code : ErrorCode.EFEED, message: `${prefix}${p.message}`, location: p.location ?? { file: key } };
}

/** A warning, not an error: said once per run when a feed's ids turn out not to identify its items. */
export function unstableIdsNote(key: string): Problem {
  return warning(ErrorCode.EFEED, 'changes the ids of items it already had; herald now tells its items apart by their links', { file: key });
}
