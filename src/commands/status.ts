import type { App } from '../app';
import { postStatus } from '../plan/plan';
import { emptyCounts, type DeliveryState } from '../record/sqlite';
import { readPosts, readSubscribers, recordView } from '../pipeline/inputs';
import { ExitCode, reportProblems } from '../output';
import { describeRelay, relayStatus } from './status-relays';

interface StatusRow {
  readonly id: string;
  readonly title: string;
  readonly file: string | null;
  readonly status: string;
  /** The feed a feed item came from. */
  readonly source?: string;
  readonly counts: Readonly<Record<DeliveryState, number>>;
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
    const now = new Date();
    const rows: StatusRow[] = [];
    const onDisk = new Set<string>();
    const sources = record?.feeds().sources() ?? new Map<string, string>();
    for (const post of inputs.posts) {
      onDisk.add(post.id);
      const counts = allCounts.get(post.id) ?? emptyCounts();
      let status: string = postStatus(post, view, now);
      if (status === 'new' && !view.initialized) status = 'existing (first run records it as published)';
      if (status === 'queued') status = deliveryStatus(counts);
      rows.push({ id: post.id, title: post.title, file: post.file, status, counts });
    }
    for (const known of view.posts.values()) {
      if (onDisk.has(known.id)) continue;
      const counts = allCounts.get(known.id) ?? emptyCounts();
      const source = sources.get(known.id);
      const status = `${known.disposition === 'queued' ? deliveryStatus(counts) : 'baseline'}${source ? '' : ' (file gone)'}`;
      rows.push({ id: known.id, title: known.title, file: source ? known.file : null, status, ...(source ? { source } : {}), counts });
    }
    const relays = settings.relays ? relayStatus(settings, record, app.now()) : undefined;
    if (opts.json) {
      io.out(JSON.stringify({ initialized: view.initialized, subscribers: inputs.subscribers.length, posts: rows, ...(relays ? { relays } : {}) }, null, 2));
      return ExitCode.OK;
    }
    io.out(`${inputs.subscribers.length} subscribers; ${view.initialized ? 'record in ' + settings.stateDir : 'no record yet (first run pending)'}`);
    for (const r of rows) {
      const c = r.counts;
      const numbers = c.sent + c.failed + c.pending + c.deferred + c.in_doubt + c.sending + c.skipped
        ? `  sent ${c.sent}, failed ${c.failed}, in doubt ${c.in_doubt}, pending ${c.pending}, deferred ${c.deferred}${c.skipped ? `, skipped ${c.skipped}` : ''}${c.sending ? `, in flight ${c.sending}` : ''}`
        : '';
      io.out(`${r.status.padEnd(10)} ${r.id} — ${r.title}${r.source ? ` (from ${r.source})` : ''}${numbers ? `\n${numbers}` : ''}`);
    }
    for (const r of relays ?? []) io.out(describeRelay(r));
    return ExitCode.OK;
  } finally {
    record?.close();
  }
}

function deliveryStatus(c: Readonly<Record<DeliveryState, number>>): string {
  if (c.pending + c.sending + c.deferred > 0) return 'sending';
  if (c.in_doubt > 0) return 'in doubt';
  return 'sent';
}
