/**
 * Deterministic newsletter folders for the benchmark: a realistic ~10 KB markdown post (headings,
 * paragraphs with links and emphasis, a list, a table, a fenced code block, a quote) and a
 * subscriber list at reserved example domains (RFC 2606). Same seed, same bytes, every run.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A seeded random source: next() in [0, 1), plus whole numbers and picks from a list. */
export interface Rng {
  (): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
}

/** mulberry32: a tiny seeded PRNG, so every run generates the same folder. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return Object.assign(next, { int, pick: <T>(list: readonly T[]): T => list[int(list.length)] });
}

const WORDS = (
  'the a of and to in is that it for on with as was at by this be from or an are have not but which one all ' +
  'newsletter reader server message queue delivery record subscriber template render markdown table column ' +
  'inbox sender domain relay latency throughput batch retry backoff connection session envelope header body ' +
  'garden winter harbour lantern river meadow orchard valley ember granite willow cobalt amber quiet steady ' +
  'measure careful honest simple durable patient gentle bright narrow distant familiar curious practical ' +
  'write read send keep move build test check note find learn share plan watch choose follow explain'
).split(' ');

const FIRST = [
  'Ada', 'Grace', 'Ken', 'Barbara', 'Edsger', 'Margaret', 'Linus', 'Frances', 'Donald', 'Radia', 'Alan', 'Katherine',
  'Dennis', 'Hedy', 'John', 'Shafi', 'Tim', 'Sophie', 'Niklaus', 'Jean', 'Leslie', 'Anita', 'Guido', 'Mary',
  'Zoë', 'Søren', 'José', 'Chloé', 'Björn', 'Ana', 'Olúwaseun', 'Priya', 'Wei', 'Yuki', 'Mateus', 'Fatima',
];
const LAST = [
  'Lovelace', 'Hopper', 'Thompson', 'Liskov', 'Dijkstra', 'Hamilton', 'Torvalds', 'Allen', 'Knuth', 'Perlman',
  'Turing', 'Johnson', 'Ritchie', 'Lamarr', 'McCarthy', 'Goldwasser', 'Berners-Lee', 'Wilson', 'Wirth', 'Sammet',
  'Lamport', 'Borg', 'van Rossum', 'Keller', 'Ångström', 'Kierkegaard', 'Núñez', 'Dubois', 'Strand', 'Silva',
  'Adeyemi', 'Raman', 'Zhang', 'Tanaka', 'Costa', 'Haddad',
];
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com', 'list.example.net', 'inbox.example.org'];

function sentence(r: Rng, min = 8, max = 22): string {
  const n = min + r.int(max - min + 1);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(r.pick(WORDS));
  if (r() < 0.25) words[r.int(n)] = `*${r.pick(WORDS)}*`;
  if (r() < 0.15) words[r.int(n)] = `**${r.pick(WORDS)}**`;
  if (r() < 0.1) words[r.int(n)] = `\`${r.pick(WORDS)}\``;
  const s = words.join(' ');
  return s[0].toUpperCase() + s.slice(1) + (r() < 0.1 ? '?' : '.');
}

function paragraph(r: Rng): string {
  const parts: string[] = [];
  const n = 3 + r.int(4);
  for (let i = 0; i < n; i++) parts.push(sentence(r));
  if (r() < 0.5) {
    const link = r() < 0.5 ? `/notes/${r.pick(WORDS)}-${r.pick(WORDS)}/` : `https://www.example.org/${r.pick(WORDS)}`;
    parts.splice(1 + r.int(n - 1), 0, `See [${r.pick(WORDS)} ${r.pick(WORDS)}](${link}) for more.`);
  }
  return parts.join(' ');
}

const CODE = `\`\`\`js
// retry with doubling delays, never more than the limit
async function withRetry(fn, { retries = 3, delayMs = 1000 } = {}) {
  let lastError;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delayMs * 2 ** (attempt - 1)));
    try {
      return await fn(attempt);
    } catch (err) {
      lastError = err;
      if (err.permanent) break;
    }
  }
  throw lastError;
}
\`\`\``;

/**
 * A post of about `targetBytes` of markdown (front matter included), deterministic for a seed.
 * Structure: intro, a section with a list, one with a table, one with code and a quote, then
 * enough further paragraphs to reach the size.
 */
