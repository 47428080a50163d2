import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Settings } from '../config/load';
import { deliverPost, type DeliverySummary } from '../deliver/deliver-post';
import { isMailboxGone } from '../deliver/outcome';
import { createSmtpPool, redactSmtpUrl } from '../deliver/smtp-pool';
import { throttleSettings } from '../deliver/throttle';
import type { Transport } from '../deliver/transport';
import { checkAddress, legacyKey } from '../discover/address';
import { type DiscoverOptions, fileStamp, type Post } from '../discover/posts';
import type { Subscriber } from '../discover/subscribers';
import { ErrorCode, HeraldError, type Problem, problem } from '../errors';
import { planSend, type RecordView } from '../plan/plan';
import { resolveSender } from '../render/envelope';
import { type RenderedPost, renderThread } from '../render/post';
import { diskError } from '../record/disk-error';
import { RunLock } from '../record/lock';
import { prepareStateDir } from '../record/state-dir';
import { type FileStamp, SendRecord } from '../record/sqlite';
import { describeFirstRun, dryRun } from './dry-run';
import { readPosts, readSubscribers, readSubscribersApart, recordView } from './inputs';
import { ExitCode, hasErrors, orReport, type Output, plural, reportProblems } from './io';
import { collectGarbagePeriodically } from './heap';
import { createProgress } from './progress';
import { noteSigningSecret } from './signing-secret';
import { testSend } from './test-send';

export interface SendOptions {
  readonly posts: readonly string[];
  readonly dryRun: boolean;
  readonly to?: string;
  readonly includeExisting: boolean;
  readonly resendInDoubt: boolean;
  readonly showRecipients: boolean;
  /** With a dry run: PNG screenshots of each preview (needs Chromium). */
  readonly screenshots?: boolean;
  readonly json: boolean;
  /** How long to wait for another run's lock before giving up. */
  readonly waitMs: number;
  readonly stop: AbortSignal;
  /** How progress is shown: a bar on a terminal, log lines otherwise, nothing for --json. */
  readonly progress: 'tty' | 'log' | 'quiet';
  readonly now?: () => Date;
}

export type Totals = Omit<DeliverySummary, 'aborted' | 'throttled'>;

export interface SendResult {
  readonly code: number;
  readonly total?: Totals;
  readonly recoveredInDoubt?: number;
  readonly stoppedBy?: 'signal' | 'deadline' | 'cap';
}

interface PostReport {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly result: DeliverySummary;
}

export async function runSend(settings: Settings, opts: SendOptions, io: Output): Promise<SendResult> {
  const now = opts.now ?? (() => new Date());
  if (!opts.to && !opts.dryRun) return realSend(settings, opts, io, now);
  const posts = readPosts(settings);
  reportProblems(io, posts.problems);
  if (opts.to) return testSend(settings, posts, opts, io, now);
  const subscribers = readSubscribers(settings);
  reportProblems(io, subscribers.problems);
  return dryRun(settings, { ...subscribers, posts: posts.posts, problems: [...posts.problems, ...subscribers.problems] }, opts, io, now);
}

/**
 * Subscribers are read only when there is something to send: an idle run (the usual cron tick)
 * touches the posts, the lock and a small index of the record, and nothing else.
 */
