import type sanitizeHtml from 'sanitize-html';
import { requireDeferring } from '../fast/deferred-require';
import { allowedUrl, IMAGE_SCHEMES, underSite, URL_SCHEMES } from '../url';

/**
 * Markdown to the HTML that goes into an email. marked does not sanitise, so its output goes
 * through an allowlist: no scripts, styles, forms, event handlers, MJML tags or URLs outside
 * http(s)/mailto (see url.ts) can reach a subscriber. Relative links and images become absolute,
 * since an email has no page to be relative to: against the post's own URL (`baseUrl`) as on the
 * site, and root-relative ones against the site (`siteUrl`, which may have a path of its own).
 */
export function markdownToHtml(markdown: string, baseUrl: string, siteUrl: string = baseUrl): string {
  // loaded on first use: an idle run renders nothing and should not pay for them
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Marked } = require('marked') as typeof import('marked');
  // sanitize-html takes postcss's parse as it loads, for style attributes, which are never allowed here
  const sanitize = requireDeferring<typeof sanitizeHtml>('sanitize-html', new Map([['postcss', ['parse']]]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const markedFootnote = require('marked-footnote') as typeof import('marked-footnote').default;
  // smart quotes stay off: marked changes no character the author typed
  const marked = new Marked({ gfm: true, breaks: false, async: false });
  // footnotes at the end with links back; task lists as text, since email clients show no checkboxes
  marked.use(markedFootnote({ footnoteDivider: true, description: 'Notes' }));
  marked.use({ renderer: { checkbox: ({ checked }: { checked: boolean }) => (checked ? '\u2611 ' : '\u2610 ') } });
  const raw = marked.parse(markdown) as string;
  return sanitize(raw, sanitizeOptions(baseUrl, siteUrl));
}

/** HTML from elsewhere (a feed item) through the same allowlist as a markdown post's. */
export function sanitizePostHtml(html: string, baseUrl: string): string {
  const sanitize = requireDeferring<typeof sanitizeHtml>('sanitize-html', new Map([['postcss', ['parse']]]));
  // a feed item's root-relative links are its own server's, at the root
  return sanitize(html, sanitizeOptions(baseUrl, URL.canParse(baseUrl) ? new URL('/', baseUrl).href : baseUrl));
}

const ALLOWED_TAGS = [
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'a', 'img', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins',
  'sub', 'sup', 'small', 'mark', 'abbr', 'code', 'pre', 'kbd', 'blockquote', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'figure', 'figcaption', 'span', 'div',
];

/** The only ids kept: a footnote's and its reference's, so the links between them work where a client allows. */
const FOOTNOTE_ID = /^footnote-(ref-)?[\w-]{1,60}$/;

const HTML_NESTING_LIMIT = 100;

function footnoteId(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  if (attribs['id'] === undefined || FOOTNOTE_ID.test(attribs['id'])) return attribs;
  const { id: _dropped, ...rest } = attribs;
  return rest;
}

function sanitizeOptions(baseUrl: string, siteUrl: string): sanitizeHtml.IOptions {
  // a URL outside the allowlist loses its attribute (the link text or alt text stays)
  const withUrl = (attribs: sanitizeHtml.Attributes, name: string, image: boolean): sanitizeHtml.Attributes => {
    if (attribs[name] === undefined) return attribs;
    const { [name]: value, ...rest } = attribs;
    const url = allowedUrl(underSite(value!, siteUrl), baseUrl, { image });
    return url === undefined ? rest : { ...rest, [name]: url };
  };
  const schemes = (list: readonly string[]): string[] => list.map((s) => s.replace(/:$/, ''));
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'id'],
      li: ['id'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      code: ['class'],
      ol: ['start'],
      abbr: ['title'],
    },
    allowedClasses: { code: [/^language-[\w+-]+$/] },
    allowedSchemes: schemes(URL_SCHEMES),
    allowedSchemesByTag: { img: schemes(IMAGE_SCHEMES) },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // raw HTML nested deeper loses its tags (the text stays): MJML's parsers recurse per level
    nestingLimit: HTML_NESTING_LIMIT,
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: withUrl(footnoteId(attribs), 'href', false) }),
      li: (tagName, attribs) => ({ tagName, attribs: footnoteId(attribs) }),
      // the footnotes' wrapper: a plain block, as every email client knows it
      section: 'div',
      img: (tagName, attribs) => ({ tagName, attribs: withUrl(attribs, 'src', true) }),
    },
  };
}
