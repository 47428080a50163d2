/**
 * What every phase of a run shares: the options, the temporary folder and its logs, the one
 * smtp-sink that counts everything, the environment herald runs in, the list of failures, and the
 * measuring window around each measured child (the sink's counter and everyone's CPU before and
 * after it).
 */
import path from 'node:path';
import { machineCpu } from '../lib/cpu';
import { say } from '../lib/io';
import { type RunResult, tail } from '../lib/proc';
import { waitQuiet } from '../lib/quiet';
import type { Sink } from '../lib/sink';
import type { Tools } from '../lib/tools';
import type { Options } from '../options';
import type { Results } from '../results';

/** One measured child and what the sink and the machine did meanwhile. */
export interface Measured {
  readonly result: RunResult;
  /** Messages the sink counted during the child's run. */
  readonly delivered: number;
  readonly sinkCpuMs: number;
  /** Share of the machine's CPU that neither the child, the sink nor the bench used. */
  readonly otherShare?: number;
}

/** Notes a failed phase in the results and on stderr, with the end of its log. */
export function recordFailure(results: Results, phase: string, message: string, result?: RunResult): void {
  const detail = result?.log ? `\n--- last lines of ${path.basename(result.log)} ---\n${tail(result.log)}` : '';
  const why = result?.timedOut ? ` (timed out after ${(result.wallMs / 1000).toFixed(0)} s)` : '';
  results.errors.push(`${phase}: ${message}${why}`);
  say(`FAILED ${phase}: ${message}${why}${detail}`);
}

export class BenchRun {
  readonly logs: string;

  constructor(
    readonly o: Options,
    readonly tools: Tools,
    readonly tmp: string,
    readonly port: number,
    readonly sink: Sink,
    readonly results: Results,
  ) {
    this.logs = path.join(tmp, 'logs');
  }

  /** The environment of every herald child: this sink, a bench secret, the bench's own code cache. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    // herald's code cache (see the README): the bench's own, not the user's
    const env: NodeJS.ProcessEnv = { ...process.env, HERALD_SMTP_URL: `smtp://127.0.0.1:${this.port}`, HERALD_SECRET: 'bench', HERALD_CODE_CACHE: path.join(this.tmp, 'code-cache'), ...extra };
    for (const k of ['HERALD_FROM', 'HERALD_PUBLIC_URL', 'HERALD_SECRET_PREVIOUS', 'HERALD_DKIM_KEY_FILE', 'NODE_OPTIONS']) delete env[k];
    return env;
  }

  /** The environment of a Node child run with the probe (which writes to `probeFile`). */
  probeEnv(probeFile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return this.env({ HERALD_BENCH_PROBE: probeFile, HERALD_BENCH_PORT: String(this.port), ...extra });
  }

  sendTimeoutMs(): number {
    return (this.o.timeout ?? 120 + 0.02 * this.o.subscribers) * 1000;
  }

  log(name: string): string {
    return path.join(this.logs, name);
  }

  fail(phase: string, message: string, result?: RunResult): undefined {
    recordFailure(this.results, phase, message, result);
    return undefined;
  }

  /** Before a phase: a quieter moment on a shared machine (see lib/quiet.ts). */
  async waitQuiet(): Promise<void> {
    if (!(await waitQuiet(this.o, () => this.sink.cpuMs()))) this.results.notQuiet = (this.results.notQuiet ?? 0) + 1;
  }

  /**
   * Runs `fn` between two readings of the sink's message counter and CPU time, and of the whole
   * machine's CPU time: what neither the measured child, the sink nor this process used was used
   * by other processes (on a shared machine, the measurement's competition).
   */
  async withSink(fn: () => Promise<RunResult>): Promise<Measured> {
    await this.waitQuiet();
    const before = await this.sink.settle(150);
    const cpu0 = this.sink.cpuMs();
    const m0 = machineCpu();
    const self0 = process.cpuUsage();
    const result = await fn();
    const m1 = machineCpu();
    const self = process.cpuUsage(self0);
    const sinkCpuMs = this.sink.cpuMs() - cpu0;
    const after = await this.sink.settle();
    const childCpuMs = result.time?.cpuMs ?? 0;
    const otherMs = m1.busyMs - m0.busyMs - childCpuMs - sinkCpuMs - (self.user + self.system) / 1000;
    const otherShare = m1.totalMs > m0.totalMs ? Math.max(0, otherMs) / (m1.totalMs - m0.totalMs) : undefined;
    return { result, delivered: after - before, sinkCpuMs, otherShare };
  }

  /**
   * Measures a send phase; when other processes used more than --quiet-below % of the machine's
   * CPU meanwhile, measures it again (up to --redo times) and keeps the least disturbed attempt.
   * Every attempt is verified, and every attempt's disturbance is kept in the results.
   */
  async leastDisturbed<T extends { otherShare?: number; attempts?: readonly (number | undefined)[] }>(
    name: string,
    attempt: (i: number) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const attempts: (number | undefined)[] = [];
    let best: T | undefined;
    for (let i = 0; i <= this.o.redo; i++) {
      const r = await attempt(i);
      if (!r) return undefined;
      attempts.push(r.otherShare);
      if (!best || (r.otherShare ?? 0) < (best.otherShare ?? 0)) best = r;
      if (!((r.otherShare ?? NaN) * 100 > this.o.quietBelow) || i === this.o.redo) break;
      say(`${name}: other processes used ${Math.round(100 * (r.otherShare ?? 0))}% of the CPU meanwhile: measuring again`);
    }
    if (best) best.attempts = attempts;
    return best;
  }
}
