/**
 * Rewrites BENCHMARKS.md: the intro as this bench has it, the hand-written notes as the file has
 * them, then the results: the HTML-size section, and every send section, a run's section replacing
 * the one with the same subscriber and session counts. A run replaces only the sections it
 * measured: an HTML-only run keeps the send sections, a run with --skip-html keeps the HTML one.
 */
import fs from 'node:fs';
import { readText } from '../lib/io';
import { sendsAnything } from '../options';
import type { RunRecord } from '../results';
import { htmlSectionMarkdown, isHtmlError } from './html';
import { INTRO } from './intro';
import { sectionMarkdown } from './section';

interface Section {
  readonly n: number;
  readonly s: number;
  readonly body: string;
}

/** Whether a run measured the HTML size (or tried to: a failure is reported in its section). */
const measuredHtml = (ctx: RunRecord): boolean => ctx.res.html !== undefined || ctx.res.errors.some(isHtmlError);

/** The sections a run has figures (or failures) for, HTML first: what it prints and writes. */
export function runSections(ctx: RunRecord): string[] {
  return [...(measuredHtml(ctx) ? [htmlSectionMarkdown(ctx)] : []), ...(sendsAnything(ctx.o) ? [sectionMarkdown(ctx)] : [])];
}

/** Writes the report; without a run, only the explanatory part changes (--rewrite-intro). */
export function writeReport(file: string, ctx?: RunRecord): void {
  const sections = new Map<string, Section>();
  let html: string | undefined;
  const existing = readText(file);
  const re = /<!-- bench:begin (html|subscribers=(\d+) sessions=(\d+)) -->\n([\s\S]*?)<!-- bench:end -->/g;
  for (let m = re.exec(existing); m; m = re.exec(existing)) {
    if (m[1] === 'html') html = m[4];
    else sections.set(m[1], { n: Number(m[2]), s: Number(m[3]), body: m[4] });
  }
  if (ctx && measuredHtml(ctx)) html = `${htmlSectionMarkdown(ctx)}\n`;
  if (ctx && sendsAnything(ctx.o)) {
    sections.set(`subscribers=${ctx.o.subscribers} sessions=${ctx.o.sessions}`, { n: ctx.o.subscribers, s: ctx.o.sessions, body: `${sectionMarkdown(ctx)}\n` });
  }
  const ordered = [...sections.entries()].sort((a, b) => a[1].n - b[1].n || a[1].s - b[1].s);
  const blocks = [...(html === undefined ? [] : [['html', html] as const]), ...ordered.map(([k, v]) => [k, v.body] as const)];
  // a hand-written assessment between notes markers survives every rerun
  const notes = /<!-- notes:begin -->\n[\s\S]*?<!-- notes:end -->\n/.exec(existing)?.[0] ?? '';
  const text = `${INTRO}\n${notes ? `${notes}\n` : ''}# Results\n\n${blocks.map(([k, body]) => `<!-- bench:begin ${k} -->\n${body}<!-- bench:end -->`).join('\n\n')}\n`;
  fs.writeFileSync(file, text);
}
