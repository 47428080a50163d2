import crypto from 'node:crypto';
import { scanHtml } from './html-scan';

/**
 * MJML tolerates templates that lose content: a misspelt closing tag (`</mj-txt>`), an unclosed
 * `<mj-text>`, an unknown tag, or `{{{ content }}}` in a section, a comment or a hidden element
 * all compile without a complaint and mail an email with no post in it, or no way to leave the
 * list. So every compiled email is checked, once per post: the post's content, fenced by two
 * markers placed around it before compiling, must be in text a reader sees, and the unsubscribe
 * link must be the href of a visible link. A fault stops that post; nothing is mailed with it.
 */
export type Fault =
  | { readonly kind: 'content' }
  | { readonly kind: 'unsubscribe' }
  /** An MJML tag reached the HTML as it was written: something before it swallowed it. */
  | { readonly kind: 'uncompiled'; readonly tag: string };

/** Text markers around the post's content; random per render, so no post can forge them. */
export interface ContentMarkers {
  readonly start: string;
  readonly end: string;
}

export function contentMarkers(): ContentMarkers {
  const nonce = crypto.randomBytes(6).toString('hex');
  return { start: `HERALDCONTENT${nonce}START`, end: `HERALDCONTENT${nonce}END` };
}

/** The compiled HTML without the content markers, as it is mailed. */
export function withoutMarkers(html: string, markers: ContentMarkers): string {
  return html.split(markers.start).join('').split(markers.end).join('');
}

