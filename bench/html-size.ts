/**
 * The size of the HTML herald mails, in bytes as Gmail counts them (it clips after ~102 KB), for
 * the default template: the bench's 10 KB post, a post with a 200-row, 4-column table, and long
 * posts, with the byte at which the unsubscribe link starts. In-process, a second or two; it
 * needs no SMTP tools.
 *
 *   npm run bench:html                 (builds herald and the bench, then runs this)
 *   node dist-bench/html-size.js [--herald DIR]
 *
 * Prints a Markdown table, the one in BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadHerald, readFolder } from './herald/api';
import { makeNewsletter, makePost, writePost } from './lib/fixture';
import { REPO } from './paths';

interface Case {
  readonly label: string;
  readonly file: string;
  readonly text: string;
}

function tablePost(rows: number): string {
  const lines = ['| day | sent | opened | note |', '| --- | --- | --- | --- |'];
  for (let i = 1; i <= rows; i++) lines.push(`| ${i} | ${9000 + i * 7} | ${3000 + i * 3} | quiet steady ${i % 2 ? 'harbour' : 'river'} |`);
  return `---\ntitle: Two hundred rows\ndate: 2026-05-04\nslug: table\n---\n\nThe numbers:\n\n${lines.join('\n')}\n`;
}

const CASES: Case[] = [
  { label: 'the bench post (10 KB of markdown)', file: 'bench.md', text: makePost({ seed: 1, slug: 'bench' }) },
  { label: 'a 200-row, 4-column table', file: 'table.md', text: tablePost(200) },
  { label: 'a 120 KB post (cut)', file: 'long.md', text: makePost({ seed: 3, slug: 'long', targetBytes: 120 * 1024 }) },
  { label: 'a 1 MiB post (cut)', file: 'huge.md', text: makePost({ seed: 4, slug: 'huge', targetBytes: 1024 * 1024 - 512 }) },
];

async function main(): Promise<void> {
  const at = process.argv.indexOf('--herald');
  const herald = at > 0 ? path.resolve(process.argv[at + 1]!) : REPO;
  const api = loadHerald(herald);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-html-'));
  try {
    makeNewsletter(dir, { heraldRoot: herald, subscribers: 1, sessions: 1 });
    for (const c of CASES) writePost(dir, c.file, c.text);
    const ids = api.discoverPosts(api.loadSettings(dir, process.env).postsDir).posts.map((p) => p.id);
    const rows: string[] = [];
    for (const c of CASES) {
      const name = path.basename(c.file, '.md');
      const folder = readFolder(api, dir, ids.find((id) => id === name || id.endsWith(`/${name}`) || id.includes(name)) ?? name);
      const sender = api.resolveSender(folder.settings, { requireSecret: false });
      const reader = folder.subscribers[0]!;
      const rendered = (await api.renderPost(folder.post, folder.settings, new Date())) as { warnings?: readonly { message: string }[] };
      const link = api.unsubscribeLinks(sender, reader).visible;
      const html = Buffer.from(api.fillMessage(rendered, { name: reader.name, email: reader.email, unsubscribe_url: link }).html, 'utf8');
      const unsubscribeAt = html.indexOf(`href="${link.replace(/&/g, '&amp;')}"`);
      const cut = (rendered.warnings ?? []).some((w) => /too long for one email/.test(w.message));
      rows.push(`| ${c.label} | ${Buffer.byteLength(c.text).toLocaleString('en-US')} | ${html.length.toLocaleString('en-US')} | ${unsubscribeAt.toLocaleString('en-US')} | ${cut ? 'yes' : 'no'} |`);
    }
    process.stdout.write([
      '| post | markdown bytes | HTML bytes | unsubscribe link at byte | cut |',
      '| --- | ---: | ---: | ---: | --- |',
      ...rows,
      '',
    ].join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
