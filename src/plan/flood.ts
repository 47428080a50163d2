import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem } from '../errors';

/**
 * The flood guard for posts on disk. Moving a site to another generator, or renaming files that
 * carry no slug, gives every post a new identity, and each would be mailed again as "new". When
 * one run finds more new posts than the threshold, none of them is sent: the author chooses.
 */

/**
 * What the record keeps of a post to recognise it under another name (a record older than these
 * columns has neither). contentHash: of its text with whitespace made uniform, empty for a post
 * with no text; url: its address on the site.
 */
export interface PostFingerprint {
  readonly contentHash?: string | null;
  readonly url?: string | null;
}

/** What the guard knows of a post the record has seen (the record's row has more). */
export interface KnownForRename extends PostFingerprint {
  readonly id: string;
  readonly file?: string;
  readonly title?: string;
}

/** Why a new post looks like a recorded one, the strongest first: the same page on the site, the same text, the same name. */
export type RenameEvidence = 'URL' | 'content' | 'slug' | 'title';

export interface FloodRequest {
  /** More new posts than this in one run are held; 0 turns the guard off. */
  readonly threshold: number;
  /** Record every new post as already published instead of sending it (`herald send --accept-new`). */
  readonly acceptNew: boolean;
  /** The new posts' fingerprints, by identity, to name the recorded post each is likely a rename of. */
  readonly fingerprints?: ReadonlyMap<string, PostFingerprint>;
}

export interface HeldByFlood {
  readonly post: Post;
  /** The identity of a recorded post this one looks like (same URL, text, slug or title): probably the same post, renamed. */
  readonly likelyRenameOf?: string;
  readonly because?: RenameEvidence;
}

export interface FloodOutcome {
  readonly fresh: readonly Post[];
  /** New posts recorded as already published, not mailed. */
  readonly accepted: readonly Post[];
  readonly held: readonly HeldByFlood[];
  readonly problem?: Problem;
}

/** Pure: applies the guard to the new posts a run would send (never to named posts or resumed ones). */
export function guardFlood(fresh: readonly Post[], known: Iterable<KnownForRename>, request: FloodRequest): FloodOutcome {
  if (request.acceptNew) return { fresh: [], accepted: fresh, held: [] };
  if (request.threshold <= 0 || fresh.length <= request.threshold) return { fresh, accepted: [], held: [] };
  const recorded = [...known];
  const held = fresh.map((post) => ({ post, ...likelyRename(post, request.fingerprints?.get(post.id) ?? {}, recorded) }));
  return { fresh: [], accepted: [], held, problem: floodProblem(held, request.threshold) };
}

function likelyRename(post: Post, print: PostFingerprint, known: readonly KnownForRename[]): Pick<HeldByFlood, 'likelyRenameOf' | 'because'> {
  // the record lists posts as it met them: a post renamed twice was last known by the later name
  const url = print.url ? sameAddress(print.url) : undefined;
  const byUrl = url ? known.findLast((k) => k.url && sameAddress(k.url) === url) : undefined;
  if (byUrl) return { likelyRenameOf: byUrl.id, because: 'URL' };
  // an empty hash is a post with no text, which says nothing about which post it is
  const byContent = print.contentHash ? known.findLast((k) => k.contentHash === print.contentHash) : undefined;
  if (byContent) return { likelyRenameOf: byContent.id, because: 'content' };
  const slug = post.slug.toLowerCase();
  const bySlug = known.find((k) => knownSlugs(k).has(slug));
  if (bySlug) return { likelyRenameOf: bySlug.id, because: 'slug' };
  const title = post.title.trim().toLowerCase();
  const byTitle = title ? known.find((k) => k.title?.trim().toLowerCase() === title) : undefined;
  return byTitle ? { likelyRenameOf: byTitle.id, because: 'title' } : {};
}

/** A URL as the site serves it: the scheme, a query or fragment, a trailing slash or index.html make no other page. */
function sameAddress(url: string): string {
  return url
    .replace(/^https?:\/\//i, '')
    .replace(/[?#].*$/, '')
    .replace(/\/index\.html?$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** The slugs a recorded post could have had: its identity's last part, its file's name without a date prefix. */
function knownSlugs(known: KnownForRename): Set<string> {
  const stem = (value: string): string => {
    const last = value.split('/').filter(Boolean).pop() ?? value;
    const name = last === 'index' || /^index\.[^.]+$/.test(last) ? value.split('/').filter(Boolean).slice(-2, -1)[0] ?? last : last;
    return name.replace(/\.[^.]+$/, '').replace(/^\d{4}-\d{2}-\d{2}-/, '').toLowerCase();
  };
  const slugs = new Set([stem(known.id)]);
  if (known.file) slugs.add(stem(known.file));
  return slugs;
}

function floodProblem(held: readonly HeldByFlood[], threshold: number): Problem {
  const lines = held.map((h) => {
    const rename = h.likelyRenameOf ? ` (likely a rename of "${h.likelyRenameOf}": same ${h.because})` : '';
    return `\n  ${h.post.id}  ${h.post.file}${rename}`;
  });
  return problem(
    ErrorCode.EPOST,
    `${held.length} new posts at once, more than floodGuard (${threshold}), so none of them was sent:${lines.join('')}`,
    undefined,
    'If the site was moved or its files renamed, these are old posts under new names. ' +
      'To send chosen ones: herald send ID [ID...]. To record them all as already published without mailing them: herald send --accept-new. ' +
      'To allow more new posts in one run, raise "floodGuard" in herald.config.json.',
  );
}
