import type { App } from '../app';
import { postStatus } from '../plan/plan';
import { DIGEST_PREFIX } from '../record/digests';
import { emptyCounts, type DeliveryState } from '../record/sqlite';
import { readPosts, readSubscribers, recordView } from '../pipeline/inputs';
import { ExitCode, reportProblems } from '../output';
import { describeRelay, relayStatus } from './status-relays';
import { type FeedbackSummary, feedbackLine, feedbackSummary } from './status-feedback';

interface StatusRow {
  readonly id: string;
  readonly title: string;
  readonly file: string | null;
  readonly status: string;
  /** The feed a feed item came from. */
  readonly source?: string;
  readonly counts: Readonly<Record<DeliveryState, number>>;
  /** Bounces and complaints reported after the send, and the complaint rate. */
  readonly feedback: FeedbackSummary;
  /** Pending recipients whose local `deliverAt` has not come yet. */
  readonly waiting: number;
}

/** Posts and their delivery counts: what is done, what is waiting, what needs a human. */
export function runStatus(app: App, opts: { json: boolean }): number {
  const { settings, io } = app;
  const inputs = { ...readPosts(settings), subscribers: readSubscribers(settings).subscribers };
  reportProblems(io, inputs.problems);
  const record = app.readRecord();
  try {
    const view = recordView(record);
    const allCounts = record?.counts() ?? new Map<string, Readonly<Record<DeliveryState, number>>>();
    const allFeedback = record?.feedback.perPost() ?? new Map();
    const now = app.now();
    const waiting = record?.waiting(now) ?? new Map<string, number>();
    const rows: StatusRow[] = [];
    const onDisk = new Set<string>();
    const sources = record?.feeds().sources() ?? new Map<string, string>();
    for (const post of inputs.posts) {
      onDisk.add(post.id);
      const counts = allCounts.get(post.id) ?? emptyCounts();
      let status: string = postStatus(post, view, now);
      if (status === 'new' && !view.initialized) status = 'existing (first run records it as published)';
      if (status === 'queued') status = deliveryStatus(counts);
      if (post.file === settings.welcome) status = 'welcome (each new subscriber once)';
      rows.push({ id: post.id, title: post.title, file: post.file, status, counts, waiting: waiting.get(post.id) ?? 0, feedback: feedbackSummary(allFeedback.get(post.id), counts.sent) });
    }
    for (const known of view.posts.values()) {
      if (onDisk.has(known.id)) continue;
      const counts = allCounts.get(known.id) ?? emptyCounts();
      const source = sources.get(known.id);
      const status = known.id.startsWith(DIGEST_PREFIX)
        ? `${deliveryStatus(counts)} (digest)`
        : `${known.disposition === 'queued' ? deliveryStatus(counts) : 'baseline'}${source ? '' : ' (file gone)'}`;
      rows.push({ id: known.id, title: known.title, file: source ? known.file : null, status, ...(source ? { source } : {}), counts, waiting: waiting.get(known.id) ?? 0, feedback: feedbackSummary(allFeedback.get(known.id), counts.sent) });
    }
    const relays = settings.relays ? relayStatus(settings, record, app.now()) : undefined;
    // Gmail and Yahoo throttle a sender whose complaint rate passes 0.3%
    const alarming = rows.some((r) => r.feedback.level === 'error');
    if (opts.json) {
      io.out(JSON.stringify({ initialized: view.initialized, subscribers: inputs.subscribers.length, posts: rows, ...(relays ? { relays } : {}) }, null, 2));
      return alarming ? ExitCode.FAILED : ExitCode.OK;
    }
    io.out(`${inputs.subscribers.length} subscribers; ${view.initialized ? 'record in ' + settings.stateDir : 'no record yet (first run pending)'}`);
    for (const r of rows) {
      const c = r.counts;
      const numbers = c.sent + c.failed + c.pending + c.deferred + c.in_doubt + c.sending + c.skipped
        ? `  sent ${c.sent}, failed ${c.failed}, in doubt ${c.in_doubt}, pending ${c.pending}${r.waiting ? ` (${r.waiting} waiting for their hour)` : ''}, deferred ${c.deferred}${c.skipped ? `, skipped ${c.skipped}` : ''}${c.sending ? `, in flight ${c.sending}` : ''}`
        : '';
      io.out(`${r.status.padEnd(10)} ${r.id} — ${r.title}${r.source ? ` (from ${r.source})` : ''}${numbers ? `\n${numbers}` : ''}`);
      const feedback = feedbackLine(r.feedback);
      if (feedback) io.out(`  ${feedback}`);
      if (r.feedback.level !== 'ok') {
        io.err(`${r.feedback.level}: ${r.id}: complaint rate ${percent(r.feedback.complaintRate)} is above ${r.feedback.level === 'error' ? '0.3% (mailbox providers throttle or block above it)' : '0.1% (keep it below; providers act at 0.3%)'}; check how readers subscribed and that unsubscribing is easy`);
      }
    }
    for (const r of relays ?? []) io.out(describeRelay(r));
    return alarming ? ExitCode.FAILED : ExitCode.OK;
  } finally {
    record?.close();
  }
}

const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;

function deliveryStatus(c: Readonly<Record<DeliveryState, number>>): string {
  if (c.pending + c.sending + c.deferred > 0) return 'sending';
  if (c.in_doubt > 0) return 'in doubt';
  return 'sent';
}
