import { setMaxListeners } from 'node:events';
import type { App } from '../app';
import type { Problem } from '../errors';
import { plural, reportProblems } from '../output';
import { planSend } from '../plan/plan';
import { diskError } from '../record/disk-error';
import { readFeedPosts } from '../pipeline/feed-posts';
import { fingerprints, withFingerprint } from '../pipeline/fingerprint';
import { readPosts, recordView } from '../pipeline/inputs';
import { deliverDigests } from '../pipeline/digests';
import { deliverToList, type ListDelivery } from '../pipeline/list-delivery';
import { rememberFiles, runDeadline, unchangedKnownPost } from '../pipeline/policy';
import { renderPosts } from '../pipeline/render-posts';
import { settingsTopicRules } from '../pipeline/routing';
import { describeAccepted, describeFirstRun, describeRecovered, type SendResult, summarise } from '../pipeline/send-report';
import { readyToSend, refuseLateIncludeExisting } from '../pipeline/readiness';

export type { SendResult, Totals } from '../pipeline/send-report';

export interface SendOptions {
  readonly posts: readonly string[];
  readonly includeExisting: boolean;
  /** Record every new post and feed item as already published instead of mailing it. */
  readonly acceptNew?: boolean;
  readonly resendInDoubt: boolean;
  readonly json: boolean;
  /** How long to wait for another run's lock before giving up. */
  readonly waitMs: number;
  /** How progress is shown: a bar on a terminal, log lines otherwise, nothing for --json. */
  readonly progress: 'tty' | 'log' | 'quiet';
}

/**
 * `herald send`: discover → plan → render once → deliver → record, under the run lock.
 * Subscribers are read only when there is something to send: an idle run (the usual cron tick)
 * touches the posts, the lock and a small index of the record, and nothing else.
 */
export async function runSend(app: App, opts: SendOptions): Promise<SendResult> {
  const { settings, io, now } = app;
  // a send that could not send stops here, before the lock or the record is touched
  const sender = readyToSend(app);
  const sign = app.signer();
  const lock = await app.lock('send', opts.waitMs);
  const record = app.openRecord();
  const deadline = runDeadline(settings.smtp.runDeadlineMinutes);
  const stop = AbortSignal.any([app.stop, deadline.signal]);
  // every connection may be waiting to reconnect at the same moment, each listening for the stop
  setMaxListeners((settings.relays?.reduce((n, r) => n + r.connections, 0) ?? settings.smtp.connections) + 10, stop);
  const problems: Problem[] = [];
  try {
    refuseLateIncludeExisting(opts.includeExisting, { initialized: record.isInitialized() });
    // discover: the record first, so that posts it knows unchanged need not be read again
    const recovered = record.recoverInterrupted(now()).length;
    describeRecovered(io, recovered);
    const expired = record.expireDeferred(now(), settings.deferral.giveUpAfterHours * 3_600_000);
    if (expired) io.err(`${plural(expired, 'deferred recipient')} failed: still refused after ${settings.deferral.giveUpAfterHours} h.`);
    const view = recordView(record);
    const posts = readPosts(settings, { unchanged: opts.posts.length ? undefined : unchangedKnownPost(record, view, opts.resendInDoubt) });
    reportProblems(io, posts.problems);
    problems.push(...posts.problems);
    const feeds = await readFeedPosts(app, { named: opts.posts, acceptNew: Boolean(opts.acceptNew), record, view });
    reportProblems(io, feeds.problems);
    problems.push(...feeds.problems);
    // plan (over the record as the feeds left it: a first read's items are its baseline)
    const plan = planSend([...posts.posts, ...feeds.posts], settings.feeds.length ? recordView(record) : view, {
      named: feeds.named, includeExisting: opts.includeExisting, resendInDoubt: opts.resendInDoubt, now: now(), floodGuard: settings.floodGuard, acceptNew: opts.acceptNew ?? false,
      topics: settingsTopicRules(settings), welcome: settings.welcome || undefined, fingerprints: fingerprints(posts.posts, view.posts, settings),
    });
    reportProblems(io, plan.problems);
    problems.push(...plan.problems);
    if (plan.firstRun) record.initialize(plan.baseline.map((p) => withFingerprint(p, settings)), now());
    if (plan.accepted.length) record.initialize(plan.accepted.map((p) => withFingerprint(p, settings)), now());
    describeFirstRun(plan, io, false);
    describeAccepted(plan, io, false);
    rememberFiles(record, settings, posts.posts, view, plan.fresh);
    feeds.rememberFresh(plan.fresh);
    // render once, then deliver and record
    const ready = await renderPosts(app.renderer(), [...plan.fresh, ...plan.resume], { io, problems, now, stop });
    const delivered: ListDelivery = ready.length
      ? await deliverToList(app, record, ready, { sender, sign, fresh: plan.fresh, resendInDoubt: opts.resendInDoubt, progress: opts.progress, stop, problems })
      : { reports: [], capped: false };
    // digests go with a plain send (cron, schedule), not with one that names posts (or a welcome)
    const digests = opts.posts.length || delivered.capped || stop.aborted ? { reports: [], capped: delivered.capped }
      : await deliverDigests(app, record, { sender, sign, resendInDoubt: opts.resendInDoubt, progress: opts.progress, stop, problems });
    delivered.reports.push(...digests.reports);
    const stoppedBy = app.stop.aborted ? 'signal' : deadline.signal.aborted ? 'deadline' : undefined;
    if (delivered.capped || digests.capped) io.err('the per-run or per-day message cap was reached; the rest goes out on a later run.');
    return summarise(delivered.reports, problems, opts.json, io, recovered, delivered.capped || digests.capped ? 'cap' : stoppedBy, plan.fresh.length + plan.resume.length, plan.accepted.length);
  } catch (err) {
    throw diskError(err, record.file, 'the record', 'The run stopped there and sends nothing more. Free some space, then run herald send again: it goes on where this run stopped, and reports in doubt the few recipients whose message was in flight.');
  } finally {
    deadline.clear();
    record.close();
    lock.release();
  }
}
