import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
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