async function realSend(settings: Settings, opts: SendOptions, io: Output, now: () => Date): Promise<SendResult> {
  const sender = resolveSender(settings, { requireSecret: true });
  const sign = signerFor(settings);
  prepareStateDir(settings);
  const lock = await RunLock.acquire(settings.stateDir, {
    waitMs: opts.waitMs,
    command: 'send',
    stop: opts.stop,
    onWait: (holder) => io.err(`waiting up to ${Math.round(opts.waitMs / 1000)} s for another herald to finish (${holder})`),
  });
  const record = SendRecord.open(settings.stateDir, { readonly: false })!;
  const deadline = runDeadline(settings.smtp.runDeadlineMinutes);
  const stop = AbortSignal.any([opts.stop, deadline.signal]);
  // every connection may be waiting to reconnect at the same moment, each listening for the stop
  setMaxListeners(settings.smtp.connections + 10, stop);
  const problems: Problem[] = [];
  const reports: PostReport[] = [];
  let transport: Transport | undefined;
  let recovered = 0;
  let stopCollecting = (): void => undefined;
  try {
    recovered = recoverInterrupted(record, io, now());
    const expired = record.expireDeferred(now(), settings.deferral.giveUpAfterHours * 3_600_000);
    if (expired) io.err(`${plural(expired, 'deferred recipient')} failed: still refused after ${settings.deferral.giveUpAfterHours} h.`);
    const view = recordView(record);
    const posts = readPosts(settings, { unchanged: opts.posts.length ? undefined : unchangedKnownPost(record, view, opts.resendInDoubt) });
    reportProblems(io, posts.problems);
    problems.push(...posts.problems);
    const plan = planSend(posts.posts, view, { named: opts.posts, includeExisting: opts.includeExisting, resendInDoubt: opts.resendInDoubt, now: now() });
    reportProblems(io, plan.problems);
    problems.push(...plan.problems);
    if (plan.firstRun) record.initialize(plan.baseline, now());
    describeFirstRun(plan, io, false);
    rememberFiles(record, settings, posts.posts, view, plan.fresh);
    // every post is rendered before the list is read, so MJML's thread never overlaps the list in memory
    const ready: { post: Post; rendered: RenderedPost }[] = [];
    const renderer = renderThread(settings);
    try {
      for (const post of [...plan.fresh, ...plan.resume]) {
        if (stop.aborted) break;
        const rendered = await orReport(io, problems, () => renderer.render(post, now()));
        if (!rendered) continue;
        reportProblems(io, rendered.warnings);
        ready.push({ post, rendered });
      }
    } finally {
      renderer.end();
    }
    const work = ready.map((r) => r.post);
    const audience = work.length ? await readAudience(settings, record, io, problems) : new Map<string, Subscriber>();
    transport = work.length ? createSmtpPool(settings.env.smtpUrl, settings.smtp, stop) : undefined;
    const budget = { remaining: runBudget(settings, record, now()) };
    const progress = createProgress(io, opts.progress);
    const runId = crypto.randomUUID();
    // every new post's audience is recorded up front; from then on the list is only needed as keys,
    // and the subscriber objects can go before the long part of the run
    for (const { post } of ready) {
      if (!plan.fresh.includes(post)) continue;
      record.queuePost(post, audience.values(), now());
      const stamp = fileStamp(settings.postsDir, post);
      if (stamp) record.stampFiles([{ id: post.id, file: post.file, stamp }]);
    }
    if (work.length) {
      const secretProblems = noteSigningSecret(record, settings, now());
      reportProblems(io, secretProblems);
      problems.push(...secretProblems);
    }
    const subscribed = new Set(audience.keys());
    // rows queued before Unicode domains were keyed in ASCII keep their old key: still these subscribers
    for (const s of audience.values()) if (s.smtputf8) addLegacyKey(subscribed, s.email);
    audience.clear();
    stopCollecting = work.length ? collectGarbagePeriodically() : stopCollecting;
    for (const { post, rendered } of ready) {
      if (stop.aborted) break;
      progress.start(post, record.dueCount(post.id, now(), opts.resendInDoubt));
      const result = await deliverPost(rendered, record, transport!, {
        runId,
        sender,
        subscribed,
        includeInDoubt: opts.resendInDoubt,
        retries: settings.smtp.retries,
        retryDelayMs: settings.smtp.retryDelayMs,
        throttle: throttleSettings(settings.smtp),
        messagesPerSecond: settings.smtp.messagesPerSecond,
        budget,
        deferral: settings.deferral,
        stop,
        now,
        sign,
        onOutcome: (_row, outcome) => progress.tick(outcome.kind),
      });
      progress.end();
      reports.push({ id: post.id, title: post.title, file: post.file, result });
      suppressGoneMailboxes(record, settings, subscribed);
      if (result.aborted) {
        problems.push(problem(ErrorCode.ESMTP, `sending stopped: ${result.aborted}`, undefined,
          `Nobody was marked failed. Check HERALD_SMTP_URL (${redactSmtpUrl(settings.env.smtpUrl ?? '')}) and the sender address, then run again.`));
        reportProblems(io, problems.slice(-1));
        break;
      }
      if (result.throttled) {
        io.err(`the SMTP server kept asking herald to slow down (${result.throttled}); the rest is left for the next run.`);
        break;
      }
    }
    const stoppedBy = opts.stop.aborted ? 'signal' : deadline.signal.aborted ? 'deadline' : undefined;
    const capped = budget.remaining <= 0 && work.some((post) => record.dueCount(post.id, now(), opts.resendInDoubt) > 0);
    if (capped) io.err('the per-run or per-day message cap was reached; the rest goes out on a later run.');
    return summarise(reports, problems, opts, io, recovered, capped ? 'cap' : stoppedBy, plan.fresh.length + plan.resume.length);
  } catch (err) {
    throw diskError(err, record.file, 'the record', 'The run stopped there and sends nothing more. Free some space, then run herald send again: it goes on where this run stopped, and reports in doubt the few recipients whose message was in flight.');
  } finally {
    deadline.clear();
    stopCollecting();
    await transport?.close();
    record.close();
    lock.release();
  }
}

