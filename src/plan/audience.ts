import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem } from '../errors';
import type { TopicSettings } from '../config/reader-settings';

/**
 * Who receives a post, by topic. Pure: the settings, the post's fields and the subscribers' topic
 * cells in, a decision out.
 *
 * A post's topics are its `tags`, `categories` and `topics` that name a configured topic (by its
 * key, its label or a word of its `match` list); `audience: all` or topic names set them
 * explicitly. A post with no topic goes to everyone. A post with topics goes to the subscribers
 * who chose one of them, and to those who chose none unless `noTopics` is "nothing".
 */

/** A topic's name as herald compares it: lower case, runs of white space as one. */
export const topicKey = (value: string): string => value.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');

export interface TopicRules {
  /** Each word a topic is known by (key, label, match list), as topicKey gives it → the topic's key. */
  readonly byWord: ReadonlyMap<string, string>;
  readonly labels: ReadonlyMap<string, string>;
  readonly noTopics: 'everything' | 'nothing';
}

/** The rules, or undefined when no topics are configured (then every post goes to everyone). */
export function topicRules(topics: TopicSettings | undefined, noTopics: 'everything' | 'nothing'): TopicRules | undefined {
  if (!topics || !Object.keys(topics).length) return undefined;
  const byWord = new Map<string, string>();
  const labels = new Map<string, string>();
  for (const [key, topic] of Object.entries(topics)) {
    labels.set(key, topic.label ?? key);
    for (const word of [key, topic.label ?? key, ...topic.match]) if (!byWord.has(topicKey(word))) byWord.set(topicKey(word), key);
  }
  return { byWord, labels, noTopics };
}

/** The configured topics some words name, each once, in the order named; other words are ignored. */
export function topicsOf(words: readonly string[] | undefined, rules: TopicRules): string[] {
  const out: string[] = [];
  for (const word of words ?? []) {
    const topic = rules.byWord.get(topicKey(word));
    if (topic !== undefined && !out.includes(topic)) out.push(topic);
  }
  return out;
}

/** A post's audience: everyone, or the subscribers of these topics. */
export type PostAudience = 'all' | readonly string[];

export function postAudience(post: Pick<Post, 'topics' | 'audience'>, rules: TopicRules): PostAudience {
  if (post.audience === 'all') return 'all';
  const topics = post.audience ? topicsOf(post.audience, rules) : topicsOf(post.topics, rules);
  return topics.length ? topics : 'all';
}

/** An `audience:` naming a topic that is not configured would mail the wrong people: the post is held. */
export function audienceProblem(post: Pick<Post, 'audience' | 'file'>, rules: TopicRules | undefined): Problem | undefined {
  if (post.audience === undefined || post.audience === 'all') return undefined;
  const unknown = post.audience.filter((name) => !rules?.byWord.has(topicKey(name)));
  if (!unknown.length) return undefined;
  return problem(ErrorCode.EPOST, `audience names ${unknown.map((u) => `"${u}"`).join(', ')}, which ${unknown.length === 1 ? 'is not a topic' : 'are not topics'} of herald.config.json; it is not sent`,
    { file: post.file }, rules ? `Use "all" or one of: ${[...rules.labels.keys()].join(', ')}.` : 'Add the topic under "topics" in herald.config.json, or remove "audience".');
}

/** Whether a subscriber with these topic words receives a post with this audience. */
export function receives(audience: PostAudience, subscriberWords: readonly string[] | undefined, rules: TopicRules): boolean {
  if (audience === 'all') return true;
  const chosen = topicsOf(subscriberWords, rules);
  if (!chosen.length) return rules.noTopics === 'everything';
  return chosen.some((t) => audience.includes(t));
}

export interface AudienceCount {
  /** A topic's key, or undefined for the subscribers who receive the post without having chosen one of its topics. */
  readonly topic?: string;
  readonly label: string;
  readonly count: number;
}

/** How many of the recipients come by each of the post's topics (a reader of two counts in both). */
export function countByTopic(audience: PostAudience, subscribers: Iterable<{ readonly topics?: readonly string[] }>, rules: TopicRules): AudienceCount[] {
  if (audience === 'all') return [];
  const counts = new Map<string | undefined, number>(audience.map((t) => [t, 0]));
  for (const s of subscribers) {
    const chosen = topicsOf(s.topics, rules);
    if (!chosen.length) {
      if (rules.noTopics === 'everything') counts.set(undefined, (counts.get(undefined) ?? 0) + 1);
      continue;
    }
    for (const t of chosen) if (counts.has(t)) counts.set(t, counts.get(t)! + 1);
  }
  return [...counts].map(([topic, count]) => ({ topic, label: topic === undefined ? 'no topic chosen' : rules.labels.get(topic) ?? topic, count }));
}
