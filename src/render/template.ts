import crypto from 'node:crypto';
import { ErrorCode, HeraldError } from '../errors';

/**
 * herald's template syntax, deliberately logic-less:
 *   {{ var }}  {{ var | "fallback" }}  {{{ content }}}  {{#var}}…{{/var}}  {{^var}}…{{/var}}
 * Post-level values are filled before MJML compiles the template (once per post); recipient
 * values become opaque markers that survive compilation and are filled per subscriber by
 * string concatenation. Substitution is a single pass, so text that comes from a post is never
 * scanned for placeholders again: a `{{ name }}` written in a post reaches the reader literally.
 */
export const POST_VARS = [
  'title', 'summary', 'date', 'date_iso', 'reading_time', 'url', 'newsletter_name', 'site_url', 'postal_address', 'logo_url', 'year', 'content',
  'preferences_page',
] as const;
export const RECIPIENT_VARS = ['name', 'email', 'unsubscribe_url', 'preferences_url'] as const;
export type PostVar = (typeof POST_VARS)[number];
export type RecipientVar = (typeof RECIPIENT_VARS)[number];
export type PostValues = Readonly<Record<PostVar, string>>;
/** preferences_url is empty where there is no preferences page (no https unsubscribe URL, or a preview). */
export type RecipientValues = Readonly<Record<Exclude<RecipientVar, 'preferences_url'>, string>> & { readonly preferences_url?: string };

interface Slot {
  readonly name: RecipientVar;
  readonly fallback: string;
}
/** Compiled output split around recipient slots: fill() joins it in one pass per subscriber. */
export interface Segments {
  readonly parts: readonly (string | Slot)[];
}

const isPostVar = (v: string): v is PostVar => (POST_VARS as readonly string[]).includes(v);
const isRecipientVar = (v: string): v is RecipientVar => (RECIPIENT_VARS as readonly string[]).includes(v);

const SECTION = /\{\{\s*([#^])\s*([a-z_][a-z0-9_]*)\s*\}\}([\s\S]*?)\{\{\s*\/\s*\2\s*\}\}/gi;
const TAG = /\{\{(\{?)\s*([#^/]?)\s*([a-z_][a-z0-9_]*)?\s*(?:\|\s*"([^"]*)"\s*)?(\}?)\}\}/gi;

export interface PreparedTemplate {
  /** Template source with post values in place and recipient markers, ready for MJML. */
  readonly source: string;
  readonly markerPattern: RegExp;
  readonly slots: ReadonlyMap<string, Slot>;
}

export function prepareTemplate(template: string, file: string, values: PostValues, escape: (s: string) => string = escapeHtml): PreparedTemplate {
  const withSections = resolveSections(template, file, values);
  const nonce = crypto.randomBytes(6).toString('hex');
  const slots = new Map<string, Slot>();
  const source = withSections.replace(TAG, (whole, triple: string, sigil: string, name: string | undefined, fallback: string | undefined, close: string, offset: number) => {
    const fail = (message: string, hint?: string): never => {
      throw new HeraldError(ErrorCode.ETEMPLATE, message, { location: { file, line: lineAt(withSections, offset) }, hint });
    };
    if (sigil) return fail(`"${whole}" has no matching section`, 'Close every {{#name}} with {{/name}}.');
    if (!name) return fail(`"${whole}" names no variable`);
    if (Boolean(triple) !== Boolean(close)) return fail(`"${whole}" has unbalanced braces`);
    if (triple) {
      if (name !== 'content') return fail(`only {{{ content }}} may be inserted without escaping, not "${name}"`, 'Use {{ name }} for other values.');
      return values.content;
    }
    if (isPostVar(name)) {
      if (name === 'content') return fail('{{ content }} would show the HTML as text', 'Write {{{ content }}} with three braces.');
      return escape(values[name] || fallback || '');
    }
    if (isRecipientVar(name)) {
      const marker = `HERALD${nonce}X${slots.size}X`;
      slots.set(marker, { name, fallback: fallback ?? '' });
      return marker;
    }
    return fail(`unknown variable "${name}"`, `Known variables: ${[...POST_VARS, ...RECIPIENT_VARS].join(', ')}.`);
  });
  return { source, slots, markerPattern: new RegExp(`HERALD${nonce}X\\d+X`, 'g') };
}

/** Sections are resolved first; a removed section leaves its newlines so MJML's line numbers still match the file. */
function resolveSections(template: string, file: string, values: PostValues): string {
  let current = template;
  for (let depth = 0; depth < 10; depth++) {
    let changed = false;
    current = current.replace(SECTION, (whole, kind: string, name: string, inner: string, offset: number) => {
      changed = true;
      if (!isPostVar(name)) {
        throw new HeraldError(ErrorCode.ETEMPLATE, `sections work with post values only, not "${name}"`, {
          location: { file, line: lineAt(current, offset) },
        });
      }
      const present = values[name].trim() !== '';
      const keep = kind === '#' ? present : !present;
      return keep ? inner : '\n'.repeat(whole.split('\n').length - 1);
    });
    if (!changed) break;
  }
  return current;
}

export function splitSegments(output: string, prepared: PreparedTemplate): Segments {
  const parts: (string | Slot)[] = [];
  let last = 0;
  for (const match of output.matchAll(prepared.markerPattern)) {
    parts.push(output.slice(last, match.index));
    parts.push(prepared.slots.get(match[0])!);
    last = match.index + match[0].length;
  }
  parts.push(output.slice(last));
  return { parts };
}

export function fill(segments: Segments, values: RecipientValues, escape: (s: string) => string = escapeHtml): string {
  let out = '';
  for (const part of segments.parts) {
    out += typeof part === 'string' ? part : escape(values[part.name] || part.fallback);
  }
  return out;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
