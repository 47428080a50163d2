import crypto from 'node:crypto';
import path from 'node:path';
import type { Settings } from '../config/load';
import { deliverPost, type DeliverySummary } from '../deliver/deliver-post';
import { createSmtpPool, redactSmtpUrl } from '../deliver/smtp-pool';
import type { Transport } from '../deliver/transport';
import { checkAddress } from '../discover/address';
import type { Post } from '../discover/posts';
import { ErrorCode, HeraldError, type Problem, problem, problemFromError } from '../errors';
import { planSend, type SendPlan } from '../plan/plan';
import { resolveSender } from '../render/envelope';
import { buildMessage } from '../render/message';
import { renderPost, type RenderedPost } from '../render/post';
import { RunLock } from '../record/lock';
import { SendRecord } from '../record/sqlite';
import { readInputs, recordView, type Inputs } from './inputs';
import { ExitCode, hasErrors, type Output, plural, reportProblems } from './io';
import { SAMPLE_RECIPIENT, writePreview } from './preview';

export interface SendOptions {
  readonly posts: readonly string[];
  readonly dryRun: boolean;
  readonly to?: string;
  readonly includeExisting: boolean;
  readonly resendInDoubt: boolean;
  readonly showRecipients: boolean;
  readonly json: boolean;
  /** How long to wait for another run's lock before giving up. */
  readonly waitMs: number;
  readonly stop: AbortSignal;
  readonly now?: () => Date;
  /** Overrides the SMTP transport (tests of the delivery loop; never used by the CLI). */
  readonly transport?: Transport;
}

interface PostReport {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly recipients?: number;
  readonly result?: DeliverySummary;
  readonly preview?: string;
}

export async function runSend(settings: Settings, opts: SendOptions, io: Output): Promise<number> {
  const now = opts.now ?? (() => new Date());
  const inputs = readInputs(settings);
  reportProblems(io, inputs.problems);
  if (opts.to) return testSend(settings, inputs, opts, io, now);
  if (opts.dryRun) return dryRun(settings, inputs, opts, io, now);
  return realSend(settings, inputs, opts, io, now);
}

async function dryRun(settings: Settings, inputs: Inputs, opts: SendOptions, io: Output, now: () => Date): Promise<number> {
  const sender = resolveSender(settings, { requireSecret: false });
  if (settings.unsubscribe.url && !settings.env.secret) {
    io.err('note: HERALD_SECRET is not set, so previews carry a placeholder unsubscribe token.');
  }
  const record = SendRecord.open(settings.stateDir, { readonly: true });
  try {
    const view = recordView(record);
    const plan = planSend(inputs.posts, view, { named: opts.posts, includeExisting: opts.includeExisting, resendInDoubt: opts.resendInDoubt, now: now() });
    reportProblems(io, plan.problems);
    const problems: Problem[] = [...inputs.problems, ...plan.problems];
    describeFirstRun(plan, io, true);
    const reports: PostReport[] = [];
    for (const post of [...plan.fresh, ...plan.resume]) {
      const due = plan.fresh.includes(post) ? inputs.subscribers : dueSubscribers(record!, post, inputs, opts.resendInDoubt, now());
      let rendered: RenderedPost;
      try {
        rendered = await renderPost(post, settings, now());
      } catch (err) {
        problems.push(problemFromError(err));
        reportProblems(io, problems.slice(-1));
        continue;
      }
      reportProblems(io, rendered.warnings);
      const files = await writePreview(settings.previewDir, rendered, sender, due[0] ?? SAMPLE_RECIPIENT);
      reports.push({ id: post.id, title: post.title, file: post.file, recipients: due.length, preview: files.dir });
      if (!opts.json) {
        io.out(`would send "${post.title}" (${post.file}) to ${plural(due.length, 'subscriber')}`);
        io.out(`  preview: ${path.relative(process.cwd(), files.html) || files.html} and message.eml beside it`);
        if (opts.showRecipients) for (const s of due) io.out(`    ${s.email}`);
      }
    }
    if (opts.json) io.out(JSON.stringify({ dryRun: true, firstRun: plan.firstRun, baseline: plan.baseline.map((p) => p.id), posts: reports }, null, 2));
    else if (!reports.length) io.out(plan.baseline.length ? 'nothing would be mailed.' : 'nothing to send: no new posts.');
    else io.out('dry run: nothing was sent and the record was not changed.');
    return hasErrors(problems) ? ExitCode.FAILED : ExitCode.OK;
  } finally {
    record?.close();
  }
}

