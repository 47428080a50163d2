/**
 * One pass over compiled email HTML, telling for each piece of text and each tag whether a
 * reader can see it: only what is in the <body>, outside comments (Outlook's conditional ones
 * included), outside <style>, <script> and <title>, and outside any element hidden with
 * `display:none`, `visibility:hidden` or the `hidden` attribute. MJML's output is well-formed,
 * so a small tokenizer is enough; no DOM is built.
 */
export interface HtmlVisitor {
  text?(text: string, shown: boolean): void;
  /** `attr` reads an attribute of the tag (parsed only when asked: most tags are only counted). */
  open?(name: string, attr: (name: string) => string | undefined, shown: boolean): void;
  close?(name: string): void;
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['style', 'script', 'title', 'textarea']);
const TAG_START = /<(\/?)([A-Za-z][^\s/>]*)/y;
const ATTR = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
/** A cheap first look, so that only the few tags that may hide their content have their attributes parsed. */
const MAYBE_HIDDEN = /hidden|none/i;
const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)/i;

export function scanHtml(html: string, visit: HtmlVisitor): void {
  let at = 0;
  let inBody = false;
  /** The outermost hidden element still open, and how many of its name are open inside it. */
  let hidden: { name: string; depth: number } | undefined;
  while (at < html.length) {
    const lt = html.indexOf('<', at);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > at) visit.text?.(html.slice(at, textEnd), inBody && !hidden);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      at = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const end = html.indexOf('>', lt);
      at = end < 0 ? html.length : end + 1;
      continue;
    }
    TAG_START.lastIndex = lt;
    const start = TAG_START.exec(html);
    if (!start) {
      visit.text?.('<', inBody && !hidden);
      at = lt + 1;
      continue;
    }
    const end = tagEnd(html, lt + start[0].length);
    const name = start[2]!.toLowerCase();
    at = end + 1;
    if (start[1]) {
      visit.close?.(name);
      if (hidden?.name === name && --hidden.depth === 0) hidden = undefined;
      if (name === 'body') inBody = false;
      continue;
    }
    const inner = html.slice(lt + start[0].length, end);
    let attrs: Map<string, string> | undefined;
    const attr = (attrName: string): string | undefined => (attrs ??= parseAttributes(inner)).get(attrName);
    const opens = !VOID.has(name) && !inner.trimEnd().endsWith('/');
    if (name === 'body') inBody = true;
    visit.open?.(name, attr, inBody && !hidden);
    if (!opens) continue;
    if (hidden?.name === name) hidden.depth++;
    else if (!hidden && MAYBE_HIDDEN.test(inner) && (attr('hidden') !== undefined || HIDDEN_STYLE.test(attr('style') ?? ''))) hidden = { name, depth: 1 };
    if (RAW_TEXT.has(name)) {
      const close = new RegExp(`</${name}`, 'ig');
      close.lastIndex = at;
      const stop = close.exec(html)?.index ?? html.length;
      visit.text?.(html.slice(at, stop), false);
      at = stop;
    }
  }
}

/** The index of the ">" that ends a tag, skipping quoted attribute values. */
function tagEnd(html: string, from: number): number {
  const gt = html.indexOf('>', from);
  if (gt < 0) return html.length;
  // the usual tag: no quote before its first ">", so that ">" ends it
  const head = html.slice(from, gt);
  if (!head.includes('"') && !head.includes("'")) return gt;
  let quote = '';
  for (let i = from; i < html.length; i++) {
    const c = html[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i;
    }
  }
  return html.length;
}

function parseAttributes(inner: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of inner.matchAll(ATTR)) {
    const name = m[1]!.toLowerCase();
    if (!attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}
