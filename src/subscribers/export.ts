import fs from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors';
import { csvLine, spreadsheetCell } from './csv';
import { DEFAULT_FOLDER, SUPPRESSION_FILE, listCsvFiles, listFileName as rel } from './files';
import { type InterpretedExport, interpretExport } from './import';
import { discoverSubscribers } from './read';
import { readSuppressions } from './suppression';

/** Everyone on the list and what they receive: `subscribers list` and `subscribers export`. */

export interface ListEntry {
  readonly email: string;
  readonly name: string;
  /** "active", or why the address receives nothing: a suppression reason or another file's status word. */
  readonly status: string;
  readonly since?: string;
}

export interface SubscriberList {
  /** Exactly the audience `herald send` would mail now. */
  readonly active: readonly ListEntry[];
  /** Everyone who receives nothing: the suppression list, and rows another file marks (status column). */
  readonly suppressed: readonly ListEntry[];
  readonly files: readonly string[];
  readonly brokenFiles: readonly string[];
  readonly problems: readonly Problem[];
}

export function readList(dir: string, folder: string = DEFAULT_FOLDER): SubscriberList {
  const discovered = discoverSubscribers(dir, folder);
  const suppressions = readSuppressions(dir, folder);
  // names and status words of rows discovery leaves out, from each file as import reads it
  const others = new Map<string, { email: string; name: string; status: string }>();
  const names = new Map<string, string>();
  for (const abs of listCsvFiles(dir)) {
    if (path.basename(abs) === SUPPRESSION_FILE) continue;
    const seen: InterpretedExport = interpretExport(fs.readFileSync(abs, 'utf8'), rel(abs, folder));
    for (const r of [...seen.active, ...seen.suppressed, ...seen.skipped]) if (r.name && !names.has(r.key)) names.set(r.key, r.name);
    for (const r of [...seen.suppressed, ...seen.skipped]) if (!others.has(r.key)) others.set(r.key, { email: r.email, name: r.name, status: r.status });
  }
  const active = discovered.subscribers.map((s) => ({ email: s.email, name: s.name, status: 'active' }));
  const activeKeys = new Set(discovered.subscribers.map((s) => s.key));
  const problems: Problem[] = [...discovered.problems];
  const suppressed: ListEntry[] = [];
  for (const [key, s] of suppressions) {
    if (!activeKeys.has(key)) suppressed.push({ email: s.email, name: names.get(key) ?? '', status: s.reason, since: s.at || undefined });
  }
  for (const key of discovered.excluded) {
    if (suppressions.has(key)) continue;
    const other = others.get(key);
    suppressed.push({ email: other?.email ?? key, name: other?.name ?? '', status: other?.status.toLowerCase() || 'excluded' });
  }
  suppressed.sort((a, b) => a.email.localeCompare(b.email));
  return { active, suppressed, files: discovered.files, brokenFiles: discovered.brokenFiles, problems };
}

export function countByStatus(entries: readonly ListEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.status] = (out[e.status] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** email,name,status of everyone, active first: the lines of `subscribers export`, safe to open in a spreadsheet. */
export function exportLines(list: SubscriberList): string[] {
  return ['email,name,status', ...[...list.active, ...list.suppressed].map((e) => csvLine([e.email, e.name, e.status].map(spreadsheetCell)))];
}

