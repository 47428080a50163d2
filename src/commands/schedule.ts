import { createApp } from '../app';
import type { Settings } from '../config/load';
import { scheduleProblems } from '../config/schedule-settings';
import { ErrorCode, HeraldError, formatProblem, problemFromError } from '../errors';
import { prepareStateDir } from '../record/state-dir';
import { ExitCode, type Output } from '../output';
import { logLine } from '../pipeline/progress';
import type { SendResult } from '../pipeline/send-report';
import { readyToSend } from '../pipeline/readiness';
import { runSend } from './send';
import { cronTicks } from './cron-ticks';
import { scheduleBounces } from './schedule-bounces';

export interface ScheduleOptions {
  /** Settings are read again at every tick, so edits to herald.config.json apply without a restart. */
  readonly loadSettings: () => Settings;
  readonly stop: AbortSignal;
  /** Run one tick at start-up instead of waiting for the first scheduled time. */
  readonly runNow: boolean;
}

/**
 * `herald schedule`: node-cron fires ticks; each tick is an ordinary `herald send` under the same
 * cross-process lock. node-cron decides only *when* to look: whether anything is sent is decided
 * by the record, so a daylight-saving jump or a clock change that fires a tick twice sends nothing
 * twice. Ticks never overlap (a tick still running when the next is due makes that one skip).
 */
export async function runSchedule(opts: ScheduleOptions, io: Output): Promise<number> {
  const first = opts.loadSettings();
  const { cron, timezone } = first.schedule;
  validateSchedule(cron, timezone, first.configPath);
  // a state folder that cannot be made is reported once at start, not once a tick forever
  prepareStateDir(first);
  // every tick would fail the same way: refuse to start instead of failing quietly every ten minutes
  readyToSend(createApp(first, io));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeCron = require('node-cron') as typeof import('node-cron');
  const sends = cronTicks(nodeCron, cron, {
    timezone,
    name: 'herald',
    logger: { info: () => undefined, warn: (m) => io.err(logLine({ level: 'warn', event: 'cron', message: m })), error: (m) => io.err(logLine({ level: 'error', event: 'cron', message: String(m) })), debug: () => undefined },
  }, () => runTick(opts, io), () => io.err(logLine({ level: 'warn', event: 'tick-skipped', reason: 'the previous tick is still running' })));
  const task = sends.task;
  io.err(logLine({ level: 'info', event: 'schedule-start', cron, timezone, next: task.getNextRun()?.toISOString() }));
  await task.start();
  const bounces = first.bounces.schedule ? scheduleBounces(opts, io, first, nodeCron) : undefined;
  if (opts.runNow) void sends.tick();
  await new Promise<void>((resolve) => {
    if (opts.stop.aborted) resolve();
    opts.stop.addEventListener('abort', () => resolve(), { once: true });
  });
  // both timers stop before either waits for its running tick
  await Promise.all([sends.stop(), bounces?.stop()]);
  io.err(logLine({ level: 'info', event: 'schedule-stop' }));
  return ExitCode.OK;
}

async function runTick(opts: ScheduleOptions, io: Output): Promise<void> {
  const started = Date.now();
  let result: SendResult;
  try {
    const settings = opts.loadSettings();
    // one line per tick: the run's own chatter is reduced to its problems
    const quiet: Output = { out: () => undefined, err: (line) => io.err(line), verbose: io.verbose };
    result = await runSend(createApp(settings, quiet, { stop: opts.stop }), {
      posts: [], includeExisting: false, resendInDoubt: false, json: false, waitMs: 0, progress: 'quiet',
    });
  } catch (err) {
    const p = problemFromError(err);
    const busy = err instanceof HeraldError && err.code === ErrorCode.ELOCKED;
    io.err(logLine({ level: busy ? 'info' : 'error', event: 'tick', outcome: busy ? 'skipped-locked' : 'error', message: formatProblem(p, io), ms: Date.now() - started }));
    return;
  }
  const t = result.total;
  io.err(logLine({
    level: result.code === ExitCode.OK ? 'info' : 'warn', event: 'tick', code: result.code,
    sent: t?.sent ?? 0, failed: t?.failed ?? 0, deferred: t?.deferred ?? 0, in_doubt: (t?.inDoubt ?? 0) + (result.recoveredInDoubt ?? 0),
    stopped: result.stoppedBy, ms: Date.now() - started,
  }));
}

export function validateSchedule(cron: string, timezone: string, configPath: string): void {
  const [first] = scheduleProblems({ cron, timezone }, configPath);
  if (first) throw new HeraldError(first.code, first.message, { location: first.location, hint: first.hint });
}
