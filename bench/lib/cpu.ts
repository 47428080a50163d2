/** CPU time from /proc: of one process (the sink) and of the whole machine (the competition). */
import fs from 'node:fs';
import { sh } from './proc';

const CLK_TCK = Number(sh('getconf', ['CLK_TCK']).out) || 100;

/** utime + stime of a running process, in ms, from /proc (for the sink's share of the CPU). */
export function procCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

export interface MachineCpu {
  readonly busyMs: number;
  readonly totalMs: number;
}

/** CPU time of the whole machine from /proc/stat, in ms summed over all CPUs: busy and total. */
export function machineCpu(): MachineCpu {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3] + f[4];
    return { busyMs: ((total - idle) * 1000) / CLK_TCK, totalMs: (total * 1000) / CLK_TCK };
  } catch {
    return { busyMs: NaN, totalMs: NaN };
  }
}
