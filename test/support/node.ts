/**
 * Runs a script in a real Node process and returns the JSON it writes to stdout. For what Jest's
 * own module system hides: Node's module loader, and the built code's worker threads.
 */
import { execFileSync } from 'node:child_process';

export function nodeJson<T>(script: string, opts: { input?: string; cwd?: string; quiet?: boolean } = {}): T {
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    input: opts.input,
    cwd: opts.cwd,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', opts.quiet ? 'ignore' : 'inherit'],
  });
  return JSON.parse(out) as T;
}