// zero-width and non-breaking characters (and their entities) are not text a reader can click
const INVISIBLE = /\s|&(?:nbsp|zwnj|zwj|#160|#xa0|#8199|#847|#8203|#x200b);|[\u00a0\u034f\u2007\u200b-\u200d\ufeff]/gi;

/**
 * Checks a compiled email: the content markers in shown text, in order; an `<a>` whose href
 * starts with one of `unsubscribe` (the markers of the unsubscribe_url placeholder) and that has
 * visible text or an image with alt text; and no MJML tag left uncompiled.
 */
export function verifyEmail(html: string, content: ContentMarkers, unsubscribe: readonly string[]): Fault[] {
  let startSeen = false;
  let contentShown = false;
  let unsubscribeShown = false;
  let uncompiled: string | undefined;
  let linkText: string | undefined;
  const noteMjml = (name: string): void => {
    if (!uncompiled && (name === 'mjml' || name.startsWith('mj-'))) uncompiled = name;
  };
  scanHtml(html, {
    text(text, shown) {
      if (!shown) return;
      if (linkText !== undefined) linkText += text;
      if (contentShown) return;
      const start = startSeen ? -1 : text.indexOf(content.start);
      if (start >= 0) startSeen = true;
      if (startSeen && text.indexOf(content.end, Math.max(0, start)) >= 0) contentShown = true;
    },
    open(name, attr, shown) {
      noteMjml(name);
      if (!shown) return;
      if (name === 'a') {
        const href = (attr('href') ?? '').trim();
        linkText = unsubscribe.some((marker) => href.startsWith(marker)) ? '' : undefined;
      } else if (name === 'img' && linkText !== undefined) {
        linkText += attr('alt') ?? '';
      }
    },
    close(name) {
      noteMjml(name);
      if (name !== 'a' || linkText === undefined) return;
      if (linkText.replace(INVISIBLE, '') !== '') unsubscribeShown = true;
      linkText = undefined;
    },
  });
  const faults: Fault[] = [];
  if (!contentShown) faults.push({ kind: 'content' });
  if (!unsubscribeShown) faults.push({ kind: 'unsubscribe' });
  if (uncompiled) faults.push({ kind: 'uncompiled', tag: uncompiled });
  return faults;
}

/** What a template fault means for the reader, where in the template it likely comes from, and what to do. */
export interface FaultReport {
  readonly message: string;
  readonly line?: number;
  readonly hint: string;
}

/**
 * Describes faults for the author. `subject` names what would have been mailed ("posts/a.md",
 * "a post"). The cause is looked for in the template's own source: an MJML tag closed wrongly or
 * never, else the line of the placeholder that did not arrive.
 */
export function describeFaults(faults: readonly Fault[], source: string, subject: string): FaultReport {
  const lost: string[] = [];
  const causes: string[] = [];
  const hints: string[] = [];
  let line: number | undefined;
  const tags = unbalancedMjmlTag(source);
  if (tags) {
    // the location carries its line; the other lines are named in the message
    causes.push(tags.message);
    line = tags.line;
    hints.push('Close every MJML tag with its own name (<mj-text> … </mj-text>).');
  }
  for (const fault of faults) {
    if (fault.kind === 'content') {
      lost.push('its content');
      const at = CONTENT_PLACEHOLDER.exec(source);
      if (!at) causes.push('the template has no {{{ content }}}');
      else if (!tags) causes.push(`{{{ content }}} on line ${lineAt(source, at.index)} does not reach the email (inside a section that leaves it out, a comment, a hidden element, the <mj-head> or an attribute?)`);
      line ??= at ? lineAt(source, at.index) : undefined;
      if (!tags) hints.push('Put {{{ content }}} inside an <mj-text> in the <mj-body>.');
    } else if (fault.kind === 'unsubscribe') {
      lost.push('a visible unsubscribe link');
      const at = UNSUBSCRIBE_PLACEHOLDER.exec(source);
      if (!at) causes.push('the template has no {{ unsubscribe_url }}');
      else if (!tags) causes.push(`{{ unsubscribe_url }} on line ${lineAt(source, at.index)} is not the href of a link with visible text in the email`);
      line ??= at ? lineAt(source, at.index) : undefined;
      if (!tags) hints.push('Give every email a visible link: <a href="{{ unsubscribe_url }}">Unsubscribe</a> inside an <mj-text>.');
    } else {
      causes.push(`MJML left <${fault.tag}> uncompiled in the email`);
    }
  }
  const what = lost.length ? `${subject} would be mailed without ${lost.join(' and without ')}` : `${subject} would be mailed with part of the template missing`;
  return { message: `${what}: ${causes.join('; ')}`, line, hint: [...new Set(hints)].join(' ') || 'Fix the template.' };
}

const CONTENT_PLACEHOLDER = /\{\{\{\s*content\s*\}\}\}/;
const UNSUBSCRIBE_PLACEHOLDER = /\{\{\s*unsubscribe_url\s*(?:\|[^}]*)?\}\}/;
const MJML_TAG = /<(\/?)(mjml|mj-[\w-]+)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>/gi;

/**
 * The first MJML tag in a template that is closed by another name, or not at all, with its line.
 * Only MJML's own tags are followed: the HTML inside <mj-text> and the like is MJML's to keep.
 */
export function unbalancedMjmlTag(source: string): { line: number; message: string } | undefined {
  // comments are blanked, not removed, so offsets still give the file's lines
  const text = source.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
  const open: { name: string; line: number }[] = [];
  for (const m of text.matchAll(MJML_TAG)) {
    const name = m[2]!.toLowerCase();
    const line = lineAt(text, m.index);
    if (m[4]) continue;
    if (!m[1]) {
      open.push({ name, line });
      continue;
    }
    const top = open[open.length - 1];
    if (top?.name === name) {
      open.pop();
      continue;
    }
    if (!top) return { line, message: `</${name}> closes nothing` };
    if (open.some((o) => o.name === name)) return { line: top.line, message: `<${top.name}> is not closed (</${name}> on line ${line} comes first)` };
    return { line, message: `</${name}> does not close <${top.name}> (line ${top.line})` };
  }
  const last = open[open.length - 1];
  return last ? { line: last.line, message: `<${last.name}> is never closed` } : undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