function dueSubscribers(record: SendRecord, post: Post, inputs: Inputs, inDoubt: boolean, now: Date): Inputs['subscribers'] {
  const rows = record.due(post.id, now, { afterSeq: -1, limit: 1_000_000_000, includeInDoubt: inDoubt });
  return rows.map((r) => inputs.subscriberMap.get(r.key)).filter((s) => s !== undefined);
}

function describeFirstRun(plan: SendPlan, io: Output, dry: boolean): void {
  if (!plan.firstRun || !plan.baseline.length) return;
  const verb = dry ? 'would be recorded' : 'were recorded';
  io.err(
    `first run in this folder: ${plural(plan.baseline.length, 'existing post')} ${verb} as already published and not mailed.\n` +
      '  To mail one of them: herald send POST   (its path under posts/ or its slug)\n' +
      '  To mail all of them on a first run instead: herald send --include-existing',
  );
}

async function realSend(settings: Settings, inputs: Inputs, opts: SendOptions, io: Output, now: () => Date): Promise<number> {
  const sender = resolveSender(settings, { requireSecret: true });
  const lock = RunLock.acquire(settings.stateDir, { waitMs: opts.waitMs, command: 'send' });
  const record = SendRecord.open(settings.stateDir, { readonly: false })!;
  const problems: Problem[] = [...inputs.problems];
  const reports: PostReport[] = [];
  let transport: Transport | undefined = opts.transport;
  let interrupted: readonly unknown[] = [];
  try {
    interrupted = record.recoverInterrupted(now());
    if (interrupted.length) {
      io.err(
        `warning: ${plural(interrupted.length, 'recipient was', 'recipients were')} in flight when an earlier run stopped; they may or may not have the message and are now "in doubt".\n` +
          '  herald never resends them by itself. See them with: herald log --state in_doubt\n' +
          '  To send them again anyway: herald send --resend-in-doubt',
      );
    }
    const expired = record.expireDeferred(now(), settings.deferral.giveUpAfterHours * 3_600_000);
    if (expired) io.err(`${plural(expired, 'deferred recipient')} failed: still refused after ${settings.deferral.giveUpAfterHours} h.`);
    const plan = planSend(inputs.posts, recordView(record), { named: opts.posts, includeExisting: opts.includeExisting, resendInDoubt: opts.resendInDoubt, now: now() });
    reportProblems(io, plan.problems);
    problems.push(...plan.problems);
    if (plan.firstRun) record.initialize(plan.baseline, now());
    describeFirstRun(plan, io, false);
    const work = [...plan.fresh, ...plan.resume];
    if (work.length && inputs.subscriberFileBroken) {
      throw new HeraldError(ErrorCode.ESUBSCRIBER, 'a subscriber file could not be read, so nothing is sent (the list would be incomplete)', {
        hint: 'Fix the file named above, then run herald send again.',
      });
    }
    transport ??= work.length ? createSmtpPool(settings.env.smtpUrl, settings.smtp) : undefined;
    const budget = { remaining: settings.smtp.maxPerRun > 0 ? settings.smtp.maxPerRun : Number.POSITIVE_INFINITY };
    const runId = crypto.randomUUID();
    for (const post of work) {
      if (opts.stop.aborted) break;
      let rendered: RenderedPost;
      try {
        rendered = await renderPost(post, settings, now());
      } catch (err) {
        problems.push(problemFromError(err));
        reportProblems(io, problems.slice(-1));
        continue;
      }
      reportProblems(io, rendered.warnings);
      if (plan.fresh.includes(post)) record.queuePost(post, inputs.subscribers, now());
      if (!opts.json) io.err(`sending "${post.title}" (${post.file})…`);
      const result = await deliverPost(rendered, record, transport!, {
        runId,
        sender,
        subscribers: inputs.subscriberMap,
        includeInDoubt: opts.resendInDoubt,
        retries: settings.smtp.retries,
        retryDelayMs: settings.smtp.retryDelayMs,
        messagesPerSecond: settings.smtp.messagesPerSecond,
        budget,
        deferral: settings.deferral,
        stop: opts.stop,
        now,
      });
      reports.push({ id: post.id, title: post.title, file: post.file, result });
      if (result.aborted) {
        problems.push(problem(ErrorCode.ESMTP, `sending stopped: ${result.aborted}`, undefined,
          `Nobody was marked failed. Check HERALD_SMTP_URL (${redactSmtpUrl(settings.env.smtpUrl ?? '')}) and the sender address, then run again.`));
        reportProblems(io, problems.slice(-1));
        break;
      }
    }
    return summarise(reports, problems, opts, io, interrupted.length);
  } finally {
    await transport?.close();
    record.close();
    lock.release();
  }
}

