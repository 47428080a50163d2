import type { Post } from '../../src/discover/posts';
import { guardFlood } from '../../src/plan/flood';
import { type KnownPost, type RecordView, planSend } from '../../src/plan/plan';

const NOW = new Date('2026-06-01T12:00:00Z');
const post = (id: string, extra: Partial<Post> = {}): Post => ({
  id, file: `posts/${id}.md`, format: 'yaml', title: `Title of ${id}`, slug: id.split('/').pop()!, draft: false, optedOut: false, body: 'Text', bodyLine: 1, ...extra,
});
const view = (known: Record<string, Partial<KnownPost>>): RecordView => ({
  initialized: true,
  posts: new Map(Object.entries(known).map(([id, k]) => [id, { disposition: 'baseline', ...k }])),
  counts: new Map(),
});
const many = (n: number, prefix = 'new'): Post[] => Array.from({ length: n }, (_, i) => post(`${prefix}-${i + 1}`));

describe('the flood guard for posts on disk', () => {
  test('up to the threshold, new posts are sent as usual', () => {
    const plan = planSend(many(5), view({}), { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 5 });
    expect(plan.fresh).toHaveLength(5);
    expect(plan.flooded).toHaveLength(0);
    expect(plan.problems).toHaveLength(0);
  });

  test('more than the threshold: none is sent, each is named, and the problem says how to go on', () => {
    const plan = planSend(many(6), view({}), { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 5 });
    expect(plan.fresh).toHaveLength(0);
    expect(plan.flooded.map((h) => h.post.id)).toEqual(many(6).map((p) => p.id));
    expect(plan.problems).toHaveLength(1);
    const [p] = plan.problems;
    expect(p!.severity).toBe('error');
    expect(p!.message).toContain('6 new posts at once, more than floodGuard (5)');
    for (const id of ['new-1', 'new-6']) expect(p!.message).toContain(id);
    expect(p!.hint).toContain('herald send ID');
    expect(p!.hint).toContain('herald send --accept-new');
  });

  test('posts resumed from an earlier run go on, whatever the flood', () => {
    const record: RecordView = { ...view({ old: { disposition: 'queued' } }), counts: new Map([['old', { pending: 3, sending: 0, deferred: 0, in_doubt: 0 }]]) };
    const plan = planSend([...many(9), post('old')], record, { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 5 });
    expect(plan.resume.map((p) => p.id)).toEqual(['old']);
    expect(plan.fresh).toHaveLength(0);
  });

  test('naming posts sends them, the guard does not apply; neither does it on the first run', () => {
    const named = planSend(many(9), view({}), { named: ['new-1', 'new-2'], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 1 });
    expect(named.fresh.map((p) => p.id)).toEqual(['new-1', 'new-2']);
    const first = planSend(many(9), { ...view({}), initialized: false }, { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 1 });
    expect(first.baseline).toHaveLength(9);
    expect(first.problems).toHaveLength(0);
  });

  test('--accept-new records every new post as published and sends none; 0 turns the guard off', () => {
    const accepted = planSend(many(9), view({}), { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 5, acceptNew: true });
    expect(accepted.accepted).toHaveLength(9);
    expect(accepted.fresh).toHaveLength(0);
    expect(accepted.problems).toHaveLength(0);
    const off = planSend(many(9), view({}), { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 0 });
    expect(off.fresh).toHaveLength(9);
  });

  test('a post whose slug or title matches a recorded one is named as a likely rename', () => {
    const renamed = [post('2024/hello-world', { slug: 'hello-world' }), post('b', { title: 'An Old Title' }), post('c')];
    const out = guardFlood(renamed, [{ id: '2024-01-02-hello-world', file: 'posts/2024-01-02-hello-world.md' }, { id: 'x', title: 'an old title' }], { threshold: 2, acceptNew: false });
    expect(out.held.map((h) => [h.post.id, h.likelyRenameOf, h.because])).toEqual([
      ['2024/hello-world', '2024-01-02-hello-world', 'slug'],
      ['b', 'x', 'title'],
      ['c', undefined, undefined],
    ]);
    expect(out.problem!.message).toContain('2024/hello-world  posts/2024/hello-world.md (likely a rename of "2024-01-02-hello-world": same slug)');
  });
});
