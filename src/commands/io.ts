import { type Problem, formatProblem } from '../errors';

/** Exit codes shared by every command (75 is sysexits' EX_TEMPFAIL: try again later). */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, TEMPFAIL: 75 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command writes: results to `out`, problems and progress to `err`. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export function processOutput(): Output {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

export function reportProblems(io: Output, problems: readonly Problem[]): void {
  for (const p of problems) io.err(formatProblem(p));
}

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
