import type { Post } from '../../src/discover/posts';
import { audienceProblem, countByTopic, postAudience, receives, topicRules } from '../../src/plan/audience';
import { planSend } from '../../src/plan/plan';

const TOPICS = { rust: { label: 'Rust', match: ['cargo', 'rustlang'] }, go: { label: 'Go', match: ['golang'] } };
const rules = topicRules(TOPICS, 'everything')!;
const strict = topicRules(TOPICS, 'nothing')!;

const post = (extra: Partial<Post> = {}): Post => ({
  id: 'p', file: 'posts/p.md', format: 'yaml', title: 'P', slug: 'p', draft: false, optedOut: false, body: 'x', bodyLine: 1, ...extra,
});

describe('topics: which subscribers a post goes to', () => {
  test('no topics configured means no rules: everyone gets everything', () => {
    expect(topicRules(undefined, 'everything')).toBeUndefined();
    expect(topicRules({}, 'nothing')).toBeUndefined();
  });

  test("a post's tags map to topics by key, label or match word, in any case; other tags are ignored", () => {
    expect(postAudience(post({ topics: ['Cargo', 'misc', 'GOLANG', 'rust'] }), rules)).toEqual(['rust', 'go']);
    expect(postAudience(post({ topics: ['misc'] }), rules)).toBe('all');
    expect(postAudience(post({}), rules)).toBe('all');
  });

  test('an explicit audience overrides the tags', () => {
    expect(postAudience(post({ topics: ['rust'], audience: 'all' }), rules)).toBe('all');
    expect(postAudience(post({ topics: ['rust'], audience: ['Go'] }), rules)).toEqual(['go']);
  });

  test('a subscriber receives a topical post when one of their topics matches', () => {
    expect(receives(['rust'], ['cargo'], rules)).toBe(true);
    expect(receives(['rust'], ['go'], rules)).toBe(false);
    expect(receives('all', ['go'], rules)).toBe(true);
  });

  test('a subscriber who chose no topic gets everything by default, nothing of topical posts with noTopics: nothing', () => {
    expect(receives(['rust'], undefined, rules)).toBe(true);
    expect(receives(['rust'], ['unknown-word'], rules)).toBe(true);
    expect(receives(['rust'], undefined, strict)).toBe(false);
    expect(receives('all', undefined, strict)).toBe(true);
  });

  test('counts per topic, a reader of two topics counted in both', () => {
    const subs = [{ topics: ['rust'] }, { topics: ['rust', 'go'] }, { topics: ['go'] }, {}, { topics: ['other'] }];
    expect(countByTopic(['rust', 'go'], subs, rules)).toEqual([
      { topic: 'rust', label: 'Rust', count: 2 },
      { topic: 'go', label: 'Go', count: 2 },
      { topic: undefined, label: 'no topic chosen', count: 2 },
    ]);
    expect(countByTopic('all', subs, rules)).toEqual([]);
  });

  test('an audience naming an unknown topic is a problem naming the file, and the plan does not send the post', () => {
    const bad = post({ audience: ['python'] });
    expect(audienceProblem(bad, rules)?.message).toMatch(/"python".*not a topic/);
    expect(audienceProblem(post({ audience: ['rust'] }), rules)).toBeUndefined();
    expect(audienceProblem(post({ audience: 'all' }), undefined)).toBeUndefined();
    const view = { initialized: true, posts: new Map(), counts: new Map() };
    const plan = planSend([bad, post({ id: 'ok', file: 'posts/ok.md', audience: ['rust'] })], view, { named: [], includeExisting: false, resendInDoubt: false, now: new Date(), topics: rules });
    expect(plan.fresh.map((p) => p.id)).toEqual(['ok']);
    expect(plan.problems[0]).toMatchObject({ location: { file: 'posts/p.md' } });
  });
});