/**
 * A file the record has seen with the same size and modification time, whose post has nothing
 * left to send, is not read again: its identity is known and nothing about it can change a send.
 */
function unchangedKnownPost(record: SendRecord, view: RecordView, resendInDoubt: boolean): DiscoverOptions['unchanged'] {
  const stamps = record.fileStamps();
  return (file, stat) => {
    const known = stamps.get(file);
    if (!known || known.size !== stat.size || known.mtimeMs !== Math.floor(stat.mtimeMs)) return undefined;
    const open = view.counts.get(known.id);
    if (open && open.pending + open.sending + open.deferred + (resendInDoubt ? open.in_doubt : 0) > 0) return undefined;
    return known.id;
  };
}

/** Stamps the files of every post the record now knows (except those about to be queued, which are stamped then). */
function rememberFiles(record: SendRecord, settings: Settings, posts: readonly Post[], view: RecordView, fresh: readonly Post[]): void {
  const known = new Set([...view.posts.keys(), ...record.posts().keys()]);
  const stamps = posts
    .filter((p) => known.has(p.id) && !fresh.includes(p))
    .map((p) => ({ id: p.id, file: p.file, stamp: fileStamp(settings.postsDir, p) }))
    .filter((s): s is { id: string; file: string; stamp: FileStamp } => s.stamp !== undefined);
  if (stamps.length) record.stampFiles(stamps);
}

/** The list by key, bounced mailboxes taken out; nothing is sent when a file could not be read. */
async function readAudience(settings: Settings, record: SendRecord, io: Output, problems: Problem[]): Promise<Map<string, Subscriber>> {
  const inputs = await readSubscribersApart(settings);
  reportProblems(io, inputs.problems);
  // one by one: a list can have more problems than a call takes arguments
  for (const p of inputs.problems) problems.push(p);
  if (inputs.subscriberFileBroken) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, 'a subscriber file could not be read, so nothing is sent (the list would be incomplete)', {
      hint: 'Fix the file named above, then run herald send again.',
    });
  }
  suppressGoneMailboxes(record, settings, inputs.subscriberMap);
  return inputs.subscriberMap;
}

/** The DKIM signer when a key is configured; a bad key is a settings error before anything is sent. */
export function signerFor(settings: Settings): ((raw: Buffer) => Promise<Buffer>) | undefined {
  if (!settings.dkim) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dkim = require('../render/dkim') as typeof import('../render/dkim');
  const signer = dkim.loadDkim(settings);
  return signer ? (raw) => dkim.signRaw(signer, raw) : undefined;
}

/** Recipients a dead run left between "handed to SMTP" and "recorded" become in doubt, loudly. */
function recoverInterrupted(record: SendRecord, io: Output, now: Date): number {
  const interrupted = record.recoverInterrupted(now);
  if (interrupted.length) {
    io.err(
      `warning: ${plural(interrupted.length, 'recipient was', 'recipients were')} in flight when an earlier run stopped; they may or may not have the message and are now "in doubt".\n` +
        '  herald never resends them by itself. See them with: herald log --state in_doubt\n' +
        '  To send them again anyway: herald send --resend-in-doubt',
    );
  }
  return interrupted.length;
}

