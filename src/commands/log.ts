import type { App } from '../app';
import { ErrorCode, HeraldError } from '../errors';
import { DELIVERY_STATES, type DeliveryState } from '../record/sqlite';
import { ExitCode } from '../output';

export interface LogOptions {
  readonly json: boolean;
  readonly post?: string;
  readonly state?: string;
  readonly limit: number;
}

/** The record itself: who got which post, when, with which Message-ID and SMTP reply. */
export function runLog(app: App, opts: LogOptions): number {
  const { io } = app;
  if (opts.state && !(DELIVERY_STATES as readonly string[]).includes(opts.state)) {
    throw new HeraldError(ErrorCode.EUSAGE, `--state must be one of ${DELIVERY_STATES.join(', ')}`);
  }
  const record = app.readRecord();
  if (!record) {
    if (opts.json) io.out('[]');
    else io.out('no record yet: nothing has been sent from this folder.');
    return ExitCode.OK;
  }
  try {
    const sources = record.feeds().sources();
    const rows = record.log({ postId: opts.post, state: opts.state as DeliveryState | undefined, limit: opts.limit })
      .map((r) => (sources.has(r.postId) ? { ...r, source: sources.get(r.postId)! } : r));
    if (opts.json) {
      io.out(JSON.stringify(rows, null, 2));
      return ExitCode.OK;
    }
    for (const r of rows) {
      const from = 'source' in r ? `  (from ${r.source})` : '';
      const relay = r.relay ? `  (relay ${r.relay})` : '';
      io.out(`${r.updatedAt}  ${r.state.padEnd(8)}  ${r.postId}  ${r.email}  ${r.messageId ?? '-'}  ${r.reply ?? ''}${relay}${from}`);
    }
    if (!rows.length) io.out('no deliveries match.');
    return ExitCode.OK;
  } finally {
    record.close();
  }
}