function summarise(reports: readonly PostReport[], problems: readonly Problem[], opts: SendOptions, io: Output, recoveredInDoubt: number): number {
  const total = { sent: 0, failed: 0, deferred: 0, inDoubt: 0, skipped: 0, notAttempted: 0 };
  for (const r of reports) {
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r.result?.[k] ?? 0;
  }
  if (opts.json) {
    io.out(JSON.stringify({ posts: reports.map((r) => ({ id: r.id, title: r.title, file: r.file, ...r.result })), total, recoveredInDoubt, stopped: opts.stop.aborted, problems: problems.length }, null, 2));
  } else {
    for (const r of reports) io.out(`"${r.title}": ${describeSummary(r.result!)}`);
    io.out(reports.length ? `total: ${describeSummary(total)}` : 'nothing to send: no new posts.');
    if (opts.stop.aborted) io.out('stopped before the end; run herald send again to finish.');
  }
  const aborted = reports.some((r) => r.result?.aborted);
  // recipients found in doubt after a crash need a human decision: say so with the exit code once
  if (aborted || total.failed || total.inDoubt || recoveredInDoubt || hasErrors(problems)) return ExitCode.FAILED;
  if (opts.stop.aborted) return ExitCode.FAILED;
  if (total.deferred || total.notAttempted) return ExitCode.TEMPFAIL;
  return ExitCode.OK;
}

function describeSummary(s: Omit<DeliverySummary, 'aborted'>): string {
  const parts = [`sent ${s.sent}`, `failed ${s.failed}`, `deferred ${s.deferred}`, `in doubt ${s.inDoubt}`];
  if (s.skipped) parts.push(`skipped ${s.skipped} (left the list)`);
  if (s.notAttempted) parts.push(`left for the next run ${s.notAttempted}`);
  return parts.join(', ');
}

async function testSend(settings: Settings, inputs: Inputs, opts: SendOptions, io: Output, now: () => Date): Promise<number> {
  if (opts.posts.length !== 1) {
    throw new HeraldError(ErrorCode.EUSAGE, '--to sends one post: name exactly one', { hint: 'For example: herald send posts/hello.md --to me@example.com' });
  }
  const check = checkAddress(opts.to!);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, `--to: ${check.reason}`);
  const plan = planSend(inputs.posts, { initialized: true, posts: new Map(), counts: new Map() }, { named: opts.posts, includeExisting: true, resendInDoubt: false, now: now() });
  const post = plan.fresh[0] ?? plan.held[0]?.post;
  if (!post) {
    reportProblems(io, plan.problems);
    return ExitCode.FAILED;
  }
  const sender = resolveSender(settings, { requireSecret: false });
  const rendered = await renderPost(post, settings, now());
  reportProblems(io, rendered.warnings);
  const message = await buildMessage(rendered, sender, { email: check.address, key: check.key, name: '', smtputf8: check.smtputf8 }, { test: true });
  const transport = opts.transport ?? createSmtpPool(settings.env.smtpUrl, { ...settings.smtp, connections: 1 });
  try {
    const outcome = await transport.send(message);
    const ok = outcome.kind === 'accepted';
    io.out(`test send of "${post.title}" to ${check.address}: ${ok ? 'accepted' : outcome.kind} (${outcome.reply}); not recorded as a delivery.`);
    return ok ? ExitCode.OK : ExitCode.FAILED;
  } finally {
    await transport.close();
  }
}

