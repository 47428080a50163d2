import type { Post } from '../../src/discover/posts';
import { type KnownPost, type OpenCounts, type RecordView, type SendPlan, planSend } from '../../src/plan/plan';

const NOW = new Date('2026-06-01T12:00:00Z');

const post = (id: string, date?: string, extra: Partial<Post> = {}): Post => ({
  id, file: `posts/${id}.md`, format: 'yaml', title: id, date: date ? new Date(date) : undefined, slug: id,
  draft: false, optedOut: false, body: 'Text', bodyLine: 4, ...extra,
});

/** Every state a recipient can be in: the record counts them all, planning reads those still in play. */
type State = keyof OpenCounts | 'sent' | 'failed' | 'skipped';
const counts = (some: Partial<Record<State, number>> = {}): Record<State, number> => ({
  pending: 0, sending: 0, sent: 0, failed: 0, deferred: 0, in_doubt: 0, skipped: 0, ...some,
});

const row = (disposition: KnownPost['disposition']): KnownPost => ({ disposition });

/** A record in literal form: which posts it knows, how, and the counts of their recipients' states. */
function record(known: Record<string, { disposition: KnownPost['disposition']; counts?: OpenCounts }> = {}, initialized = true): RecordView {
  return {
    initialized,
    posts: new Map(Object.entries(known).map(([id, k]) => [id, row(k.disposition)])),
    counts: new Map(Object.entries(known).filter(([, k]) => k.counts).map(([id, k]) => [id, k.counts!])),
  };
}

type Request = Partial<Parameters<typeof planSend>[2]>;
const plan = (posts: readonly Post[], view: RecordView, request: Request = {}): SendPlan =>
  planSend(posts, view, { named: [], includeExisting: false, resendInDoubt: false, now: NOW, ...request });

/** The plan reduced to ids, so that a table row can say what it expects in one line. */
function ids(p: SendPlan): Record<string, unknown> {
  return {
    firstRun: p.firstRun,
    baseline: p.baseline.map((x) => x.id),
    fresh: p.fresh.map((x) => x.id),
    resume: p.resume.map((x) => x.id),
    held: p.held.map((x) => `${x.post.id}:${x.status}`),
    problems: p.problems.length,
  };
}

const OLD = post('old', '2026-01-01');
const NEW = post('new', '2026-05-30');
const DRAFT = post('draft', '2026-05-01', { draft: true });
const FUTURE = post('future', '2026-07-01');
const OPTED_OUT = post('kept-out', '2026-05-01', { optedOut: true });
const PAST_DATED_NEW = post('old-date', '2019-01-01');

