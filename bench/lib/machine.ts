/** What a report says about where and what it measured: the machine, and the herald build. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readText, say } from './io';
import { median } from './numbers';
import { sh } from './proc';
import type { Machine } from '../results';

export function machineInfo(tmp: string): Machine {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  const osRelease = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readText('/etc/os-release'))?.[1] ?? os.type();
  const fsType = sh('findmnt', ['-n', '-o', 'FSTYPE', '-T', tmp]).out || sh('stat', ['-f', '-c', '%T', tmp]).out || 'unknown';
  const nproc = sh('nproc', []).out || String(os.cpus().length);
  return {
    nproc: Number(nproc),
    cpu: mhz ? `${model} (${Math.round(Number(mhz))} MHz)` : model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${osRelease}, Linux ${os.release()}`,
    tmpFs: `${os.tmpdir()} (${fsType})`,
    postfix: sh('dpkg-query', ['-W', '-f', '${Version}', 'postfix']).out || 'unknown',
    fsyncMs: fsyncLatency(tmp),
  };
}

/** Median time of a 4 KB append + fsync in the temporary folder: what each durable SQLite commit waits for at least. */
function fsyncLatency(dir: string, count = 50): number {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      fs.writeSync(fd, block);
      fs.fsyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return median(times);
}

export interface BuiltCommit {
  readonly dir: string;
  readonly label: string;
}

/** A clean build of one commit, independent of whatever the working tree holds right now. */
export function buildCommit(repo: string, rev: string, tmp: string): BuiltCommit {
  const dir = path.join(tmp, 'herald');
  fs.mkdirSync(dir);
  const full = sh('git', ['-C', repo, 'rev-parse', '--verify', `${rev}^{commit}`]);
  if (full.code !== 0) throw new Error(`--commit ${rev}: not a commit (${full.out})`);
  say(`building commit ${full.out.slice(0, 12)} in ${dir}`);
  const archive = sh('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', repo, full.out, dir]);
  if (archive.code !== 0) throw new Error(`git archive ${rev} failed: ${archive.out}`);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = sh(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir });
  if (tsc.code !== 0) throw new Error(`commit ${rev} does not build:\n${tsc.out.slice(-3000)}`);
  const lockSame = sh('git', ['-C', repo, 'diff', '--quiet', full.out, '--', 'package-lock.json']).code === 0;
  return { dir, label: `commit ${full.out.slice(0, 7)} (git archive, built clean${lockSame ? '' : '; node_modules from the working tree, whose package-lock.json differs'})` };
}

/** The git commit of a checkout, and how many of the files that make herald differ from it. */
export function heraldVersion(herald: string): string {
  const rev = sh('git', ['-C', herald, 'rev-parse', '--short', 'HEAD']);
  if (rev.code !== 0) return `${herald} (not a git checkout)`;
  const dirty = sh('git', ['-C', herald, 'status', '--porcelain', '--', 'src', 'templates', 'package.json', 'package-lock.json']).out;
  const n = dirty ? dirty.split('\n').length : 0;
  return `commit ${rev.out}${n ? ` + ${n} uncommitted change${n === 1 ? '' : 's'} in src/, templates/ or package files` : ''}`;
}
