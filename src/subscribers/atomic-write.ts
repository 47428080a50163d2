import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeDir } from '../make-dir';

/** Write to a temp file, fsync it, rename over the target, fsync the folder. */
export function writeFileAtomic(file: string, content: string): void {
  makeDir(path.dirname(file));
  // the name never ends in .csv, so discovery cannot read a half-written temp file
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // a new file: the umask decides
  }
  try {
    const fd = fs.openSync(tmp, 'wx', 0o666);
    try {
      if (mode !== undefined) fs.fchmodSync(fd, mode); // keep the permissions someone gave the list
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