/**
 * Mailboxes the server said do not exist go on the suppression list, taken from the record
 * itself so that a crash between the failure and this write loses nothing; they also leave this
 * run's audience at once.
 */
function suppressGoneMailboxes(record: SendRecord, settings: Settings, audience: { delete(key: string): boolean }): void {
  const gone = record.failures().filter((f) => isMailboxGone(f.reply));
  if (!gone.length) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { addSuppressions, suppressionPath } = require('../subscribers/suppression') as typeof import('../subscribers/suppression');
  try {
    addSuppressions(settings.subscribersDir, gone.map((f) => ({ email: f.email, reason: 'bounced', at: f.updatedAt, note: f.reply.slice(0, 200) })));
  } catch (err) {
    throw diskError(err, suppressionPath(settings.subscribersDir), 'the suppression list', 'The file is as it was before. The record keeps these bounces: free some space, then run herald send again to add them.');
  }
  for (const f of gone) {
    const check = checkAddress(f.email);
    if (check.ok) audience.delete(check.key);
    audience.delete(f.email.toLowerCase());
  }
}

function addLegacyKey(keys: Set<string>, email: string): void {
  const old = legacyKey(email);
  if (old) keys.add(old);
}


function runBudget(settings: Settings, record: SendRecord, now: Date): number {
  let budget = settings.smtp.maxPerRun > 0 ? settings.smtp.maxPerRun : Number.POSITIVE_INFINITY;
  if (settings.smtp.maxPerDay > 0) {
    const sentToday = record.sentSince(new Date(now.getTime() - 24 * 3_600_000));
    budget = Math.min(budget, Math.max(0, settings.smtp.maxPerDay - sentToday));
  }
  return budget;
}

function runDeadline(minutes: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  if (minutes <= 0) return { signal: controller.signal, clear: () => undefined };
  const timer = setTimeout(() => controller.abort(), minutes * 60_000);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function summarise(reports: readonly PostReport[], problems: readonly Problem[], opts: SendOptions, io: Output, recoveredInDoubt: number, stoppedBy: SendResult['stoppedBy'], planned: number): SendResult {
  const total: Totals = { sent: 0, failed: 0, deferred: 0, inDoubt: 0, skipped: 0, notAttempted: 0 };
  for (const r of reports) {
    for (const k of Object.keys(total) as (keyof Totals)[]) total[k] += r.result[k];
  }
  if (opts.json) {
    io.out(JSON.stringify({ posts: reports.map((r) => ({ id: r.id, title: r.title, file: r.file, ...r.result })), total, recoveredInDoubt, stoppedBy, problems: problems.length }, null, 2));
  } else {
    for (const r of reports) io.out(`"${r.title}": ${describeTotals(r.result)}`);
    if (reports.length) io.out(`total: ${describeTotals(total)}`);
    else if (stoppedBy && planned) io.out(`stopped before sending: ${plural(planned, 'post was', 'posts were')} still to go out.`);
    else if (hasErrors(problems)) io.out('nothing was sent (see the problems above).');
    else io.out('nothing to send: no new posts.');
    if (stoppedBy === 'signal') io.out('stopped before the end; run herald send again to finish.');
    if (stoppedBy === 'deadline') io.out('the run deadline was reached; the next run continues.');
  }
  const aborted = reports.some((r) => r.result.aborted);
  // recipients found in doubt after a crash need a human decision: say so with the exit code once
  const failed = aborted || total.failed || total.inDoubt || recoveredInDoubt || hasErrors(problems) || stoppedBy === 'signal';
  const code = failed ? ExitCode.FAILED : total.deferred || total.notAttempted || stoppedBy ? ExitCode.TEMPFAIL : ExitCode.OK;
  return { code, total, recoveredInDoubt, stoppedBy };
}

function describeTotals(s: Totals): string {
  const parts = [`sent ${s.sent}`, `failed ${s.failed}`, `deferred ${s.deferred}`, `in doubt ${s.inDoubt}`];
  if (s.skipped) parts.push(`skipped ${s.skipped} (left the list)`);
  if (s.notAttempted) parts.push(`left for the next run ${s.notAttempted}`);
  return parts.join(', ');
}
