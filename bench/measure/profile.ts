/** Where herald's CPU goes: one more send under `node --cpu-prof`, summarised by package and function. */
import fs from 'node:fs';
import path from 'node:path';
import { say } from '../lib/io';
import type { ProfileFigures } from '../results';
import type { BenchRun } from './context';
import { summarise } from './cpuprofile';
import { heraldSend } from './herald-send';
import type { SendFolder } from './send-folder';

export async function measureProfile(bench: BenchRun, folder: SendFolder): Promise<ProfileFigures | undefined> {
  const dir = path.join(bench.tmp, 'cpu-prof');
  say('herald send under node --cpu-prof (one more new post; not part of the timings)');
  const r = await heraldSend(bench, folder, 'field-notes-profiled', { profileDir: dir });
  const file = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) return bench.fail('cpu profile', 'node wrote no .cpuprofile');
  return { ...summarise(path.join(dir, file), 15), processCpuMs: r.cpuMs, messages: r.delivered };
}
