import { ErrorCode, HeraldError } from '../errors';

/** Metadata keys recognised in Pelican / MultiMarkdown style `Key: Value` headers. */
const KNOWN_KEYS = new Set([
  'title', 'date', 'modified', 'slug', 'id', 'summary', 'excerpt', 'description', 'preheader', 'subtitle',
  'draft', 'status', 'published', 'template', 'tags', 'tag', 'category', 'categories', 'author', 'authors',
  'lang', 'newsletter', 'url', 'permalink', 'save_as', 'keywords', 'series', 'publishdate', 'pubdate',
]);
/** How far down a `Key: Value` block may start (a breadcrumb line or two may sit above it). */
const METADATA_SEARCH_LINES = 8;

export type FrontMatterFormat = 'yaml' | 'toml' | 'pelican' | 'none';

export interface SplitPost {
  readonly format: FrontMatterFormat;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly body: string;
  /** 1-based line of the file where the body starts, for messages about the body. */
  readonly bodyLine: number;
}

/**
 * Separates metadata from the markdown body. Front matter is parsed as data only: YAML with the
 * core schema and TOML; a `---js` block (which some tools evaluate as code) is refused.
 * `text` must already be free of a BOM and use LF line endings.
 */
export function splitFrontMatter(text: string, file: string): SplitPost {
  const lines = text.split('\n');
  const first = lines[0]?.trim() ?? '';
  if (first === '---') return fenced(lines, /^(---|\.\.\.)\s*$/, 'yaml', file);
  if (first === '+++') return fenced(lines, /^\+\+\+\s*$/, 'toml', file);
  if (/^---\s*\S/.test(first)) {
    throw new HeraldError(ErrorCode.EPOST, `front matter of type "${first.slice(3).trim()}" is not supported`, {
      location: { file, line: 1 },
      hint: 'Use YAML (---) or TOML (+++) front matter; herald never runs code found in a post.',
    });
  }
  return pelican(lines) ?? { format: 'none', meta: {}, body: text, bodyLine: 1 };
}

function fenced(lines: string[], close: RegExp, format: 'yaml' | 'toml', file: string): SplitPost {
  const end = lines.findIndex((line, i) => i > 0 && close.test(line));
  if (end < 0) {
    throw new HeraldError(ErrorCode.EPOST, `front matter opened on line 1 is never closed`, {
      location: { file, line: 1 },
      hint: `Add a line with ${format === 'yaml' ? '---' : '+++'} after the metadata.`,
    });
  }
  const source = lines.slice(1, end).join('\n');
  const meta = format === 'yaml' ? parseYamlBlock(source, file) : parseTomlBlock(source, file);
  return { format, meta, body: lines.slice(end + 1).join('\n'), bodyLine: end + 2 };
}

// the parsers load on first use: most folders use one front-matter format, some none
/* eslint-disable @typescript-eslint/no-require-imports */
function parseYamlBlock(source: string, file: string): Record<string, unknown> {
  const { parse: parseYaml, YAMLParseError } = require('yaml') as typeof import('yaml');
  let value: unknown;
  try {
    value = parseYaml(source, { schema: 'core', maxAliasCount: 50, uniqueKeys: false, logLevel: 'error' });
  } catch (err) {
    const line = err instanceof YAMLParseError && err.linePos ? err.linePos[0].line + 1 : undefined;
    throw new HeraldError(ErrorCode.EPOST, `YAML front matter is broken: ${firstLine(err)}`, {
      location: { file, line },
      hint: 'Quote values that contain a colon, e.g. title: "Part 2: the return".',
    });
  }
  return asRecord(value, file);
}

function parseTomlBlock(source: string, file: string): Record<string, unknown> {
  const { parse: parseToml, TomlError } = require('smol-toml') as typeof import('smol-toml');
  try {
    return asRecord(parseToml(source), file);
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    const line = err instanceof TomlError ? err.line + 1 : undefined;
    throw new HeraldError(ErrorCode.EPOST, `TOML front matter is broken: ${firstLine(err)}`, {
      location: { file, line },
      hint: 'Strings need quotes in TOML, e.g. title = "My post".',
    });
  }
}

/* eslint-enable @typescript-eslint/no-require-imports */

function asRecord(value: unknown, file: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HeraldError(ErrorCode.EPOST, 'front matter must be a set of "key: value" pairs', {
      location: { file, line: 2 },
    });
  }
  return value as Record<string, unknown>;
}

const KEY_VALUE = /^([A-Za-z][A-Za-z0-9_ -]{0,30}):\s*(.*)$/;

/**
 * Pelican / MultiMarkdown metadata: consecutive `Key: Value` lines near the top, where at least
 * the first key is a known one. Free lines above the block (a breadcrumb, a tagline) are not part
 * of the post; the block ends at the first line that is not `Key: Value`.
 */
function pelican(lines: string[]): SplitPost | undefined {
  const limit = Math.min(lines.length, METADATA_SEARCH_LINES + 1);
  for (let start = 0; start < limit; start++) {
    const match = KEY_VALUE.exec(lines[start] ?? '');
    if (!match || !KNOWN_KEYS.has(normaliseKey(match[1]!))) continue;
    const meta: Record<string, unknown> = {};
    let end = start;
    for (; end < lines.length; end++) {
      const kv = KEY_VALUE.exec(lines[end]!);
      if (!kv) break;
      meta[normaliseKey(kv[1]!)] = kv[2]!.trim();
    }
    return { format: 'pelican', meta, body: lines.slice(end).join('\n'), bodyLine: end + 1 };
  }
  return undefined;
}

export function normaliseKey(key: string): string {
  return key.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
