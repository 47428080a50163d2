import type { Settings } from '../config/load';
import { discoverPosts, type Post } from '../discover/posts';
import { discoverSubscribers, type Subscriber } from '../discover/subscribers';
import type { Problem } from '../errors';
import type { SendRecord } from '../record/sqlite';
import type { RecordView } from '../plan/plan';

/** The folder as read at the start of a command: posts, subscribers and every problem found. */
export interface Inputs {
  readonly posts: readonly Post[];
  readonly subscribers: readonly Subscriber[];
  readonly subscriberMap: ReadonlyMap<string, Subscriber>;
  /** A subscriber file could not be read as a whole: the audience cannot be trusted for sending. */
  readonly subscriberFileBroken: boolean;
  readonly problems: readonly Problem[];
}

export function readInputs(settings: Settings): Inputs {
  const posts = discoverPosts(settings.postsDir);
  const subs = discoverSubscribers(settings.subscribersDir);
  return {
    posts: posts.posts,
    subscribers: subs.subscribers,
    subscriberMap: new Map(subs.subscribers.map((s) => [s.key, s])),
    subscriberFileBroken: subs.brokenFiles.length > 0,
    problems: [...posts.problems, ...subs.problems],
  };
}

export function recordView(record: SendRecord | undefined): RecordView {
  if (!record) return { initialized: false, posts: new Map(), counts: new Map() };
  return { initialized: record.isInitialized(), posts: record.posts(), counts: record.counts() };
}
