import type { Settings } from '../config/load';
import { ErrorCode, HeraldError } from '../errors';
import { DELIVERY_STATES, type DeliveryState, SendRecord } from '../record/sqlite';
import { ExitCode, type Output } from './io';

export interface LogOptions {
  readonly json: boolean;
  readonly post?: string;
  readonly state?: string;
  readonly limit: number;
}

/** The record itself: who got which post, when, with which Message-ID and SMTP reply. */
export function runLog(settings: Settings, opts: LogOptions, io: Output): number {
  if (opts.state && !(DELIVERY_STATES as readonly string[]).includes(opts.state)) {
    throw new HeraldError(ErrorCode.EUSAGE, `--state must be one of ${DELIVERY_STATES.join(', ')}`);
  }
  const record = SendRecord.open(settings.stateDir, { readonly: true });
  if (!record) {
    if (opts.json) io.out('[]');
    else io.out('no record yet: nothing has been sent from this folder.');
    return ExitCode.OK;
  }
  try {
    const rows = record.log({ postId: opts.post, state: opts.state as DeliveryState | undefined, limit: opts.limit });
    if (opts.json) {
      io.out(JSON.stringify(rows, null, 2));
      return ExitCode.OK;
    }
    for (const r of rows) {
      io.out(`${r.updatedAt}  ${r.state.padEnd(8)}  ${r.postId}  ${r.email}  ${r.messageId ?? '-'}  ${r.reply ?? ''}`);
    }
    if (!rows.length) io.out('no deliveries match.');
    return ExitCode.OK;
  } finally {
    record.close();
  }
}
