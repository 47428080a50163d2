/**
 * Child processes for the benchmark: measured runs (wall clock in this process, CPU and peak RSS
 * from GNU time, which reads the child's rusage from wait4()) and cleanup of everything started
 * here, on success, error, timeout or Ctrl-C alike. Every child gets its own process group, so a
 * timeout or an interrupt ends it together with anything it started.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ProbeRecord } from '../results';
import { readJson } from './io';

export const TIME = '/usr/bin/time';

/** Every child started here and still running (pid → name), for cleanup. */
const live = new Map<number, string>();

export function track(pid: number, name: string): void {
  live.set(pid, name);
}

export function untrack(pid: number): void {
  live.delete(pid);
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Ends every child this process started and that is still running (synchronous: safe in 'exit'). */
export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of live.keys()) killGroup(pid, signal);
}

export function which(name: string, extra: readonly string[] = []): string | undefined {
  for (const dir of [...extra, ...(process.env.PATH ?? '').split(':')]) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ShResult {
  readonly code: number | null;
  /** stdout and stderr together, trimmed. */
  readonly out: string;
  readonly error?: Error;
}

/** A short command run to completion, its output captured. */
export function sh(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): ShResult {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), error: r.error };
}

/** A free TCP port on 127.0.0.1: bind port 0, read it, let it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GNU time's `%e %U %S %M`: what the kernel counted for the child. */
export interface TimeFigures {
  readonly elapsedS: number;
  readonly userS: number;
  readonly sysS: number;
  readonly cpuMs: number;
  readonly maxRssKb: number;
}

function parseTime(file: string | undefined): TimeFigures | undefined {
  if (!file) return undefined;
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const [elapsed, user, sys, maxRssKb] = lines[lines.length - 1].trim().split(/\s+/).map(Number);
    if (![elapsed, user, sys, maxRssKb].every(Number.isFinite)) return undefined;
    return { elapsedS: elapsed, userS: user, sysS: sys, cpuMs: (user + sys) * 1000, maxRssKb };
  } catch {
    return undefined;
  }
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly log?: string;
  readonly timeoutMs?: number;
  /** Run under GNU time (default true). */
  readonly time?: boolean;
  /** Where the child's bench probe writes its JSON (Node children run with child/probe.js). */
  readonly probeFile?: string;
}

export interface RunResult {
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: string;
  readonly timedOut: boolean;
  /** Spawn → exit, measured here. */
  readonly wallMs: number;
  readonly time?: TimeFigures;
  readonly probe?: ProbeRecord;
  readonly log?: string;
}

/**
 * Runs one command to completion under GNU time (unless `time: false`), output to `log`.
 * Resolves with exit code, wall ms (spawn → exit, measured here), GNU time's figures and, for
 * Node children run with the probe, the probe's JSON.
 */
export function run(name: string, cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const { env = process.env, cwd, log, timeoutMs = 600_000, time = true, probeFile } = opts;
  return new Promise((resolve) => {
    const timeFile = log ? `${log}.time` : undefined;
    const argv = time ? [TIME, '-f', '%e %U %S %M', '-o', timeFile ?? '/dev/null', cmd, ...args] : [cmd, ...args];
    const fd = log ? fs.openSync(log, 'w') : 'ignore';
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (typeof fd === 'number') fs.closeSync(fd);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const pid = child.pid;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
    }, timeoutMs);
    if (pid !== undefined) track(pid, name);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (pid !== undefined) untrack(pid);
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({
        name,
        code,
        signal,
        error: error?.message,
        timedOut,
        wallMs,
        time: time ? parseTime(timeFile) : undefined,
        probe: probeFile ? readJson<ProbeRecord>(probeFile) : undefined,
        log,
      });
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('exit', (code, signal) => finish(code, signal));
  });
}

/** The last lines of a log file, for error messages. */
export function tail(file: string | undefined, lines = 15): string {
  try {
    return fs.readFileSync(file ?? '', 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
