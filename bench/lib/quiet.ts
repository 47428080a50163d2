import { machineCpu } from './cpu';
import { say } from './io';

export interface QuietOptions {
  /** Seconds to wait at most; 0: do not wait. */
  readonly quietWait: number;
  /** % of the machine's CPU that other processes may use. */
  readonly quietBelow: number;
}

/**
 * Waits (up to --quiet-wait seconds) until other processes use less than --quiet-below % of the
 * machine's CPU over a second, so a phase does not start in the middle of someone's test suite.
 * The phase still reports how much CPU others used while it ran. Resolves false when the machine
 * stayed busy and the phase measures anyway.
 */
export async function waitQuiet(o: QuietOptions, sinkCpuMs?: () => number): Promise<boolean> {
  if (o.quietWait <= 0) return true;
  const until = Date.now() + o.quietWait * 1000;
  let waited = false;
  for (;;) {
    const m0 = machineCpu();
    const s0 = sinkCpuMs ? sinkCpuMs() : 0;
    const self0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const m1 = machineCpu();
    const self = process.cpuUsage(self0);
    const other = m1.busyMs - m0.busyMs - (sinkCpuMs ? sinkCpuMs() - s0 : 0) - (self.user + self.system) / 1000;
    const pct = (100 * other) / Math.max(1, m1.totalMs - m0.totalMs);
    if (!(pct >= o.quietBelow)) {
      if (waited) say(`machine quiet enough (${pct.toFixed(0)}% used by other processes)`);
      return true;
    }
    if (Date.now() >= until) {
      say(`other processes still use ${pct.toFixed(0)}% of the CPU; measuring anyway (see "other processes' CPU")`);
      return false;
    }
    if (!waited) say(`other processes use ${pct.toFixed(0)}% of the CPU: waiting up to ${o.quietWait} s for a quieter moment`);
    waited = true;
  }
}
