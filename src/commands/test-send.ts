import type { App } from '../app';
import { ExitCode, reportProblems } from '../output';
import { findFeedItem } from '../pipeline/feed-posts';
import { readPosts } from '../pipeline/inputs';
import { renderPosts } from '../pipeline/render-posts';
import type { SendResult } from '../pipeline/send-report';
import { planTestSend } from '../pipeline/test-plan';
import { composeTestCopy } from '../render/one-message';

export interface TestSendOptions {
  readonly posts: readonly string[];
  /** The one address the copy goes to. */
  readonly to: string;
}

/**
 * `herald send POST --to ADDRESS`: the send's pipeline with a one-recipient plan and no record:
 * one marked copy (its own Message-ID, "[test]" in the subject) over SMTP to one address.
 */
export async function runTestSend(app: App, opts: TestSendOptions): Promise<SendResult> {
  const { settings, io, now } = app;
  const posts = readPosts(settings);
  reportProblems(io, posts.problems);
  // a feed item by its link or id, when no post has that name
  const item = settings.feeds.length && opts.posts.length === 1 ? await findFeedItem(settings, opts.posts[0]!, now()) : undefined;
  const plan = planTestSend(item ? [...posts.posts, item] : posts.posts, item ? [item.id] : opts.posts, opts.to, now());
  if (!plan.post) {
    reportProblems(io, plan.problems);
    return { code: ExitCode.FAILED };
  }
  const sender = app.sender({ requireSecret: false });
  const [ready] = await renderPosts(app.renderer(), [plan.post], { io, problems: [], now });
  if (!ready) return { code: ExitCode.FAILED };
  const built = composeTestCopy(ready.rendered, sender, plan.recipient);
  const sign = app.signer();
  const message = sign ? { ...built, raw: await sign(built.raw) } : built;
  const transport = app.smtp({ connections: 1 });
  try {
    const outcome = await transport.send(message);
    const ok = outcome.kind === 'accepted';
    io.out(`test send of "${plan.post.title}" to ${plan.recipient.email}: ${ok ? 'accepted' : outcome.kind} (${outcome.reply}); not recorded as a delivery.`);
    return { code: ok ? ExitCode.OK : ExitCode.FAILED };
  } finally {
    await transport.close();
  }
}
