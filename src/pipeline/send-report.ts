import type { DeliverySummary } from '../deliver/deliver-post';
import type { Problem } from '../errors';
import { ExitCode, hasErrors, type Output, plural } from '../output';
import type { SendPlan } from '../plan/plan';

/** What a send prints and the exit code it ends with. */

export type Totals = Omit<DeliverySummary, 'aborted' | 'throttled' | 'unavailable'>;

export interface SendResult {
  readonly code: number;
  readonly total?: Totals;
  readonly recoveredInDoubt?: number;
  readonly stoppedBy?: 'signal' | 'deadline' | 'cap';
}

export interface PostReport {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly result: DeliverySummary;
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

/** New posts taken as already published (--accept-new), each named. */
export function describeAccepted(plan: SendPlan, io: Output, dry: boolean): void {
  if (!plan.accepted.length) return;
  const verb = dry ? 'would be recorded' : plan.accepted.length === 1 ? 'was recorded' : 'were recorded';
  io.err(`${plural(plan.accepted.length, 'new post')} ${verb} as already published and not mailed:${plan.accepted.map((p) => `\n  ${p.id}  ${p.file}`).join('')}`);
}

/** Recipients a dead run left between "handed to SMTP" and "recorded" became in doubt: said loudly. */
export function describeRecovered(io: Output, count: number): void {
  if (!count) return;
  io.err(
    `warning: ${plural(count, 'recipient was', 'recipients were')} in flight when an earlier run stopped; they may or may not have the message and are now "in doubt".\n` +
      '  herald never resends them by itself. See them with: herald log --state in_doubt\n' +
      '  To send them again anyway: herald send --resend-in-doubt',
  );
}

export function summarise(reports: readonly PostReport[], problems: readonly Problem[], json: boolean, io: Output, recoveredInDoubt: number, stoppedBy: SendResult['stoppedBy'], planned: number, accepted = 0): SendResult {
  const total: Totals = { sent: 0, failed: 0, deferred: 0, inDoubt: 0, skipped: 0, notAttempted: 0 };
  for (const r of reports) {
    for (const k of Object.keys(total) as (keyof Totals)[]) total[k] += r.result[k];
  }
  if (json) {
    io.out(JSON.stringify({ posts: reports.map((r) => ({ id: r.id, title: r.title, file: r.file, ...r.result })), total, recoveredInDoubt, stoppedBy, problems: problems.length }, null, 2));
  } else {
    for (const r of reports) io.out(`"${r.title}": ${describeTotals(r.result)}`);
    if (reports.length) io.out(`total: ${describeTotals(total)}`);
    else if (stoppedBy && planned) io.out(`stopped before sending: ${plural(planned, 'post was', 'posts were')} still to go out.`);
    else if (hasErrors(problems)) io.out('nothing was sent (see the problems above).');
    else if (accepted) io.out(`nothing was mailed: ${plural(accepted, 'new post was', 'new posts were')} recorded as already published.`);
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
