import { checkAddress } from '../subscribers/address';
import type { Post } from '../discover/posts';
import { ErrorCode, HeraldError, type Problem } from '../errors';
import { planSend, type RecordView } from '../plan/plan';
import type { Recipient } from '../render/rendered-message';

/** A test send's plan: one post, one recipient, no record (drafts and scheduled posts included). */
export type TestSendPlan =
  | { readonly post: Post; readonly recipient: Recipient; readonly problems: readonly Problem[] }
  | { readonly post?: undefined; readonly problems: readonly Problem[] };

/** Every post counts as new: a test copy is sent whatever the record says. */
const NO_RECORD: RecordView = { initialized: true, posts: new Map(), counts: new Map() };

/**
 * Pure: the one post `named` names and the one address `to`. A usage mistake (not exactly one
 * post, an address herald would not send to) is an EUSAGE error; a post that is not found comes
 * back as the plan's problems, with no post.
 */
export function planTestSend(posts: readonly Post[], named: readonly string[], to: string, now: Date): TestSendPlan {
  if (named.length !== 1) {
    throw new HeraldError(ErrorCode.EUSAGE, '--to sends one post: name exactly one', { hint: 'For example: herald send posts/hello.md --to me@example.com' });
  }
  const check = checkAddress(to);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, `--to: ${check.reason}`);
  const plan = planSend(posts, NO_RECORD, { named, includeExisting: true, resendInDoubt: false, now });
  const post = plan.fresh[0] ?? plan.held[0]?.post;
  if (!post) return { problems: plan.problems };
  return { post, recipient: { email: check.address, key: check.key, name: '', smtputf8: check.smtputf8 }, problems: plan.problems };
}
