import type sanitizeHtml from 'sanitize-html';
import { requireDeferring } from '../deferred-require';

/**
 * Markdown to the HTML that goes into an email. marked does not sanitise, so its output goes
 * through an allowlist: no scripts, styles, forms, event handlers, MJML tags or javascript: URLs
 * can reach a subscriber. Relative links and images become absolute against the site URL, since
 * an email has no page to be relative to.
 */
export function markdownToHtml(markdown: string, baseUrl: string): string {
  // loaded on first use: an idle run renders nothing and should not pay for them
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Marked } = require('marked') as typeof import('marked');
  // sanitize-html takes postcss's parse as it loads, for style attributes, which are never allowed here
  const sanitize = requireDeferring<typeof sanitizeHtml>('sanitize-html', new Map([['postcss', ['parse']]]));
  const marked = new Marked({ gfm: true, breaks: false, async: false });
  const raw = marked.parse(markdown) as string;
  return sanitize(raw, sanitizeOptions(baseUrl));
}

const ALLOWED_TAGS = [
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'a', 'img', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins',
  'sub', 'sup', 'small', 'mark', 'abbr', 'code', 'pre', 'kbd', 'blockquote', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'figure', 'figcaption', 'span', 'div', 'input',
];

function sanitizeOptions(baseUrl: string): sanitizeHtml.IOptions {
  const absolute = (value: string | undefined): string | undefined => (value ? absoluteUrl(value, baseUrl) : value);
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      code: ['class'],
      ol: ['start'],
      input: ['type', 'checked', 'disabled'],
      abbr: ['title'],
    },
    allowedClasses: { code: [/^language-[\w+-]+$/] },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs['type'] !== 'checkbox',
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, ...(attribs['href'] ? { href: absolute(attribs['href'])! } : {}) } }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, ...(attribs['src'] ? { src: absolute(attribs['src'])! } : {}) } }),
    },
  };
}

/** Anchors (#x) and URLs with a scheme are kept; anything else is resolved against the site. */
export function absoluteUrl(value: string, baseUrl: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return trimmed;
  try {
    return new URL(trimmed, baseUrl).toString();
  } catch {
    return trimmed;
  }
}
