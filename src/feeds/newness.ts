import crypto from 'node:crypto';
import type { FeedItem } from './parse';

/*
 * Which of a feed's items are new, decided against what the record has seen of that feed. Pure:
 * tests call it with literals. Feeds are known to flip their ids (http to https, a trailing slash,
 * a new blog engine, ids that hash the content), so an id alone is not trusted.
 */

/** An item the record has seen, under one of the keys it was seen with. */
export interface SeenItem {
  readonly postId: string;
  readonly idKey: string;
  readonly linkKey?: string;
  readonly title: string;
}

export interface FeedMemory {
  /** The feed has been read before: its items then are the baseline. */
  readonly read: boolean;
  /** The feed's ids were seen to change for the same item: its links identify items instead. */
  readonly idsUnstable: boolean;
  readonly seen: readonly SeenItem[];
}

export interface JudgedItem {
  readonly item: FeedItem;
  readonly idKey: string;
  readonly linkKey?: string;
  /** The post identity: the one the record knows, or a new one made from the feed and the item. */
  readonly postId: string;
  readonly known: boolean;
  /** Known, but under keys the record does not hold yet (they are remembered, so the next read matches at once). */
  readonly newKeys: boolean;
}

export interface Judgement {
  readonly items: readonly JudgedItem[];
  /** Items that cannot be mailed: no id and no link, or an id given twice. */
  readonly rejected: readonly { readonly item: FeedItem; readonly reason: string }[];
  readonly idsUnstable: boolean;
}

/** An id or link with what feeds flip taken out: the scheme of an http(s) URL, its host's case, a trailing slash. */
export function normaliseKey(value: string): string {
  const trimmed = value.trim();
  if (!/^https?:\/\//i.test(trimmed)) return trimmed;
  try {
    const url = new URL(trimmed);
    const pathname = url.pathname.replace(/\/+$/, '');
    return `//${url.host}${pathname}${url.search}${url.hash}`;
  } catch {
    return trimmed;
  }
}

const sameTitle = (a: string, b: string): boolean => a.replace(/\s+/g, ' ').trim().toLowerCase() === b.replace(/\s+/g, ' ').trim().toLowerCase();

/** Ids that are hashes (32+ hex digits) may hash the content, and change with every edit. */
const looksLikeHash = (id: string | undefined): boolean => id !== undefined && /^(urn:[a-z]+:)?[0-9a-f-]{32,}$/i.test(id.replace(/-/g, '')) && !/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(id);

export function judgeItems(items: readonly FeedItem[], memory: FeedMemory, feedSlug: string): Judgement {
  const byId = new Map(memory.seen.map((s) => [s.idKey, s]));
  const byLink = new Map<string, SeenItem[]>();
  for (const s of memory.seen) if (s.linkKey) byLink.set(s.linkKey, [...(byLink.get(s.linkKey) ?? []), s]);
  const linkCount = new Map<string, number>();
  for (const item of items) if (item.link) linkCount.set(normaliseKey(item.link), (linkCount.get(normaliseKey(item.link)) ?? 0) + 1);
  let idsUnstable = memory.idsUnstable;
  const judged: JudgedItem[] = [];
  const rejected: Judgement['rejected'][number][] = [];
  const taken = new Set<string>();
  for (const item of items) {
    const written = item.id ?? item.link;
    if (written === undefined) {
      rejected.push({ item, reason: 'has neither an id (guid) nor a link, so herald cannot tell it from the others; it is not sent' });
      continue;
    }
    const idKey = normaliseKey(written);
    if (taken.has(idKey)) {
      rejected.push({ item, reason: `repeats the id "${written}" of an earlier item in the feed; only the first is sent` });
      continue;
    }
    taken.add(idKey);
    const linkKey = item.link ? normaliseKey(item.link) : undefined;
    const uniqueLink = linkKey !== undefined && linkCount.get(linkKey) === 1;
    const onLink = linkKey ? (byLink.get(linkKey) ?? []) : [];
    let match = byId.get(idKey);
    if (!match && onLink.length) {
      // some feeds give every item the same link: a link is the same item only with the same title
      match = onLink.find((s) => sameTitle(s.title, item.title));
      if (match && item.id !== undefined && uniqueLink) idsUnstable = true;
    }
    const distinctPosts = new Set(onLink.map((s) => s.postId));
    if (!match && uniqueLink && distinctPosts.size === 1 && (idsUnstable || looksLikeHash(item.id))) match = onLink[0];
    if (match) {
      judged.push({ item, idKey, linkKey, postId: match.postId, known: true, newKeys: match.idKey !== idKey || match.linkKey !== linkKey });
    } else {
      judged.push({ item, idKey, linkKey, postId: newPostId(feedSlug, item, idKey), known: false, newKeys: true });
    }
  }
  return { items: judged, rejected, idsUnstable };
}

/**
 * A new item's identity: the feed's slug, a readable part of its link (or id), and a hash of its
 * normalised key so two items never share one. It is kept in the record, so later changes of the
 * item's id or link do not change it.
 */
export function newPostId(feedSlug: string, item: FeedItem, idKey: string): string {
  const source = item.link ?? item.id ?? '';
  let tail = source;
  try {
    tail = new URL(source).pathname.split('/').filter(Boolean).pop() ?? '';
  } catch {
    tail = source.split(/[/:]/).filter(Boolean).pop() ?? '';
  }
  const readable = safeSegment(tail.replace(/\.[a-z0-9]{1,5}$/i, '')).slice(0, 60);
  const hash = crypto.createHash('sha256').update(idKey).digest('hex').slice(0, 8);
  return `${feedSlug}/${readable ? `${readable}-` : ''}${hash}`;
}

/** Letters, digits, "-", "_", "." and "~" only (see checkIdentity), not starting with a dot. */
export function safeSegment(text: string): string {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // kept as written
  }
  return decoded.normalize('NFC').replace(/[^\p{L}\p{N}\p{M}_~.-]+/gu, '-').replace(/-{2,}/g, '-').replace(/^[.-]+|-+$/g, '');
}
