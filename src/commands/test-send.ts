import type { Settings } from '../config/load';
import { createSmtpPool } from '../deliver/smtp-pool';
import { checkAddress } from '../discover/address';
import { ErrorCode, HeraldError } from '../errors';
import { planSend } from '../plan/plan';
import { resolveSender } from '../render/envelope';
import { composeTestCopy } from '../render/one-message';
import { renderPost } from '../render/post';
import type { PostInputs } from './inputs';
import { ExitCode, type Output, reportProblems } from './io';
import { type SendOptions, type SendResult, signerFor } from './send';

/** `herald send POST --to ADDRESS`: one marked copy to one address, outside the record. */
export async function testSend(settings: Settings, inputs: PostInputs, opts: SendOptions, io: Output, now: () => Date): Promise<SendResult> {
  if (opts.posts.length !== 1) {
    throw new HeraldError(ErrorCode.EUSAGE, '--to sends one post: name exactly one', { hint: 'For example: herald send posts/hello.md --to me@example.com' });
  }
  const check = checkAddress(opts.to!);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, `--to: ${check.reason}`);
  const plan = planSend(inputs.posts, { initialized: true, posts: new Map(), counts: new Map() }, { named: opts.posts, includeExisting: true, resendInDoubt: false, now: now() });
  const post = plan.fresh[0] ?? plan.held[0]?.post;
  if (!post) {
    reportProblems(io, plan.problems);
    return { code: ExitCode.FAILED };
  }
  const sender = resolveSender(settings, { requireSecret: false });
  const rendered = await renderPost(post, settings, now());
  reportProblems(io, rendered.warnings);
  const built = composeTestCopy(rendered, sender, { email: check.address, key: check.key, name: '', smtputf8: check.smtputf8 });
  const sign = signerFor(settings);
  const message = sign ? { ...built, raw: await sign(built.raw) } : built;
  const transport = createSmtpPool(settings.env.smtpUrl, { ...settings.smtp, connections: 1 });
  try {
    const outcome = await transport.send(message);
    const ok = outcome.kind === 'accepted';
    io.out(`test send of "${post.title}" to ${check.address}: ${ok ? 'accepted' : outcome.kind} (${outcome.reply}); not recorded as a delivery.`);
    return { code: ok ? ExitCode.OK : ExitCode.FAILED };
  } finally {
    await transport.close();
  }
}
