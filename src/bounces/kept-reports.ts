import fs from 'node:fs';
import path from 'node:path';
import { makeDir } from '../make-dir';

/**
 * The raw reports that changed something, kept in STATE/bounces/reports so a person can see why an
 * address was suppressed. Named by their hash (the same report is kept once) and bounded: past
 * `keep` files, the oldest go first.
 */
export function reportsDir(stateDir: string): string {
  return path.join(stateDir, 'bounces', 'reports');
}

export function keepReport(stateDir: string, raw: Buffer, hash: string): string {
  const dir = reportsDir(stateDir);
  makeDir(dir);
  const name = `${hash.slice(0, 32)}.eml`;
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, raw);
    fs.renameSync(temp, file);
  }
  return name;
}

export function pruneReports(stateDir: string, keep: number): number {
  const dir = reportsDir(stateDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.eml'));
  } catch {
    return 0;
  }
  if (names.length <= keep) return 0;
  const byAge = names.map((name) => ({ name, at: fs.statSync(path.join(dir, name)).mtimeMs })).sort((a, b) => a.at - b.at || a.name.localeCompare(b.name));
  const gone = byAge.slice(0, names.length - keep);
  for (const g of gone) fs.rmSync(path.join(dir, g.name), { force: true });
  return gone.length;
}