export interface PostSpec {
  readonly seed?: number;
  readonly slug?: string;
  readonly title?: string;
  readonly date?: string;
  readonly targetBytes?: number;
}

export function makePost({ seed = 1, slug, title, date = '2026-05-04', targetBytes = 10 * 1024 }: PostSpec = {}): string {
  const r = rng(seed);
  const t = title ?? `Field notes ${seed}: ${r.pick(WORDS)} and ${r.pick(WORDS)} in the ${r.pick(WORDS)}`;
  const head = ['---', `title: "${t.replace(/"/g, "'")}"`, `date: ${date}`, `slug: ${slug ?? `field-notes-${seed}`}`,
    `summary: "${sentence(r, 8, 14).replace(/"/g, "'")}"`, '---', ''].join('\n');
  const blocks = [paragraph(r), paragraph(r), '## What changed', paragraph(r)];
  const list: string[] = [];
  for (let i = 0; i < 6; i++) list.push(`- ${sentence(r, 5, 12)}`);
  blocks.push(list.join('\n'), '## The numbers', paragraph(r));
  const rows = ['| week | sent | opened | clicked | note |', '| --- | ---: | ---: | ---: | --- |'];
  for (let i = 1; i <= 8; i++) {
    const sent = 9000 + r.int(2000);
    rows.push(`| ${i} | ${sent} | ${Math.round(sent * (0.3 + r() * 0.3))} | ${Math.round(sent * (0.02 + r() * 0.08))} | ${r.pick(WORDS)} ${r.pick(WORDS)} |`);
  }
  blocks.push(rows.join('\n'), '## How it works', paragraph(r), CODE, `> ${sentence(r)} ${sentence(r)}`, '## Further along');
  let body = blocks.join('\n\n');
  while (Buffer.byteLength(head + body, 'utf8') < targetBytes - 200) body += `\n\n${paragraph(r)}`;
  body += `\n\n![${r.pick(WORDS)}](/images/${r.pick(WORDS)}.png)\n\nThanks for reading. Reply to this email if anything here was wrong.\n`;
  return head + body;
}

/** `count` subscribers as CSV (email,name,status), unique addresses, a few non-ASCII names. */
export function writeSubscribers(file: string, count: number, seed = 7): void {
  const r = rng(seed);
  const fd = fs.openSync(file, 'w');
  try {
    let chunk = 'email,name,status\n';
    for (let i = 0; i < count; i++) {
      const first = r.pick(FIRST);
      const last = r.pick(LAST);
      const local = `${first}.${last}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9.]+/g, '-');
      const email = `${local}.${i}@${DOMAINS[i % DOMAINS.length]}`;
      const name = `${first} ${last}`;
      chunk += `${email},${name.includes(',') ? `"${name}"` : name},subscribed\n`;
      if (chunk.length > 1 << 16) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A newsletter folder: config, the repository's default template, subscribers/list.csv, and the
 * given posts (name → markdown) under posts/.
 */
export interface NewsletterSpec {
  /** The herald checkout whose default template the folder uses. */
  readonly heraldRoot: string;
  readonly subscribers: number;
  readonly sessions: number;
  /** File name under posts/ → markdown. */
  readonly posts?: Readonly<Record<string, string>>;
}

export function makeNewsletter(dir: string, { heraldRoot, subscribers, sessions, posts }: NewsletterSpec): void {
  fs.mkdirSync(path.join(dir, 'posts'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'subscribers'), { recursive: true });
  const config = {
    name: 'The Bench Dispatch',
    siteUrl: 'https://news.example.com/',
    from: 'The Bench Dispatch <dispatch@example.com>',
    replyTo: 'editor@example.com',
    postalAddress: 'The Bench Dispatch, 1 Example Street, Exampleton EX1 2MP, United Kingdom',
    unsubscribe: { url: 'https://news.example.com/unsubscribe' },
    smtp: { connections: sessions },
  };
  fs.writeFileSync(path.join(dir, 'herald.config.json'), JSON.stringify(config, null, 2) + '\n');
  fs.copyFileSync(path.join(heraldRoot, 'templates', 'default.mjml'), path.join(dir, 'templates', 'default.mjml'));
  writeSubscribers(path.join(dir, 'subscribers', 'list.csv'), subscribers);
  for (const [name, text] of Object.entries(posts ?? {})) writePost(dir, name, text);
}

export function writePost(dir: string, name: string, text: string): string {
  const file = path.join(dir, 'posts', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
