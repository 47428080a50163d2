import type { Post } from '../../src/discover/posts';
import { planSend } from '../../src/plan/plan';

const post = (id: string, date?: string): Post => ({
  id, file: `posts/${id}.md`, format: 'yaml', title: id, date: date ? new Date(date) : undefined, slug: id,
  draft: false, optedOut: false, body: 'Text', bodyLine: 4,
});

describe('planning a send', () => {
  test('new posts go oldest first, and posts of one day in the order of their ids, the same on every machine', () => {
    const posts = [post('b', '2026-05-04'), post('é', '2026-05-04'), post('later', '2026-05-05'), post('B', '2026-05-04'), post('a', '2026-05-04'), post('undated')];
    const plan = planSend(posts, { initialized: true, posts: new Map(), counts: new Map() }, { named: [], includeExisting: false, resendInDoubt: false, now: new Date('2026-06-01') });
    expect(plan.fresh.map((p) => p.id)).toEqual(['undated', 'B', 'a', 'b', 'é', 'later']);
  });
});
