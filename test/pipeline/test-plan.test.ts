import type { Post } from '../../src/discover/posts';
import { ErrorCode, HeraldError } from '../../src/errors';
import { planTestSend } from '../../src/pipeline/test-plan';

const NOW = new Date('2026-06-01T12:00:00Z');

const post = (id: string, extra: Partial<Post> = {}): Post => ({
  id, file: `posts/${id}.md`, format: 'yaml', title: id, date: new Date('2026-05-01T00:00:00Z'), slug: id,
  draft: false, optedOut: false, body: 'Text', bodyLine: 4, ...extra,
});

function usageError(run: () => unknown): HeraldError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe(ErrorCode.EUSAGE);
    return err as HeraldError;
  }
  throw new Error('expected a usage error');
}

describe('the test send plan: one post, one recipient, no record', () => {
  test('the named post goes to the one address given, keyed as a send would key it', () => {
    const plan = planTestSend([post('hello'), post('other')], ['hello'], 'Me@Example.COM', NOW);
    expect(plan.post?.id).toBe('hello');
    expect(plan.post && plan.recipient).toEqual({ email: 'Me@example.com', key: 'me@example.com', name: '', smtputf8: false });
  });

  test('a draft and a post scheduled for later can be test-sent', () => {
    expect(planTestSend([post('draft', { draft: true })], ['draft'], 'me@example.com', NOW).post?.id).toBe('draft');
    expect(planTestSend([post('later', { date: new Date('2027-01-01T00:00:00Z') })], ['later'], 'me@example.com', NOW).post?.id).toBe('later');
  });

  test('an internationalised address is sent with SMTPUTF8', () => {
    const plan = planTestSend([post('hello')], ['hello'], 'zoë@exämple.org', NOW);
    expect(plan.post && plan.recipient.smtputf8).toBe(true);
  });

  test('naming no post or two posts is a usage error that says how to call it', () => {
    expect(usageError(() => planTestSend([post('a'), post('b')], [], 'me@example.com', NOW)).message).toBe('--to sends one post: name exactly one');
    expect(usageError(() => planTestSend([post('a'), post('b')], ['a', 'b'], 'me@example.com', NOW)).hint).toContain('herald send posts/hello.md --to me@example.com');
  });

  test('an address herald would not send to is a usage error naming --to', () => {
    expect(usageError(() => planTestSend([post('a')], ['a'], 'not an address', NOW)).message).toMatch(/^--to: /);
  });

  test('a post that is not there gives no post and says so in the problems', () => {
    const plan = planTestSend([post('a')], ['missing'], 'me@example.com', NOW);
    expect(plan.post).toBeUndefined();
    expect(plan.problems.map((p) => p.message).join('\n')).toContain('missing');
  });
});
