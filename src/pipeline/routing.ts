import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
import { nextLocalTime } from '../plan/local-time';
import { countByTopic, postAudience, receives, type AudienceCount, type TopicRules, topicRules } from '../plan/audience';
import type { Subscriber } from '../subscribers/read';

/** The topic rules of these settings; undefined when none are configured (everyone gets every post). */
export function settingsTopicRules(settings: Pick<Settings, 'topics' | 'noTopics'>): TopicRules | undefined {
  return topicRules(settings.topics, settings.noTopics);
}

/** The subscribers a new post is queued for, in list order. */
export function* recipientsOf<S extends Pick<Subscriber, 'topics'>>(post: Pick<Post, 'topics' | 'audience'>, subscribers: Iterable<S>, rules: TopicRules | undefined): Generator<S> {
  if (!rules) {
    yield* subscribers;
    return;
  }
  const audience = postAudience(post, rules);
  for (const s of subscribers) if (receives(audience, s.topics, rules)) yield s;
}

/** "rust 12, go 3, no topic chosen 40", or undefined for a post that goes to everyone. */
export function describeTopicCounts(post: Pick<Post, 'topics' | 'audience'>, subscribers: Iterable<Pick<Subscriber, 'topics'>>, rules: TopicRules | undefined): { text: string; counts: AudienceCount[] } | undefined {
  if (!rules) return undefined;
  const counts = countByTopic(postAudience(post, rules), subscribers, rules);
  if (!counts.length) return undefined;
  return { text: counts.map((c) => `${c.label} ${c.count}`).join(', '), counts };
}

/**
 * Each recipient with the moment their copy may go: with `deliverAt`, the next time their own
 * clock (their time zone, else schedule.timezone) shows it; without, at once, as always.
 */
export function* withDeliveryTimes<S extends Pick<Subscriber, 'key' | 'email' | 'name' | 'timeZone' | 'frequency'>>(
  subscribers: Iterable<S>,
  settings: Pick<Settings, 'deliverAt' | 'schedule'>,
  now: Date,
): Generator<S | (S & { notBefore: string }) | (S & { digest: true })> {
  const deliverAt = settings.deliverAt;
  // most of a list shares a few zones: each zone's next time is worked out once
  const byZone = new Map<string, string>();
  for (const s of subscribers) {
    // a digest reader is owed the post in their next digest instead (record/digests.ts)
    if (s.frequency) {
      yield { ...s, digest: true };
      continue;
    }
    if (!deliverAt) {
      yield s;
      continue;
    }
    const zone = s.timeZone ?? settings.schedule.timezone;
    let notBefore = byZone.get(zone);
    if (notBefore === undefined) {
      notBefore = nextLocalTime(now, zone, deliverAt).toISOString();
      byZone.set(zone, notBefore);
    }
    yield { ...s, notBefore };
  }
}
