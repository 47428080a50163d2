/**
 * Runs the built CLI (dist/cli.js) as a real subprocess, the way users run it,
 * so exit codes, signals and stdout/stderr are tested end to end.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnCliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface RunCliOptions extends SpawnCliOptions {
  timeoutMs?: number;
  input?: string;
}

export const CLI_PATH = path.resolve(__dirname, '../../dist/cli.js');
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * NO_COLOR keeps output assertions free of ANSI codes; an `undefined` override means
 * "unset this variable", which spawn would otherwise pass on as the string 'undefined'.
 */
function childEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv;
}

/** Starts the CLI with stdout/stderr piped; for tests that signal or kill it mid-run. */
export function spawnCli(args: string[], opts: SpawnCliOptions = {}): ChildProcess {
  // process.execPath and no shell: arguments reach the CLI verbatim, whatever they contain.
  return spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
  });
}

/** Runs the CLI to completion and resolves with its exit status and full output, whatever the exit code. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A CLI that exits without reading stdin makes our write fail with EPIPE; that is not a test failure.
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(opts.input ?? '');

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // Rejected right away instead of on 'close': a grandchild holding the pipes open
      // would otherwise keep us waiting past the timeout we promised.
      reject(
        new Error(
          `herald ${args.join(' ')} timed out after ${timeoutMs} ms and was killed\n` +
            `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
        ),
      );
    }, timeoutMs);

    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close' rather than 'exit': it waits until stdout/stderr are drained, so no output is lost.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
