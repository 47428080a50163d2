import type { App } from '../app';
import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem } from '../errors';
import type { JudgedItem } from '../feeds/newness';
import type { FeedOutcome, ReadItem } from '../feeds/read';
import { plural } from '../output';
import type { RecordView } from '../plan/plan';
import type { SendRecord } from '../record/sqlite';

/** The feeds' items as posts for the plan, with what the run learnt about each feed. */
export interface FeedPosts {
  readonly posts: readonly Post[];
  /** The names given on the command line, with feed items' links and ids turned into their post ids. */
  readonly named: readonly string[];
  readonly problems: readonly Problem[];
  /** After planning: remembers the feed items about to be queued, with their content as mailed. */
  rememberFresh(fresh: readonly Post[]): void;
}

export interface FeedPostOptions {
  readonly named: readonly string[];
  readonly acceptNew: boolean;
  /** A real send writes what it read; a dry run only says what it would do. */
  readonly record?: SendRecord;
  readonly readOnly?: SendRecord;
  readonly view: RecordView;
}

/**
 * Reads every feed in "feeds" and decides, per feed, what the plan sees: items already known
 * (the record decides whether anything is left to send), new items unless the feed is read for
 * the first time (its baseline) or brings more than its flood guard allows (held, named, exit 1),
 * and items named on the command line whatever they are.
 */
export async function readFeedPosts(app: App, opts: FeedPostOptions): Promise<FeedPosts> {
  const { settings, io, now } = app;
  const nothing: FeedPosts = { posts: [], named: opts.named, problems: [], rememberFresh: () => undefined };
  if (!settings.feeds.length) return nothing;
  const dry = opts.record === undefined;
  const store = (opts.record ?? opts.readOnly)?.feeds();
  const ctx = { root: settings.root, now: now(), userAgent: userAgent(settings.siteUrl), store, stop: app.stop };
  const problems: Problem[] = [];
  const outcomes = await Promise.all(distinctFeeds(settings, problems).map((s) => feedRead().readFeed(s, ctx)));
  const { named, wanted } = resolveNames(opts.named, outcomes);
  const posts: Post[] = [];
  const byPost = new Map<string, { key: string; judged: JudgedItem }>();
  for (const outcome of outcomes) {
    problems.push(...outcome.problems);
    if (!outcome.read) continue;
    const { key, setting } = outcome;
    for (const r of [...outcome.known, ...outcome.due, ...outcome.waiting]) byPost.set(r.post.id, { key, judged: r.judged });
    let published: ReadItem[] = [];
    // an item named on the command line goes to the plan whatever this feed's state
    posts.push(...outcome.known.map((r) => r.post), ...outcome.waiting.map((r) => r.post), ...outcome.due.filter((r) => wanted.has(r.post.id)).map((r) => r.post));
    if (outcome.firstRead) {
      published = [...outcome.due, ...outcome.waiting];
      if (published.length) {
        io.err(`first read of the feed ${key}: ${plural(published.length, 'item')} ${dry ? 'would be' : published.length === 1 ? 'was' : 'were'} recorded as already published and not mailed.\n` +
          '  To mail one of them: herald send ITEM   (its link or id)');
      }
    } else if (opts.acceptNew) {
      published = [...outcome.due];
      if (published.length) io.err(`the feed ${key}: ${plural(published.length, 'new item')} ${dry ? 'would be' : published.length === 1 ? 'was' : 'were'} accepted as already published and not mailed.`);
    } else if (setting.floodGuard > 0 && outcome.due.length > setting.floodGuard) {
      if (!opts.named.length) problems.push(floodProblem(key, outcome.due, setting.floodGuard));
    } else {
      posts.push(...outcome.due.filter((r) => !wanted.has(r.post.id)).map((r) => r.post));
    }
    const stored = store?.feed(key);
    if (outcome.read.idsUnstable && !stored?.idsUnstable && !outcome.firstRead) problems.push(feedRead().unstableIdsNote(key));
    const aliases = outcome.known.filter((r) => r.judged.newKeys).map((r) => seenRow(r.judged));
    // an unchanged feed (a 304) that taught nothing new costs no write
    const learnt = !outcome.read.notModified || aliases.length > 0 || published.length > 0 || outcome.read.idsUnstable !== stored?.idsUnstable || outcome.read.url !== stored?.url;
    if (opts.record && learnt) {
      opts.record.feeds().saveRead({ key, ...outcome.read }, [...aliases, ...published.map((r) => seenRow(r.judged))],
        published.filter((r) => !wanted.has(r.post.id)).map((r) => ({ id: r.post.id, file: r.post.file, title: r.post.title })), now());
    }
  }
  // two feeds of one site may carry the same item: it is one post, mailed once
  const unique = [...new Map(posts.map((p) => [p.id, p] as const)).values()];
  const withSnapshots = snapshotsForOpenPosts(unique, store, opts.view);
  return {
    posts: withSnapshots,
    named,
    problems,
    rememberFresh(fresh) {
      if (!opts.record) return;
      for (const post of fresh) {
        const from = byPost.get(post.id);
        if (!from) continue;
        opts.record.feeds().rememberMailed(from.key, [seenRow(from.judged)], [{ postId: post.id, snapshot: JSON.stringify(post) }], now());
      }
    },
  };
}

