/**
 * `herald serve --port 0` as a child process for end-to-end tests: started, waited for until it
 * says where it listens, and stopped with SIGTERM by the test that started it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './cli';
import type { TempNewsletter } from './newsletter';

export interface Serving {
  readonly child: ChildProcess;
  readonly origin: string;
  stdout: string;
  stderr: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `herald serve --port 0` and waits for the line that says where it listens. */
export function startServe(nl: TempNewsletter, env: Record<string, string | undefined>): Promise<Serving> {
  const child = spawnCli(['serve', '--port', '0', '--root', nl.root], { env });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const serving: Serving = {
      child,
      origin: '',
      stdout: '',
      stderr: '',
      stop: () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`herald serve did not start:\n${serving.stderr}`));
    }, 20_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (serving.stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      serving.stderr += c;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(serving.stderr);
      if (match && !serving.origin) {
        clearTimeout(timer);
        (serving as { origin: string }).origin = match[1]!;
        resolve(serving);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`herald serve exited with ${code}:\n${serving.stderr}`));
    });
  });
}

