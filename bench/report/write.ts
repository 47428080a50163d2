/**
 * Rewrites BENCHMARKS.md: the intro as this bench has it, the hand-written notes as the file has
 * them, then every results section, a run's section replacing the one with the same subscriber and
 * session counts.
 */
import fs from 'node:fs';
import { readText } from '../lib/io';
import type { RunRecord } from '../results';
import { INTRO } from './intro';
import { sectionMarkdown } from './section';

interface Section {
  readonly n: number;
  readonly s: number;
  readonly body: string;
}

/** Writes the report; without a run, only the explanatory part changes (--rewrite-intro). */
export function writeReport(file: string, ctx?: RunRecord): void {
  const sections = new Map<string, Section>();
  const existing = readText(file);
  const re = /<!-- bench:begin (subscribers=(\d+) sessions=(\d+)) -->\n([\s\S]*?)<!-- bench:end -->/g;
  for (let m = re.exec(existing); m; m = re.exec(existing)) sections.set(m[1], { n: Number(m[2]), s: Number(m[3]), body: m[4] });
  if (ctx) {
    sections.set(`subscribers=${ctx.o.subscribers} sessions=${ctx.o.sessions}`, { n: ctx.o.subscribers, s: ctx.o.sessions, body: `${sectionMarkdown(ctx)}\n` });
  }
  const ordered = [...sections.entries()].sort((a, b) => a[1].n - b[1].n || a[1].s - b[1].s);
  // a hand-written assessment between notes markers survives every rerun
  const notes = /<!-- notes:begin -->\n[\s\S]*?<!-- notes:end -->\n/.exec(existing)?.[0] ?? '';
  const text = `${INTRO}\n${notes ? `${notes}\n` : ''}# Results\n\n${ordered.map(([k, v]) => `<!-- bench:begin ${k} -->\n${v.body}<!-- bench:end -->`).join('\n\n')}\n`;
  fs.writeFileSync(file, text);
}
