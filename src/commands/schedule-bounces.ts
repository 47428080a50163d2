import path from 'node:path';
import { createApp } from '../app';
import type { Settings } from '../config/load';
import type { Output } from '../output';
import { logLine } from '../pipeline/progress';
import { scheduleProblems } from '../config/schedule-settings';
import { HeraldError, formatProblem, problemFromError } from '../errors';
import { cronTicks } from './cron-ticks';

/**
 * `herald schedule`'s second task: `herald bounces` on `bounces.schedule.cron`, reading the
 * Maildir, mbox or IMAP mailbox it names. Its ticks never overlap each other; a send tick may run
 * at the same time (the record and the suppression list are safe for that), and a suppression
 * made here is honoured by the next send.
 */
export function scheduleBounces(
  opts: { readonly loadSettings: () => Settings; readonly stop: AbortSignal },
  io: Output,
  first: Settings,
  nodeCron: typeof import('node-cron'),
): { stop(): Promise<void> } {
  const plan = first.bounces.schedule!;
  const [problem] = scheduleProblems({ cron: plan.cron, timezone: first.schedule.timezone }, first.configPath);
  if (problem) throw new HeraldError(problem.code, `bounces.${problem.message}`, { location: problem.location, hint: problem.hint });
  const ticks = cronTicks(nodeCron, plan.cron, { timezone: first.schedule.timezone, name: 'herald-bounces' }, () => runTick(opts, io), () =>
    io.err(logLine({ level: 'warn', event: 'bounces-tick-skipped', reason: 'the previous one is still running' })),
  );
  void ticks.task.start();
  io.err(logLine({ level: 'info', event: 'bounces-schedule-start', cron: plan.cron, next: ticks.task.getNextRun()?.toISOString() }));
  return ticks;
}

async function runTick(opts: { readonly loadSettings: () => Settings; readonly stop: AbortSignal }, io: Output): Promise<void> {
  const started = Date.now();
  try {
    const settings = opts.loadSettings();
    const plan = settings.bounces.schedule;
    if (!plan) return;
    let summary = '';
    const quiet: Output = { out: (line) => (summary = summary ? `${summary}; ${line}` : line), err: (line) => io.err(line), verbose: io.verbose };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runBounces } = require('./bounces') as typeof import('./bounces');
    const code = await runBounces(createApp(settings, quiet, { stop: opts.stop }), {
      maildir: plan.maildir ? path.resolve(settings.root, plan.maildir) : undefined,
      mbox: plan.mbox ? path.resolve(settings.root, plan.mbox) : undefined,
      imap: !plan.maildir && !plan.mbox,
      json: false,
    });
    io.err(logLine({ level: code === 0 ? 'info' : 'warn', event: 'bounces-tick', code, summary, ms: Date.now() - started }));
  } catch (err) {
    io.err(logLine({ level: 'error', event: 'bounces-tick', outcome: 'error', message: formatProblem(problemFromError(err), io), ms: Date.now() - started }));
  }
}
