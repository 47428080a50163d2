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

  test('a post with the URL or the text of a recorded one is named as its likely rename, the strongest evidence first', () => {
    const renamed = [post('moved'), post('retitled', { title: 'Fresh title' }), post('hello-world', { slug: 'hello-world' }), post('empty'), post('other')];
    const known = [
      { id: 'old-address', url: 'https://blog.example.com/2024/moved/', contentHash: 'h0' },
      { id: 'old-text', contentHash: 'h1', url: 'https://blog.example.com/old-text/' },
      { id: 'hello-world-2', file: 'posts/hello-world.md', contentHash: 'h2' },
      { id: 'blank', contentHash: '' },
      // a record from before fingerprints: neither column
      { id: 'older', title: 'Title of other' },
    ];
    const fingerprints = new Map([
      // the same page: another scheme, index.html or no trailing slash make no other address
      ['moved', { url: 'http://BLOG.example.com/2024/moved/index.html', contentHash: 'edited' }],
      ['retitled', { url: 'https://blog.example.com/retitled/', contentHash: 'h1' }],
      // the text matches one post and the slug another: the text wins
      ['hello-world', { url: 'https://blog.example.com/hello-world/', contentHash: 'h0' }],
      // no text is no evidence
      ['empty', { url: null, contentHash: '' }],
      ['other', { url: 'https://blog.example.com/other/', contentHash: 'h9' }],
    ]);
    const out = guardFlood(renamed, known, { threshold: 2, acceptNew: false, fingerprints });
    expect(out.held.map((h) => [h.post.id, h.likelyRenameOf, h.because])).toEqual([
      ['moved', 'old-address', 'URL'],
      ['retitled', 'old-text', 'content'],
      ['hello-world', 'old-address', 'content'],
      ['empty', undefined, undefined],
      ['other', 'older', 'title'],
    ]);
    expect(out.problem!.message).toContain('moved  posts/moved.md (likely a rename of "old-address": same URL)');
    expect(out.problem!.message).toContain('retitled  posts/retitled.md (likely a rename of "old-text": same content)');
    expect(out.problem!.message).toContain('empty  posts/empty.md\n');
    // renamed twice: the record met the later name last, and that is the one named
    const twice = guardFlood(renamed, [...known, { id: 'old-text-renamed', contentHash: 'h1' }], { threshold: 2, acceptNew: false, fingerprints });
    expect(twice.held[1]!.likelyRenameOf).toBe('old-text-renamed');
  });

  test('planSend hands the record\'s fingerprints and the new posts\' to the guard', () => {
    const record = view({ 'a-old': { file: 'posts/a-old.md', title: 'A', contentHash: 'ha', url: 'https://x.example/a/' }, 'b-old': { contentHash: null, url: null } });
    const fingerprints = new Map(many(6).map((p, i) => [p.id, { contentHash: i === 0 ? 'ha' : `h${i}`, url: i === 1 ? 'https://x.example/a' : null }]));
    const plan = planSend(many(6), record, { named: [], includeExisting: false, resendInDoubt: false, now: NOW, floodGuard: 5, fingerprints });
    expect(plan.flooded.slice(0, 3).map((h) => [h.post.id, h.likelyRenameOf, h.because])).toEqual([
      ['new-1', 'a-old', 'content'],
      ['new-2', 'a-old', 'URL'],
      ['new-3', undefined, undefined],
    ]);
  });
});
