/**
 * Whitespace out of compiled email HTML, without changing how it renders. MJML's own minifier
 * needs cssnano, which fails on the Node versions herald supports, and a general minifier would
 * have to understand every template; this does only what is safe in any HTML: outside <pre> and
 * <textarea> (where white space is the content), a run of white space that holds a line break
 * becomes one line break (a browser shows either as one space), and around block elements and
 * table parts none is left; inside <style> blocks and style attributes the spaces around CSS
 * punctuation and the last semicolon of a rule go, and <style> loses its `type` (CSS is the default).
 */
export function minifyHtml(html: string): string {
  html = withoutAutoSizes(html);
  let out = '';
  let last = 0;
  for (const m of html.matchAll(KEPT)) {
    out += squeeze(html.slice(last, m.index));
    out += squeezeStyles(m[1]!) + m[3]!;
    last = m.index + m[0].length;
  }
  return out + squeeze(html.slice(last));
}

// whole elements whose inner white space is kept as written
const KEPT = /(<(pre|textarea)\b[^>]*>)([\s\S]*?<\/\2\s*>)/gi;

function squeeze(part: string): string {
  const squeezed = part
    // a table's rows imply its tbody; MJML writes one into each of its many layout tables
    .replace(/<\/?tbody>/gi, '')
    .replace(/[ \t\r\f]*\n\s*/g, '\n')
    .replace(BETWEEN_TAGS, (all, before: string | undefined, after: string | undefined) => (isBlock(before) || isBlock(after) ? all.slice(0, -1) : all))
    .replace(/(<style\b[^>]*>)([\s\S]*?)(<\/style>)/gi, (_all, open: string, css: string, close: string) => open.replace(/\s+type="text\/css"/i, '') + squeezeCss(css) + close);
  return squeezeStyles(squeezed);
}

/** Style attributes, in tags only: the same words in a post's text are the post's. */
function squeezeStyles(html: string): string {
  return html.replace(/<[a-zA-Z][^<>]*\sstyle="[^"]*"[^<>]*>/g, (tag) =>
    tag.replace(/(\sstyle=")([^"]*)"/gi, (_all, open: string, css: string) => `${open}${squeezeDeclarations(css)}"`));
}

// a line break between two tags: the name of the tag before it (open or close) and after it
const BETWEEN_TAGS = /<\/?([a-z][a-z0-9]*)\b[^<>]*>\n(?=<\/?([a-z][a-z0-9]*)\b)/gi;
/**
 * Elements laid out as blocks or table parts in every client: white space just inside or around
 * them starts or ends a line, where a browser drops it. (Not div: a template may lay divs out
 * inline, as MJML's columns are, where a space between two of them can show.)
 */
const BLOCKS = new Set(['html', 'head', 'body', 'meta', 'title', 'style', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th',
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'hr', 'br']);
const isBlock = (name: string | undefined): boolean => name !== undefined && BLOCKS.has(name.toLowerCase());

/**
 * Spaces around `{`, `}`, `;` and `,`, and after a property's colon, carry no meaning in CSS
 * outside strings and comments, which email CSS has none of.
 */
function squeezeCss(css: string): string {
  return css
    .replace(/\s*([{};,])\s*/g, '$1')
    .replace(/([{;][\w-]+):\s+/g, '$1:')
    .replace(/;\}/g, '}')
    .trim();
}

/** `a: b, c; d: e;` → `a:b,c;d:e;`: a style attribute's declarations, which hold no strings with these either. */
function squeezeDeclarations(css: string): string {
  return css.replace(/\s*([;,])\s*/g, '$1').replace(/^\s+|;?\s*$/g, '').replace(/^([\w-]+)\s*:\s*|;([\w-]+)\s*:\s*/g, (_m, a?: string, b?: string) => (a ? `${a}:` : `;${b}:`));
}

/**
 * MJML's inliner turns `height: auto` in a style into `height="auto"` on the element, which is no
 * valid HTML size (only pixels are) and which some clients read as 0; the CSS beside it stays.
 */
function withoutAutoSizes(html: string): string {
  return html.replace(/<img\b[^>]*>/gi, (tag) => tag.replace(/\s(?:height|width)="auto"/gi, ''));
}
