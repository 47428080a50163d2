import path from 'node:path';
import type { App } from '../app';
import { checkAddress } from '../subscribers/address';
import type { Post } from '../discover/posts';
import { ErrorCode, type Problem, problem } from '../errors';
import { ExitCode, hasErrors, type Output, plural, reportProblems } from '../output';
import { planSend } from '../plan/plan';
import type { SendRecord } from '../record/sqlite';
import { readFeedPosts } from '../pipeline/feed-posts';
import { fingerprints } from '../pipeline/fingerprint';
import { type Inputs, readPosts, readSubscribers, recordView } from '../pipeline/inputs';
import { previewTransport } from '../pipeline/preview-transport';
import { renderPosts } from '../pipeline/render-posts';
import { describeTopicCounts, recipientsOf, settingsTopicRules } from '../pipeline/routing';
import { describeAccepted, describeFirstRun, type SendResult } from '../pipeline/send-report';
import { refuseLateIncludeExisting } from '../pipeline/readiness';

export interface DryRunOptions {
  readonly posts: readonly string[];
  readonly includeExisting: boolean;
  readonly acceptNew?: boolean;
  readonly resendInDoubt: boolean;
  readonly showRecipients: boolean;
  /** PNG screenshots of each preview (needs Chromium). */
  readonly screenshots: boolean;
  /** Dark-mode screenshots too (email-dark-375.png, email-dark-600.png), as `herald preview --dark`. */
  readonly dark?: boolean;
  readonly json: boolean;
}

/**
 * `herald send --dry-run`: the send's own pipeline (discover → plan → render once → deliver) with
 * the preview transport in place of SMTP, over a read-only view of the record (or none when there
 * is none yet): the plan printed, the messages in the preview folder, nothing changed.
 */
export async function runDryRun(app: App, opts: DryRunOptions): Promise<SendResult> {
  const { settings, io, now } = app;
  const posts = readPosts(settings);
  reportProblems(io, posts.problems);
  const subscribers = readSubscribers(settings);
  reportProblems(io, subscribers.problems);
  const inputs: Inputs = { ...subscribers, posts: posts.posts, problems: [...posts.problems, ...subscribers.problems] };
  const sender = app.sender({ requireSecret: false });
  if (settings.unsubscribe.url && !settings.env.secret) {
    io.err('note: HERALD_SECRET is not set, so previews carry a placeholder unsubscribe token.');
  }
  const record = app.readRecord();
  try {
    const view = recordView(record);
    refuseLateIncludeExisting(opts.includeExisting, view);
    const feeds = await readFeedPosts(app, { named: opts.posts, acceptNew: Boolean(opts.acceptNew), readOnly: record, view });
    reportProblems(io, feeds.problems);
    const plan = planSend([...inputs.posts, ...feeds.posts], view, {
      named: feeds.named, includeExisting: opts.includeExisting, resendInDoubt: opts.resendInDoubt, now: now(), floodGuard: settings.floodGuard, acceptNew: opts.acceptNew ?? false,
      topics: settingsTopicRules(settings), welcome: settings.welcome || undefined, fingerprints: fingerprints(inputs.posts, view.posts, settings),
    });
    reportProblems(io, plan.problems);
    const problems: Problem[] = [...inputs.problems, ...feeds.problems, ...plan.problems];
    describeFirstRun(plan, io, true);
    describeAccepted(plan, io, true);
    const ready = await renderPosts(app.renderer(), [...plan.fresh, ...plan.resume], { io, problems, now });
    const transport = previewTransport(settings.previewDir, sender);
    const reports: { id: string; title: string; file: string; recipients: number; topics?: { topic?: string; label: string; count: number }[]; preview: string }[] = [];
    const rules = settingsTopicRules(settings);
    for (const { post, rendered } of ready) {
      const fresh = plan.fresh.includes(post);
      const routed = fresh ? [...recipientsOf(post, inputs.subscribers, rules)] : [];
      // digest readers get the post in their next digest, not now
      const due = fresh ? routed.filter((s) => !s.frequency) : dueSubscribers(record!, post, inputs, opts.resendInDoubt, now());
      const files = await transport.send({ post, rendered }, due);
      const byTopic = fresh ? describeTopicCounts(post, inputs.subscribers, rules) : undefined;
      reports.push({ id: post.id, title: post.title, file: post.file, recipients: due.length, ...(byTopic ? { topics: byTopic.counts } : {}), preview: files.dir });
      if (!opts.json) {
        io.out(`would send "${post.title}" (${post.file}) to ${plural(due.length, 'subscriber')}`);
        if (byTopic) io.out(`  by topic: ${byTopic.text}`);
        if (routed.length > due.length) io.out(`  and ${plural(routed.length - due.length, 'digest reader')} in their next digest`);
        io.out(`  preview: ${path.relative(process.cwd(), files.html) || files.html} and message.eml beside it`);
        if (opts.showRecipients) for (const s of due) io.out(`    ${s.email}`);
      }
      if (opts.screenshots) problems.push(...(await screenshots(app, files.html, files.dir, io, opts.dark ? ['light', 'dark'] : ['light'])));
    }
    if (opts.json) io.out(JSON.stringify({ dryRun: true, firstRun: plan.firstRun, baseline: plan.baseline.map((p) => p.id), posts: reports }, null, 2));
    else if (!reports.length) io.out(plan.baseline.length || plan.accepted.length ? 'nothing would be mailed.' : hasErrors(problems) ? 'nothing would be mailed (see the problems above).' : 'nothing to send: no new posts.');
    else io.out('dry run: nothing was sent and the record was not changed.');
    return { code: hasErrors(problems) ? ExitCode.FAILED : ExitCode.OK };
  } finally {
    record?.close();
  }
}

async function screenshots(app: App, html: string, dir: string, io: Output, schemes: readonly ('light' | 'dark')[]): Promise<Problem[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { screenshotEmail, siteFiles } = require('../preview/screenshot') as typeof import('../preview/screenshot');
  for (const colorScheme of schemes) {
    const dark = colorScheme === 'dark';
    const shot = await screenshotEmail(html, dir, { localFile: siteFiles(app.settings.siteUrl, [...app.settings.postsDirs, app.settings.root]), colorScheme, prefix: dark ? 'email-dark' : 'email' });
    if ('unavailable' in shot) return [problem(ErrorCode.EUSAGE, `no screenshots: Chromium was not found; ${shot.unavailable}`)];
    for (const file of shot.files) io.out(`  screenshot${dark ? ' (dark mode)' : ''}: ${path.relative(process.cwd(), file) || file}`);
    // the width does not depend on the colour scheme: warned once
    if (shot.overflowAt375 && !dark) io.err('warning: the email is wider than a 375 px phone screen (it scrolls sideways)');
  }
  return [];
}

/** The recipients a resumed post still has due, as the record lists them (read only). */
function dueSubscribers(record: SendRecord, post: Post, inputs: Inputs, inDoubt: boolean, now: Date): Inputs['subscribers'] {
  const rows = record.due(post.id, now, { afterSeq: -1, limit: 1_000_000_000, includeInDoubt: inDoubt });
  // a row queued before Unicode domains were keyed in ASCII is found by its address's key of today
  const current = (email: string): string => {
    const check = checkAddress(email);
    return check.ok ? check.key : email;
  };
  return rows.map((r) => inputs.subscriberMap.get(r.key) ?? inputs.subscriberMap.get(current(r.email))).filter((s) => s !== undefined);
}
