import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type CliResult, runCli } from '../support/cli';
import type { TestSmtpServer } from '../support/smtp-server';
import type { TempNewsletter } from '../support/newsletter';

export const SECRET = 'test-secret-0123456789abcdef';

/** Settings every end-to-end newsletter uses: quick retries so fault tests stay short. */
export const FAST_SMTP = { connections: 5, retries: 2, retryDelayMs: 50, socketTimeoutMs: 3000, connectionTimeoutMs: 2000, greetingTimeoutMs: 2000 };

export function heraldEnv(server?: TestSmtpServer, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { HERALD_SMTP_URL: server?.url, HERALD_SECRET: SECRET, HERALD_FROM: undefined, HERALD_PUBLIC_URL: undefined, TZ: 'UTC', ...extra };
}

export function herald(nl: TempNewsletter, args: string[], server?: TestSmtpServer, extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli([...args, '--root', nl.root], { env: heraldEnv(server, extra), timeoutMs: 90_000 });
}

export function fileHash(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every file under a folder with its hash: "byte-identical" means this map does not change. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = fileHash(full);
  }
  return out;
}

export interface LogRow {
  postId: string;
  key: string;
  email: string;
  state: string;
  attempts: number;
  messageId: string | null;
  reply: string | null;
}

export async function recordRows(nl: TempNewsletter, postId?: string): Promise<LogRow[]> {
  const res = await herald(nl, ['log', '--json', '--limit', '100000', ...(postId ? ['--post', postId] : [])]);
  if (res.code !== 0) throw new Error(`herald log failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as LogRow[];
}

/** Recipients per address, lower-cased, over every accepted message. */
export function copiesByRecipient(server: TestSmtpServer): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of server.messages) for (const to of m.envelopeTo) out.set(to.toLowerCase(), (out.get(to.toLowerCase()) ?? 0) + 1);
  return out;
}

/** Collects a spawned CLI's output as it comes, for tests that signal or kill it mid-run. */
export function output(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { stdout: () => out, stderr: () => err, exit };
}

/** Waits for something a test can observe (a message arrived, a line was printed); the timeout is only a backstop. */
export async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Kills a spawned CLI with SIGKILL as soon as `midway()` holds (polled every 2 ms, so the kill lands
 * between two accepted messages or while the server holds one). Rejects when the run finished on
 * its own first: then nothing about crashes was tested, and the server delay should be raised.
 */
export function killWhen(child: ChildProcess, midway: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (midway()) {
        clearInterval(timer);
        child.kill('SIGKILL');
      }
    }, 2);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`herald finished (code ${code}) before it could be killed; raise the server delay`));
    });
  });
}
