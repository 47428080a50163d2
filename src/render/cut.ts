import { type Problem, ErrorCode, warning } from '../errors';
import { escapeHtml, type Segments } from './template';

/**
 * Gmail hides everything after the first ~102 KB of an email's HTML, the unsubscribe link too. A
 * post long enough to push the footer that far is cut before one of its top-level blocks (a
 * paragraph, a list, a table: never inside one), and ends with a link to the rest on the site.
 */
export const FOOTER_WITHIN_BYTES = 90_000;

/**
 * The most bytes a recipient value can take in the HTML, escaped: names are cut to 200
 * characters and an entity is at most 6 bytes; addresses are at most 254 characters of UTF-8.
 */
const MOST_BYTES = { name: 1200, email: 1016, unsubscribe_url: 1024, preferences_url: 1024 } as const;

/** Where the first unsubscribe link starts in the HTML, for the longest recipient values there can be; undefined without one. */
export function footerOffset(html: Segments): number | undefined {
  let bytes = 0;
  for (const part of html.parts) {
    if (typeof part === 'string') bytes += Buffer.byteLength(part, 'utf8');
    else if (part.name === 'unsubscribe_url') return bytes;
    else bytes += MOST_BYTES[part.name];
  }
  return undefined;
}

const VOID = new Set(['area', 'br', 'col', 'hr', 'img', 'input', 'wbr']);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g;

/** A piece of post HTML that may end the email, and what then closes the elements it leaves open. */
export interface Block {
  readonly html: string;
  readonly close: string;
}

/** A table or list larger than this is cut between its rows or items rather than kept or dropped whole. */
const SPLIT_BYTES = 4096;

/**
 * Sanitised post HTML as the places it can be cut: its top-level blocks, in order, each with the
 * white space after it, and long tables and lists row by row. Joined, they give the HTML back.
 * The sanitiser balances every tag and escapes `>` in attribute values, so counting open and
 * close tags is enough.
 */
export function topLevelBlocks(html: string): Block[] {
  return elements(html).flatMap((piece) => (Buffer.byteLength(piece, 'utf8') > SPLIT_BYTES ? rowsOf(piece) : [{ html: piece, close: '' }]));
}

function elements(html: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = 0;
  for (const m of html.matchAll(TAG)) {
    const name = m[2]!.toLowerCase();
    if (VOID.has(name) || m[0].endsWith('/>')) {
      if (depth > 0) continue;
    } else if (m[1]) {
      depth = Math.max(0, depth - 1);
      if (depth > 0) continue;
    } else {
      depth++;
      continue;
    }
    const end = m.index + m[0].length;
    const after = /^\s*/.exec(html.slice(end))![0].length;
    found.push(html.slice(start, end + after));
    start = end + after;
  }
  if (start < html.length) found.push(html.slice(start));
  return found;
}

/** A table's body rows or a list's items as blocks: cut after one of them, the table or list is closed. */
function rowsOf(piece: string): Block[] {
  const list = /^<(ul|ol)\b[^>]*>/i.exec(piece);
  const open = list ?? /^<table\b[\s\S]*?<tbody\b[^>]*>/i.exec(piece);
  const closeAt = list ? piece.lastIndexOf(`</${list[1]}`) : piece.lastIndexOf('</tbody');
  if (!open || closeAt < open[0].length) return [{ html: piece, close: '' }];
  const rows = elements(piece.slice(open[0].length, closeAt));
  const close = piece.slice(closeAt);
  if (rows.length < 2) return [{ html: piece, close: '' }];
  return rows.map((row, i) => ({
    html: (i === 0 ? open[0] : '') + row + (i === rows.length - 1 ? close : ''),
    close: i === rows.length - 1 ? '' : close,
  }));
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** How many leading blocks fit in `budget` bytes with what closes them, leaving no heading last (it would head nothing). */
export function blocksWithin(blocks: readonly Block[], budget: number): number {
  let total = 0;
  let keep = 0;
  while (keep < blocks.length && total + bytes(blocks[keep]!.html) + bytes(blocks[keep]!.close) <= budget) total += bytes(blocks[keep++]!.html);
  while (keep > 0 && /^<h[1-6]\b/i.test(blocks[keep - 1]!.html)) keep--;
  return keep;
}

/** The first `keep` blocks, closed, and where the rest would be, the link to it. */
export function cutContent(blocks: readonly Block[], keep: number, url: string): string {
  return blocks.slice(0, keep).map((b) => b.html).join('') + (blocks[keep - 1]?.close ?? '') + readTheRest(url);
}

/** The bytes of the first `keep` blocks, closed. */
export function bytesOf(blocks: readonly Block[], keep: number): number {
  return blocks.slice(0, keep).reduce((n, b) => n + bytes(b.html), 0) + bytes(blocks[keep - 1]?.close ?? '');
}

export function readTheRest(url: string): string {
  return `\n<hr>\n<p><strong>This post is too long for one email.</strong> <a href="${escapeHtml(url)}">Read the rest on the site</a>.</p>\n`;
}

/** The warning for a post that was cut, naming it, what was kept and why. */
export function cutWarning(file: string, kept: number, total: number, limit: number): Problem {
  const kb = (n: number): string => `${Math.max(1, Math.round(n / 1024))} KB`;
  return warning(ErrorCode.EPOST, `is too long for one email: it is cut after ${kb(kept)} of its ${kb(total)} of HTML, before a "Read the rest on the site" link, so that the footer and its unsubscribe link stay within the first ${limit.toLocaleString('en-US')} bytes (Gmail hides what comes after ~102 KB)`,
    { file }, 'Shorten the post or split it in two to mail all of it; "footerWithinBytes" in herald.config.json sets the limit (0 never cuts).');
}
