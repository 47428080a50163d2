/**
 * The size of the HTML herald mails, with the default template: the bench's 10 KB post, a post
 * with a 200-row, 4-column table, and two long posts that herald cuts, each rendered for one
 * subscriber by child/html-size.ts in a fresh process. Sizes, not times: the same build gives the
 * same bytes on any machine, so this phase needs no sink, no SMTP tools and no quiet machine.
 */
import path from 'node:path';
import { makeNewsletter, makePost } from '../lib/fixture';
import { readJson, say } from '../lib/io';
import { run } from '../lib/proc';
import type { Options } from '../options';
import { benchProgram } from '../paths';
import type { HtmlSize, HtmlSizeRow, Results } from '../results';
import { recordFailure } from './context';

interface Case {
  readonly post: string;
  readonly label: string;
  readonly text: string;
}

function tablePost(rows: number): string {
  const lines = ['| day | sent | opened | note |', '| --- | --- | --- | --- |'];
  for (let i = 1; i <= rows; i++) lines.push(`| ${i} | ${9000 + i * 7} | ${3000 + i * 3} | quiet steady ${i % 2 ? 'harbour' : 'river'} |`);
  return `---\ntitle: Two hundred rows\ndate: 2026-05-04\nslug: table\n---\n\nThe numbers:\n\n${lines.join('\n')}\n`;
}

/** The posts measured, by id (their slug); report/html.ts judges the targets on the first two. */
export const HTML_CASES: readonly Case[] = [
  { post: 'bench', label: 'the bench post (10 KB of markdown)', text: makePost({ seed: 1, slug: 'bench' }) },
  { post: 'table', label: 'a 200-row, 4-column table', text: tablePost(200) },
  { post: 'long', label: 'a 120 KB post (cut)', text: makePost({ seed: 3, slug: 'long', targetBytes: 120 * 1024 }) },
  { post: 'huge', label: 'a 1 MiB post (cut)', text: makePost({ seed: 4, slug: 'huge', targetBytes: 1024 * 1024 - 512 }) },
];

export async function measureHtml(o: Options, tmp: string, res: Results): Promise<Results['html']> {
  say('html: the size of the HTML of four posts with the default template');
  const root = path.join(tmp, 'html-size');
  makeNewsletter(root, { heraldRoot: o.herald, subscribers: 1, sessions: 1, posts: Object.fromEntries(HTML_CASES.map((c) => [`${c.post}.md`, c.text])) });
  const out = path.join(tmp, 'logs', 'html-size.json');
  const env: NodeJS.ProcessEnv = { ...process.env, HERALD_SECRET: 'bench' };
  for (const k of ['HERALD_FROM', 'HERALD_PUBLIC_URL', 'HERALD_SECRET_PREVIOUS', 'NODE_OPTIONS']) delete env[k];
  const r = await run('html', process.execPath, [benchProgram('child/html-size.js'), '--herald', o.herald, '--root', root, '--posts', HTML_CASES.map((c) => c.post).join(','), '--out', out],
    { env, log: path.join(tmp, 'logs', 'html-size.log'), time: false, timeoutMs: 300_000 });
  const rows = r.code === 0 ? readJson<HtmlSizeRow[]>(out) : undefined;
  if (!rows) {
    recordFailure(res, 'html', r.code === 0 ? `wrote no figures to ${out}` : `exited ${r.code ?? r.signal}`, r);
    return undefined;
  }
  return HTML_CASES.map((c): HtmlSize => {
    const row = rows.find((x) => x.post === c.post);
    if (!row) throw new Error(`html: no figures for the post "${c.post}"`);
    return { ...row, label: c.label, markdownBytes: Buffer.byteLength(c.text) };
  });
}
