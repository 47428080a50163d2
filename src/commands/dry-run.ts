import path from 'node:path';
import type { Settings } from '../config/load';
import { checkAddress } from '../discover/address';
import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem } from '../errors';
import { planSend, type SendPlan } from '../plan/plan';
import { resolveSender } from '../render/envelope';
import { renderThread } from '../render/post';
import { SendRecord } from '../record/sqlite';
import { type Inputs, recordView } from './inputs';
import { ExitCode, hasErrors, orReport, type Output, plural, reportProblems } from './io';
import { SAMPLE_RECIPIENT, writePreview } from './preview';
import type { SendOptions, SendResult } from './send';

/**
 * The plan, printed, plus each pending post rendered through the preview writer instead of SMTP.
 * The record is opened read-only (or not at all when there is none), so nothing changes.
 */
export async function dryRun(settings: Settings, inputs: Inputs, opts: SendOptions, io: Output, now: () => Date): Promise<SendResult> {
  const sender = resolveSender(settings, { requireSecret: false });
  if (settings.unsubscribe.url && !settings.env.secret) {
    io.err('note: HERALD_SECRET is not set, so previews carry a placeholder unsubscribe token.');
  }
  const record = SendRecord.open(settings.stateDir, { readonly: true });
  try {
    const plan = planSend(inputs.posts, recordView(record), { named: opts.posts, includeExisting: opts.includeExisting, resendInDoubt: opts.resendInDoubt, now: now() });
    reportProblems(io, plan.problems);
    const problems: Problem[] = [...inputs.problems, ...plan.problems];
    describeFirstRun(plan, io, true);
    const reports: { id: string; title: string; file: string; recipients: number; preview: string }[] = [];
    // the send's own path: what is shown is what a send makes
    const renderer = renderThread(settings);
    try {
      for (const post of [...plan.fresh, ...plan.resume]) {
        const due = plan.fresh.includes(post) ? inputs.subscribers : dueSubscribers(record!, post, inputs, opts.resendInDoubt, now());
        const rendered = await orReport(io, problems, () => renderer.render(post, now()));
        if (!rendered) continue;
        reportProblems(io, rendered.warnings);
        const files = await writePreview(settings.previewDir, rendered, sender, due[0] ?? SAMPLE_RECIPIENT);
        reports.push({ id: post.id, title: post.title, file: post.file, recipients: due.length, preview: files.dir });
        if (!opts.json) {
          io.out(`would send "${post.title}" (${post.file}) to ${plural(due.length, 'subscriber')}`);
          io.out(`  preview: ${path.relative(process.cwd(), files.html) || files.html} and message.eml beside it`);
          if (opts.showRecipients) for (const s of due) io.out(`    ${s.email}`);
        }
        if (opts.screenshots) problems.push(...(await screenshots(settings, files.html, files.dir, io)));
      }
    } finally {
      renderer.end();
    }
    if (opts.json) io.out(JSON.stringify({ dryRun: true, firstRun: plan.firstRun, baseline: plan.baseline.map((p) => p.id), posts: reports }, null, 2));
    else if (!reports.length) io.out(plan.baseline.length ? 'nothing would be mailed.' : hasErrors(problems) ? 'nothing would be mailed (see the problems above).' : 'nothing to send: no new posts.');
    else io.out('dry run: nothing was sent and the record was not changed.');
    return { code: hasErrors(problems) ? ExitCode.FAILED : ExitCode.OK };
  } finally {
    record?.close();
  }
}

async function screenshots(settings: Settings, html: string, dir: string, io: Output): Promise<Problem[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { screenshotEmail, siteFiles } = require('../preview/screenshot') as typeof import('../preview/screenshot');
  const shot = await screenshotEmail(html, dir, { localFile: siteFiles(settings.siteUrl, [settings.postsDir, settings.root]) });
  if ('unavailable' in shot) return [problem(ErrorCode.EUSAGE, `no screenshots: Chromium was not found; ${shot.unavailable}`)];
  for (const file of shot.files) io.out(`  screenshot: ${path.relative(process.cwd(), file) || file}`);
  if (shot.overflowAt375) io.err('warning: the email is wider than a 375 px phone screen (it scrolls sideways)');
  return [];
}

function dueSubscribers(record: SendRecord, post: Post, inputs: Inputs, inDoubt: boolean, now: Date): Inputs['subscribers'] {
  const rows = record.due(post.id, now, { afterSeq: -1, limit: 1_000_000_000, includeInDoubt: inDoubt });
  // a row queued before Unicode domains were keyed in ASCII is found by its address's key of today
  const current = (email: string): string => {
    const check = checkAddress(email);
    return check.ok ? check.key : email;
  };
  return rows.map((r) => inputs.subscriberMap.get(r.key) ?? inputs.subscriberMap.get(current(r.email))).filter((s) => s !== undefined);
}

export function describeFirstRun(plan: SendPlan, io: Output, dry: boolean): void {
  if (!plan.firstRun || !plan.baseline.length) return;
  const verb = dry ? 'would be recorded' : plan.baseline.length === 1 ? 'was recorded' : 'were recorded';
  io.err(
    `first run in this folder: ${plural(plan.baseline.length, 'existing post')} ${verb} as already published and not mailed.\n` +
      '  To mail one of them: herald send POST   (its path under posts/ or its slug)\n' +
      '  To mail all of them on a first run instead: herald send --include-existing',
  );
}
