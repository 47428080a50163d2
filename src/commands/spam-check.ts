import type { Settings } from '../config/load';
import { type Problem, problem, ErrorCode } from '../errors';
import { compileMessage, personalise } from '../render/compose';
import { resolveSender, unsubscribeLinks } from '../render/envelope';
import { fillMessage, GMAIL_CLIP_BYTES, renderPost } from '../render/post';
import { messageBytes } from '../render/rendered-message';
import { lintEmail } from '../spam/lint';
import { spamCheck } from '../spam/spamassassin';
import type { Output } from '../output';
import { findPost } from './preview-run';
import { SAMPLE_RECIPIENT } from '../preview/write';
import type { Subscriber } from '../subscribers/read';

/**
 * `herald check --spam POST`: the message exactly as the first subscriber would get it, run
 * through SpamAssassin's local rules, plus herald's own lint of the usual faults.
 */
export async function checkSpam(settings: Settings, name: string, firstSubscriber: Subscriber | undefined, io: Output): Promise<Problem[]> {
  const post = findPost(settings, name, io);
  const rendered = await renderPost(post, settings, new Date());
  const sender = resolveSender(settings, { requireSecret: false });
  const recipient = firstSubscriber ?? SAMPLE_RECIPIENT;
  const filled = fillMessage(rendered, { name: recipient.name, email: recipient.email, unsubscribe_url: unsubscribeLinks(sender, recipient).visible });
  const problems: Problem[] = [
    ...rendered.warnings,
    // the size warning already comes with the rendered post
    ...lintEmail({ html: filled.html, text: filled.text, postalAddress: settings.postalAddress, file: post.file, subject: filled.subject, markdown: post.body }).filter((p) => !/Gmail clips/.test(p.message) || Buffer.byteLength(filled.html) <= GMAIL_CLIP_BYTES),
  ];
  const report = await spamCheck(messageBytes(personalise(compileMessage(rendered, sender, new Date()), recipient)));
  if ('unavailable' in report) {
    io.out(`spam check of "${post.title}": skipped: ${report.unavailable}`);
    return problems;
  }
  io.out(`spam check of "${post.title}": score ${report.score} (spam from ${report.required})`);
  for (const rule of report.rules) io.out(`  ${rule.score.toFixed(1).padStart(5)}  ${rule.name}  ${rule.description}`);
  if (report.score >= report.required) {
    problems.push(problem(ErrorCode.EPOST, `SpamAssassin scores its email ${report.score}, at or over its spam threshold ${report.required}`, { file: post.file }, 'Look at the rules above.'));
  }
  return problems;
}