describe('planning a send', () => {
  test('new posts go oldest first, and posts of one day in the order of their ids, the same on every machine', () => {
    const posts = [post('b', '2026-05-04'), post('é', '2026-05-04'), post('later', '2026-05-05'), post('B', '2026-05-04'), post('a', '2026-05-04'), post('undated')];
    expect(plan(posts, record()).fresh.map((p) => p.id)).toEqual(['undated', 'B', 'a', 'b', 'é', 'later']);
  });

  const cases: { name: string; posts: Post[]; view: RecordView; request?: Request; expected: Record<string, unknown> }[] = [
    {
      name: 'first run: existing posts become the baseline and nothing is mailed',
      posts: [OLD, NEW], view: record({}, false),
      expected: { firstRun: true, baseline: ['old', 'new'], fresh: [], resume: [], held: [], problems: 0 },
    },
    {
      name: 'first run with --include-existing: every existing post is mailed, oldest first',
      posts: [NEW, OLD], view: record({}, false), request: { includeExisting: true },
      expected: { firstRun: true, baseline: [], fresh: ['old', 'new'], resume: [], held: [], problems: 0 },
    },
    {
      name: 'first run naming a post: that post is mailed, the rest becomes the baseline',
      posts: [OLD, NEW], view: record({}, false), request: { named: ['new'] },
      expected: { firstRun: true, baseline: [], fresh: ['new'], resume: [], held: [], problems: 0 },
    },
    {
      name: 'first run: drafts, future posts and opted-out posts are held, not part of the baseline',
      posts: [OLD, DRAFT, FUTURE, OPTED_OUT], view: record({}, false),
      expected: { firstRun: true, baseline: ['old'], fresh: [], resume: [], held: ['draft:draft', 'kept-out:opted-out', 'future:scheduled'], problems: 0 },
    },
    {
      name: 'a post the record has never seen is new, whatever past date it carries',
      posts: [OLD, PAST_DATED_NEW], view: record({ old: { disposition: 'baseline' } }),
      expected: { firstRun: false, baseline: [], fresh: ['old-date'], resume: [], held: [], problems: 0 },
    },
    {
      name: 'a future date delays a new post; a draft and an opted-out post wait without a word',
      posts: [FUTURE, DRAFT, OPTED_OUT], view: record(),
      expected: { firstRun: false, baseline: [], fresh: [], resume: [], held: ['draft:draft', 'kept-out:opted-out', 'future:scheduled'], problems: 0 },
    },
    {
      name: 'the same future post goes out once its time has come',
      posts: [FUTURE], view: record(), request: { now: new Date('2026-07-02') },
      expected: { firstRun: false, baseline: [], fresh: ['future'], resume: [], held: [], problems: 0 },
    },
    {
      name: 'naming a draft or a future post is a problem that says why it is not sent',
      posts: [DRAFT, FUTURE], view: record(), request: { named: ['draft', 'future'] },
      expected: { firstRun: false, baseline: [], fresh: [], resume: [], held: ['draft:draft', 'future:scheduled'], problems: 2 },
    },
    {
      name: 'naming a post that does not exist is a problem; the named ones that exist still go',
      posts: [NEW], view: record(), request: { named: ['nope', 'new'] },
      expected: { firstRun: false, baseline: [], fresh: ['new'], resume: [], held: [], problems: 1 },
    },
    {
      name: 'a post is named by its id, its path under posts/, its path with or without extension, or its slug',
      posts: [post('a', '2026-05-01'), post('b', '2026-05-02', { slug: 'bee' }), post('c', '2026-05-03'), post('d', '2026-05-04')],
      view: record(), request: { named: ['a', 'bee', 'posts/c.md', 'd.md', 'a'] },
      expected: { firstRun: false, baseline: [], fresh: ['a', 'b', 'c', 'd'], resume: [], held: [], problems: 0 },
    },
    {
      name: 'a baseline post is sent only when named',
      posts: [OLD], view: record({ old: { disposition: 'baseline' } }), request: { named: ['old'] },
      expected: { firstRun: false, baseline: [], fresh: ['old'], resume: [], held: [], problems: 0 },
    },
    {
      name: 'a baseline post is never sent by an ordinary run, even after an edit',
      posts: [OLD], view: record({ old: { disposition: 'baseline' } }),
      expected: { firstRun: false, baseline: [], fresh: [], resume: [], held: [], problems: 0 },
    },
    {
      name: 'a queued post with pending, deferred or interrupted recipients is resumed',
      posts: [post('p'), post('d'), post('s')],
      view: record({ p: { disposition: 'queued', counts: counts({ pending: 1, sent: 5 }) }, d: { disposition: 'queued', counts: counts({ deferred: 2 }) }, s: { disposition: 'queued', counts: counts({ sending: 1 }) } }),
      expected: { firstRun: false, baseline: [], fresh: [], resume: ['d', 'p', 's'], held: [], problems: 0 },
    },
    {
      name: 'a queued post whose recipients are all settled is not touched again',
      posts: [post('done')], view: record({ done: { disposition: 'queued', counts: counts({ sent: 9, failed: 1, skipped: 1 }) } }),
      expected: { firstRun: false, baseline: [], fresh: [], resume: [], held: [], problems: 0 },
    },
    {
      name: 'recipients in doubt are resumed only with --resend-in-doubt',
      posts: [post('doubt')], view: record({ doubt: { disposition: 'queued', counts: counts({ in_doubt: 2, sent: 3 }) } }),
      expected: { firstRun: false, baseline: [], fresh: [], resume: [], held: [], problems: 0 },
    },
    {
      name: 'with --resend-in-doubt a post with recipients in doubt is resumed',
      posts: [post('doubt')], view: record({ doubt: { disposition: 'queued', counts: counts({ in_doubt: 2, sent: 3 }) } }), request: { resendInDoubt: true },
      expected: { firstRun: false, baseline: [], fresh: [], resume: ['doubt'], held: [], problems: 0 },
    },
    {
      name: 'a queued post that became a draft keeps going: the record, not the file, decides',
      posts: [post('q', undefined, { draft: true })], view: record({ q: { disposition: 'queued', counts: counts({ pending: 4 }) } }),
      expected: { firstRun: false, baseline: [], fresh: [], resume: ['q'], held: [], problems: 0 },
    },
    {
      name: '--include-existing after the first run changes nothing for known posts',
      posts: [OLD, NEW], view: record({ old: { disposition: 'baseline' } }), request: { includeExisting: true },
      expected: { firstRun: false, baseline: [], fresh: ['new'], resume: [], held: [], problems: 0 },
    },
  ];

  test.each(cases)('$name', ({ posts, view, request, expected }) => {
    expect(ids(plan(posts, view, request))).toEqual(expected);
  });

  test('the plan is a pure function of its inputs: the same inputs give the same plan, and nothing passed in changes', () => {
    const posts = Object.freeze([NEW, OLD, DRAFT]);
    const view = record({ old: { disposition: 'baseline' } });
    const first = ids(plan(posts, view));
    expect(ids(plan(posts, view))).toEqual(first);
    expect(posts.map((p) => p.id)).toEqual(['new', 'old', 'draft']);
    expect([...view.posts.keys()]).toEqual(['old']);
  });
});
