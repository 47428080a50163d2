import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem } from '../errors';
import { audienceProblem, type TopicRules } from './audience';
import { guardFlood, type HeldByFlood, type PostFingerprint } from './flood';

/**
 * What the record says, reduced to what planning needs. Declared here, where it is read: the
 * composition fills it from the record (whose rows carry more than this, hence `Known`), tests
 * from literals.
 */
export interface RecordView<Known extends KnownPost = KnownPost> {
  readonly initialized: boolean;
  /** Every post the record knows, by id. */
  readonly posts: ReadonlyMap<string, Known>;
  /** Per post, how many of its recipients are in each state still in play. */
  readonly counts: ReadonlyMap<string, OpenCounts>;
}

export interface KnownPost extends PostFingerprint {
  /** baseline: existed when herald first met the folder, not mailed; queued: its audience is recorded. */
  readonly disposition: 'baseline' | 'queued';
  /** Where it was and what it was called (and its URL and text's hash), for naming a likely rename (the record's rows carry them). */
  readonly file?: string;
  readonly title?: string;
}

/** Recipients of a post still in play: not yet sent, failed or skipped. */
export interface OpenCounts {
  readonly pending: number;
  readonly sending: number;
  readonly deferred: number;
  readonly in_doubt: number;
}

export interface PlanRequest {
  /** Posts named on the command line (identity, path under posts/, or slug); empty = every pending post. */
  readonly named: readonly string[];
  /** On the first run, mail the posts that already exist instead of recording them as published. */
  readonly includeExisting: boolean;
  readonly resendInDoubt: boolean;
  readonly now: Date;
  /** The configured topics, when there are any: a new post whose `audience` names another is not sent. */
  readonly topics?: TopicRules;
  /** The welcome post's file ("posts/welcome.md"): never mailed to the list, only resumed for the new subscribers queued for it. */
  readonly welcome?: string;
  /** More new posts than this in one run (not the first, nothing named) are held; 0 or absent: no guard. */
  readonly floodGuard?: number;
  /** Record every new post as already published instead of mailing it. */
  readonly acceptNew?: boolean;
  /** The fingerprints of the posts read, by identity: a held post with the URL or text of a recorded one is named as its likely rename. */
  readonly fingerprints?: ReadonlyMap<string, PostFingerprint>;
}

export type PostStatus = 'new' | 'draft' | 'scheduled' | 'opted-out' | 'baseline' | 'queued';

export interface SendPlan {
  readonly firstRun: boolean;
  /** Existing posts recorded as published without mailing them (first run only). */
  readonly baseline: readonly Post[];
  /** Posts whose audience is recorded now and which are sent in this run, oldest first. */
  readonly fresh: readonly Post[];
  /** Posts already queued that still have recipients to try. */
  readonly resume: readonly Post[];
  readonly held: readonly { readonly post: Post; readonly status: 'draft' | 'scheduled' | 'opted-out' }[];
  /** New posts recorded as already published without mailing them (--accept-new). */
  readonly accepted: readonly Post[];
  /** New posts held back by the flood guard: more arrived at once than floodGuard allows. */
  readonly flooded: readonly HeldByFlood[];
  readonly problems: readonly Problem[];
}

