import type { Command } from 'commander';
import { ErrorCode, HeraldError, type Problem, formatProblem, problemFromError } from './errors';

/**
 * Exit codes shared by every command; 70 and 75 are sysexits' EX_SOFTWARE (a bug in herald) and
 * EX_TEMPFAIL (try again later).
 */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, INTERNAL: 70, TEMPFAIL: 75 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command writes: results to `out`, problems and progress to `err`. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Print each problem's stack and causes (--verbose, HERALD_DEBUG=1). */
  readonly verbose?: boolean;
}

export function processOutput(opts: { verbose?: boolean } = {}): Output {
  quietWhenPipeCloses(process.stdout);
  quietWhenPipeCloses(process.stderr);
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    verbose: opts.verbose,
  };
}

/**
 * `herald log | head` closes the pipe early: the rest of the output has no reader, which is not an
 * error worth a stack trace. The command runs on (a send never stops halfway for it).
 */
function quietWhenPipeCloses(stream: NodeJS.WriteStream): void {
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return;
    throw err;
  });
}

export function reportProblems(io: Output, problems: readonly Problem[]): void {
  for (const p of problems) io.err(formatProblem(p, io));
}

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * The exit code for an error a command throws: settings and usage errors 2, a held lock 75, an
 * error herald did not expect 70 (so that a bug never looks like the user's mistake), the rest 1.
 */
export function exitCodeFor(err: unknown): number {
  const code = err instanceof HeraldError ? err.code : problemFromError(err).code;
  if (code === ErrorCode.ECONFIG || code === ErrorCode.EUSAGE) return ExitCode.USAGE;
  if (code === ErrorCode.ELOCKED) return ExitCode.TEMPFAIL;
  if (code === ErrorCode.EINTERNAL) return ExitCode.INTERNAL;
  return ExitCode.FAILED;
}

/** Wraps a command action: its result is the exit code; an error is printed once, for the user. */
export function runAction(io: Output, setExit: (code: number) => void, action: (command: Command) => Promise<number> | number) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    try {
      setExit(await action(command));
    } catch (err) {
      io.err(formatProblem(problemFromError(err), io));
      setExit(exitCodeFor(err));
    }
  };
}

/** Keeps going past a problem: the error becomes a reported problem and the caller gets undefined. */
export async function orReport<T>(io: Output, problems: Problem[], work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    const p = problemFromError(err);
    problems.push(p);
    reportProblems(io, [p]);
    return undefined;
  }
}
