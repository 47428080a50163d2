import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates a folder and its missing parents, one level at a time, and throws the first error.
 *
 * Not `fs.mkdirSync(dir, { recursive: true })`: when a parent exists but refuses children with
 * ENOENT (a path under /proc, say), Node 20's recursive mkdir retries forever at full CPU, and
 * being synchronous it never lets a signal handler run. Here every step is tried once: the loop
 * is bounded by the depth of the path.
 */
export function makeDir(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw err;
    }
    if (stat) {
      if (!stat.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${at}'`), { code: 'ENOTDIR', path: at });
      break;
    }
    missing.push(at);
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder, { mode });
    } catch (err) {
      // another process made it in the meantime; anything else is for the caller
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