/** Pure: decides what a run does from the posts on disk and the record. */
export function planSend(posts: readonly Post[], record: RecordView, request: PlanRequest): SendPlan {
  const problems: Problem[] = [];
  const selected = request.named.length ? selectNamed(posts, request.named, problems) : posts;
  const explicit = request.named.length > 0;
  const baseline: Post[] = [];
  const fresh: Post[] = [];
  const resume: Post[] = [];
  const held: SendPlan['held'][number][] = [];
  const firstRun = !record.initialized;

  for (const post of sortByDate(selected)) {
    const status = postStatus(post, record, request.now);
    if (post.file === request.welcome) {
      if (status === 'queued' && hasWork(record.counts.get(post.id), request.resendInDoubt)) resume.push(post);
      continue;
    }
    if (status === 'draft' || status === 'scheduled' || status === 'opted-out') {
      held.push({ post, status });
      if (explicit) problems.push(problem(ErrorCode.EPOST, heldMessage(status, post), { file: post.file }, heldHint(status)));
      continue;
    }
    if (status === 'queued') {
      if (hasWork(record.counts.get(post.id), request.resendInDoubt)) resume.push(post);
      continue;
    }
    if (status === 'baseline' && !explicit) continue;
    if (firstRun && !explicit && !request.includeExisting) {
      baseline.push(post);
      continue;
    }
    const wrongAudience = audienceProblem(post, request.topics);
    if (wrongAudience) problems.push(wrongAudience);
    else fresh.push(post);
  }
  if (firstRun || explicit) return { firstRun, baseline, fresh, resume, held, accepted: [], flooded: [], problems };
  // feed items have their own guard, per feed, where they are read; this one is for files
  const files = fresh.filter((p) => p.source === undefined);
  const known = [...record.posts].map(([id, k]) => ({ id, file: k.file, title: k.title, contentHash: k.contentHash, url: k.url }));
  const guarded = guardFlood(files, known, { threshold: request.floodGuard ?? 0, acceptNew: request.acceptNew ?? false, fingerprints: request.fingerprints });
  if (guarded.problem) problems.push(guarded.problem);
  const kept = [...guarded.fresh, ...fresh.filter((p) => p.source !== undefined)];
  return { firstRun, baseline, fresh: sortByDate(kept), resume, held, accepted: guarded.accepted, flooded: guarded.held, problems };
}

export function postStatus(post: Post, record: RecordView, now: Date): PostStatus {
  const known = record.posts.get(post.id);
  if (known) return known.disposition;
  if (post.draft) return 'draft';
  if (post.optedOut || (post.expires && post.expires.getTime() <= now.getTime())) return 'opted-out';
  if (post.date && post.date.getTime() > now.getTime()) return 'scheduled';
  return 'new';
}

function hasWork(counts: OpenCounts | undefined, resendInDoubt: boolean): boolean {
  if (!counts) return false;
  return counts.pending + counts.deferred + counts.sending + (resendInDoubt ? counts.in_doubt : 0) > 0;
}

function selectNamed(posts: readonly Post[], names: readonly string[], problems: Problem[]): Post[] {
  const out: Post[] = [];
  for (const name of names) {
    const wanted = name.replace(/\\/g, '/').replace(/^\.\//, '');
    const match = posts.find(
      (p) => p.id === wanted || p.file === wanted || p.file === `posts/${wanted}` || p.file.replace(/\.[^.]+$/, '') === wanted.replace(/\.[^.]+$/, '') || p.slug === wanted,
    );
    if (!match) {
      problems.push(problem(ErrorCode.EUSAGE, `no post named "${name}"`, undefined, 'Name a post by its path under posts/ or its slug; `herald status` lists them.'));
    } else if (!out.includes(match)) {
      out.push(match);
    }
  }
  return out;
}

/**
 * Oldest first; posts of the same day in the order of their ids' code units, which is the same on
 * every machine (localeCompare would follow the locale, and load ICU's collation on every run).
 */
function sortByDate(posts: readonly Post[]): Post[] {
  return [...posts].sort((a, b) => (a.date?.getTime() ?? 0) - (b.date?.getTime() ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function heldMessage(status: 'draft' | 'scheduled' | 'opted-out', post: Post): string {
  if (status === 'draft') return 'is a draft, so it is not sent';
  if (status === 'scheduled') return `is dated ${post.date!.toISOString()}, in the future; it is sent once that time has come`;
  if (!post.optedOut && post.expires) return `expired on ${post.expires.toISOString()} (expiryDate), so it is not sent`;
  return 'is kept out of the newsletter (newsletter: false)';
}

function heldHint(status: 'draft' | 'scheduled' | 'opted-out'): string | undefined {
  if (status === 'draft') return 'Remove "draft: true" (or set it to false) to send it.';
  if (status === 'opted-out') return 'Remove "newsletter: false" to send it.';
  return undefined;
}
