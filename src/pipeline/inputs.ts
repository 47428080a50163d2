import type { Settings } from '../config/load';
import type { DiscoverOptions, Post } from '../discover/posts';
import { discoverSite } from '../discover/site';
import { detectGenerator } from '../discover/generators';
import { withSiteSyntax } from './site-posts';
import { type DiscoveredSubscribers, discoverSubscribers, type Subscriber } from '../subscribers/read';
import { discoverSubscribersApart } from '../subscribers/read-apart';
import { subscriberFolder } from '../subscribers/files';
import type { Problem } from '../errors';
import type { RecordView } from '../plan/plan';
import type { PostRow, SendRecord } from '../record/sqlite';

export interface PostInputs {
  readonly posts: readonly Post[];
  readonly problems: readonly Problem[];
}

/** The subscriber files as read now: merged, validated, with every problem found. */
export interface SubscriberInputs {
  readonly subscribers: readonly Subscriber[];
  /** By key, in list order; a new Map for each read, so a caller may trim it. */
  readonly subscriberMap: Map<string, Subscriber>;
  /** A subscriber file could not be read as a whole: the audience cannot be trusted for sending. */
  readonly subscriberFileBroken: boolean;
  readonly problems: readonly Problem[];
}

/** Posts and subscribers together, for commands that always need both. */
export interface Inputs extends SubscriberInputs {
  readonly posts: readonly Post[];
}

export function readPosts(settings: Settings, opts: DiscoverOptions = {}): PostInputs {
  const generator = detectGenerator(settings.root);
  return withSiteSyntax(settings, discoverSite(settings, opts, generator), generator);
}

export function readSubscribers(settings: Settings): SubscriberInputs {
  return subscriberInputs(discoverSubscribers(settings.subscribersDir, subscriberFolder(settings.root, settings.subscribersDir)));
}

/** The same, a large list parsed on a worker thread so the parser's garbage leaves with it (used before a send). */
export async function readSubscribersApart(settings: Settings): Promise<SubscriberInputs> {
  return subscriberInputs(await discoverSubscribersApart(settings.subscribersDir, { folder: subscriberFolder(settings.root, settings.subscribersDir) }));
}

function subscriberInputs(subs: DiscoveredSubscribers): SubscriberInputs {
  return {
    subscribers: subs.subscribers,
    subscriberMap: new Map(subs.subscribers.map((s) => [s.key, s])),
    subscriberFileBroken: subs.brokenFiles.length > 0,
    problems: subs.problems,
  };
}

export function readInputs(settings: Settings): Inputs {
  const posts = readPosts(settings);
  const subscribers = readSubscribers(settings);
  return { ...subscribers, posts: posts.posts, problems: [...posts.problems, ...subscribers.problems] };
}

/** The record reduced to what planning needs (with its post rows whole, for status); cheap even with millions of delivery rows. */
export function recordView(record: SendRecord | undefined): RecordView<PostRow> {
  if (!record) return { initialized: false, posts: new Map(), counts: new Map() };
  return { initialized: record.isInitialized(), posts: record.posts(), counts: record.openCounts() };
}
