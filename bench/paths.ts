import path from 'node:path';

/** Where the compiled bench lives (dist-bench/): the child programs are started from here. */
export const BENCH_OUT = __dirname;
/** The repository the bench belongs to (the default herald to measure, and BENCHMARKS.md). */
export const REPO = path.resolve(__dirname, '..');

/** A compiled program of the bench's own, e.g. `child/probe.js`. */
export function benchProgram(relative: string): string {
  return path.join(BENCH_OUT, relative);
}