/*
 * The feed code (HTTP, TLS, zlib, the parser) loads only when "feeds" lists something: an idle
 * send without feeds pays nothing for it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const feedRead = (): typeof import('../feeds/read') => require('../feeds/read') as typeof import('../feeds/read');
const newness = (): typeof import('../feeds/newness') => require('../feeds/newness') as typeof import('../feeds/newness');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Each feed once: two entries with the same name (or URL) would share one memory in the record. */
function distinctFeeds(settings: Settings, problems: Problem[]): Settings['feeds'] {
  const seen = new Set<string>();
  return settings.feeds.filter((f) => {
    const key = feedRead().feedKey(f);
    if (!seen.has(key)) return seen.add(key);
    problems.push(problem(ErrorCode.ECONFIG, `"feeds" lists ${key} twice; the second is not read`, { file: settings.configPath }, 'Remove one, or give them different names.'));
    return false;
  });
}

/** herald's name and where to reach whoever runs it, as polite crawlers do. */
function userAgent(siteUrl: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('../../package.json') as { version: string };
  return `herald/${version} (newsletter feed reader; +${siteUrl})`;
}

const seenRow = (j: JudgedItem): { postId: string; idKey: string; linkKey?: string; title: string } => ({ postId: j.postId, idKey: j.idKey, linkKey: j.linkKey, title: j.item.title });

/** Names on the command line that are a feed item's post id, link or id (as written or normalised). */
function resolveNames(names: readonly string[], outcomes: readonly FeedOutcome[]): { named: string[]; wanted: Set<string> } {
  const wanted = new Set<string>();
  const all = outcomes.flatMap((o) => [...o.known, ...o.due, ...o.waiting]);
  const named = names.map((name) => {
    const key = newness().normaliseKey(name);
    const match = all.find((r) => r.post.id === name || r.judged.idKey === key || r.judged.linkKey === key || r.judged.item.id === name || r.judged.item.link === name);
    if (!match) return name;
    wanted.add(match.post.id);
    return match.post.id;
  });
  return { named, wanted };
}

/**
 * A feed post that is still being sent is finished with the content its first recipients got,
 * even when the item was edited, left the feed, or the feed cannot be read this time.
 */
/** A feed item as it was when first queued (kept in the record, so it is finished, or put in a digest, as it began). */
export function snapshotPost(store: { snapshot(id: string): string | undefined }, id: string): Post | undefined {
  const text = store.snapshot(id);
  if (!text) return undefined;
  const post = JSON.parse(text) as Post & { date?: string };
  return { ...post, date: post.date ? new Date(post.date) : undefined };
}

function snapshotsForOpenPosts(posts: readonly Post[], store: { snapshot(id: string): string | undefined } | undefined, view: RecordView): Post[] {
  const open = (id: string): boolean => {
    const c = view.counts.get(id);
    return c !== undefined && c.pending + c.sending + c.deferred + c.in_doubt > 0;
  };
  const revive = (id: string): Post | undefined => (store ? snapshotPost(store, id) : undefined);
  const out = posts.map((p) => (p.source !== undefined && open(p.id) ? (revive(p.id) ?? p) : p));
  const present = new Set(out.map((p) => p.id));
  for (const id of view.posts.keys()) {
    if (present.has(id) || !open(id)) continue;
    const post = revive(id);
    if (post) out.push(post);
  }
  return out;
}

function floodProblem(key: string, items: readonly ReadItem[], guard: number): Problem {
  const names = items.map((r) => `\n    ${feedRead().describeItem(r.judged.item)}`).join('');
  return problem(ErrorCode.EFEED, `brought ${items.length} new items in one read, more than its flood guard of ${guard}; none was sent:${names}`, { file: key },
    'If the feed moved or changed its ids, accept them all as already published: herald send --accept-new. To send chosen ones: herald send ITEM (its link or id). Raise "floodGuard" for this feed if such runs are normal.');
}

/** `herald check`: reads every feed (changing nothing) and says what it found; problems name the feed. */
export async function checkFeeds(app: App): Promise<{ problems: Problem[]; lines: string[] }> {
  const record = app.readRecord();
  try {
    const ctx = { root: app.settings.root, now: app.now(), userAgent: userAgent(app.settings.siteUrl), store: record?.feeds() };
    const outcomes = await Promise.all(app.settings.feeds.map((s) => feedRead().readFeed(s, ctx)));
    const lines = outcomes.filter((o) => o.read).map((o) => {
      const items = o.known.length + o.due.length + o.waiting.length;
      const state = o.firstRead ? 'first read: all of them would be the baseline' : `${o.due.length} new, ${o.waiting.length} dated in the future`;
      return `feed ${o.key}: ${plural(items, 'item')} (${state})`;
    });
    return { problems: outcomes.flatMap((o) => o.problems), lines };
  } finally {
    record?.close();
  }
}

/** A feed item by the names `herald send ITEM` accepts, for `herald preview` (reads the feeds, changes nothing). */
export async function findFeedItem(settings: Settings, name: string, now: Date): Promise<Post | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SendRecord } = require('../record/sqlite') as typeof import('../record/sqlite');
  const record = SendRecord.open(settings.stateDir, { readonly: true });
  try {
    const ctx = { root: settings.root, now, userAgent: userAgent(settings.siteUrl), store: record?.feeds() };
    const outcomes = await Promise.all(settings.feeds.map((s) => feedRead().readFeed(s, ctx)));
    const { wanted } = resolveNames([name], outcomes);
    const id = [...wanted][0];
    const found = outcomes.flatMap((o) => [...o.known, ...o.due, ...o.waiting]).find((r) => r.post.id === id);
    return found?.post;
  } finally {
    record?.close();
  }
}
