/** Coercions from loosely typed front-matter values to the fields herald uses. */

export function pickString(meta: Readonly<Record<string, unknown>>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = meta[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** undefined when absent; throws a plain message when present but not a boolean. */
export function pickBoolean(meta: Readonly<Record<string, unknown>>, key: string): boolean | undefined {
  const value = meta[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new Error(`"${key}" must be true or false, not "${String(value)}"`);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_LOCAL_DATETIME_FULL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/**
 * Dates without a zone are read in the local time zone of the machine (TZ), as static site
 * generators do; a date without a time means the start of that day.
 */
export function parsePostDate(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('is not a valid date');
    // a TOML date or date-time without a zone means local time, like a YAML or Pelican one
    if (isLocalTomlDate(value)) return parsePostDate(value.toISOString().replace(/Z$/, ''));
    return new Date(value.getTime());
  }
  const text = String(value).trim();
  const date = ISO_DATE.exec(text);
  if (date) return localDate(text, Number(date[1]), Number(date[2]), Number(date[3]), 0, 0, 0);
  const local = ISO_LOCAL_DATETIME_FULL.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s] = local;
    return localDate(text, Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0));
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new Error(`"${text}" is not a date herald understands; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+ZONE`);
  return new Date(parsed);
}

/** Builds a local date and refuses the ones JavaScript would silently roll over (30 February). */
function localDate(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): Date {
  const date = new Date(y, mo - 1, d, h, mi, s);
  const exact = date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d && date.getHours() === h && date.getMinutes() === mi;
  if (!exact || s > 59) throw new Error(`"${text}" is not a valid date`);
  return date;
}

/** smol-toml's TomlDate, recognised without loading the TOML parser. */
function isLocalTomlDate(value: Date): boolean {
  const isLocal = (value as Date & { isLocal?: () => boolean }).isLocal;
  return typeof isLocal === 'function' && isLocal.call(value);
}

/** A template is a file directly in templates/, named without a path. */
export function isTemplateName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) && !name.includes('..');
}

/**
 * One segment of a slug or id: letters and digits of any script, `-`, `_`, `.` and `~`, not
 * starting with a dot, at most 200 characters. Such a name is the same in a URL, a file name and a
 * folder name on every system, and can never be `.` or `..`.
 */
const SAFE_SEGMENT = /^[\p{L}\p{N}\p{M}_~-][\p{L}\p{N}\p{M}._~-]{0,199}$/u;

/** Throws a plain message when an explicit `slug:` (one segment) or `id:` (segments joined by `/`) is not path-safe. */
export function checkIdentity(value: string, key: 'slug' | 'id'): string {
  const segments = key === 'id' ? value.split('/') : [value];
  if (segments.every((s) => SAFE_SEGMENT.test(s))) return value;
  throw new Error(
    `"${value}" is not a usable ${key}: use letters, digits, "-", "_", "." and "~"${key === 'id' ? ' (and "/" between parts)' : ''}, not starting with "."`,
  );
}

/**
 * Words from front matter that may be a list or one string: `tags: [a, b]`, `tags: a, b` (Pelican
 * writes them so) or `categories: a`. Each word once, in order; undefined when none.
 */
export function pickWords(meta: Readonly<Record<string, unknown>>, ...keys: string[]): string[] | undefined {
  const words: string[] = [];
  for (const key of keys) {
    const value = meta[key];
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[,;|]/) : typeof value === 'number' ? [value] : [];
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number') throw new Error(`"${key}" must be a word or a list of words`);
      const word = String(item).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
      if (word && !words.includes(word)) words.push(word.slice(0, 100));
    }
  }
  return words.length ? words : undefined;
}

/** `audience: all`, or the topic names a post is meant for; undefined when absent. */
export function pickAudience(meta: Readonly<Record<string, unknown>>): 'all' | string[] | undefined {
  const words = pickWords(meta, 'audience');
  if (words && words.some((w) => w.toLowerCase() === 'all')) {
    if (words.length > 1) throw new Error('"all" already means everyone; name no topics beside it');
    return 'all';
  }
  return words;
}
