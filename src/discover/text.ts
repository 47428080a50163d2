import { ErrorCode, HeraldError } from '../errors';

/**
 * What makes a file a post herald can mail: UTF-8 text, no control characters, container
 * nesting within a bound. Each refusal names the line, so the author can find it; the rest of
 * the folder goes on.
 */

/** Control characters a text file has no use for: C0 except tab, line feed, form feed and carriage return, and DEL. */
const STRAY_CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;
/** marked recurses once per level of blockquote and list; far below where its stack runs out. */
export const MAX_NESTING = 100;

/** The file's text (no BOM, LF endings), or an EPOST naming the line of the first byte that is not text. */
export function decodePostText(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    throw new HeraldError(ErrorCode.EPOST, `is not UTF-8 text (the bytes at offset ${at} are not valid UTF-8); it is not sent`, {
      location: { file, line: lineOfOffset(bytes, at) },
      hint: looksBinary(bytes) ? 'It looks like a binary file: move it out of posts/ or give it another extension.' : 'Save the post as UTF-8.',
    });
  }
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const stray = STRAY_CONTROL.exec(text);
  if (stray) {
    const line = text.slice(0, stray.index).split('\n').length;
    const binary = stray[0] === '\u0000';
    throw new HeraldError(ErrorCode.EPOST, `${binary ? 'contains a NUL byte' : `contains the control character U+${codePoint(stray[0])}`}; it is not sent`, {
      location: { file, line },
      hint: binary ? 'It looks like a binary file: move it out of posts/ or give it another extension.' : 'Delete the invisible character on that line.',
    });
  }
  return text;
}

/** 1-based line, relative to the text, of the first line nested deeper than MAX_NESTING; undefined when none is. */
export function tooDeepLine(text: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (containerDepth(lines[i]!) > MAX_NESTING) return i + 1;
  }
  return undefined;
}

/** Blockquote and list markers opening a line (`> > - 1. `), each a level marked recurses into. */
function containerDepth(line: string): number {
  let depth = 0;
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    const c = line[i];
    if (c === '>') {
      i++;
    } else if ((c === '-' || c === '*' || c === '+') && (line[i + 1] === ' ' || line[i + 1] === '\t')) {
      i++;
    } else {
      const ordered = /^\d{1,9}[.)][ \t]/.exec(line.slice(i, i + 11));
      if (!ordered) return depth;
      i += ordered[0].length - 1;
    }
    depth++;
  }
}

/** Control characters a one-line field (title, summary, slug…) must not carry into a header or a path. */
const FIELD_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A one-line field as it goes into headers and paths: line breaks and tabs (a folded YAML summary)
 * become single spaces; any other control character (only a YAML or TOML escape such as "\0" can
 * put one there) is refused, as a plain message for the caller to locate.
 */
export function oneLine(value: string): string {
  // split, not one replace with spaces around the break: that pattern backtracks on long runs of spaces
  const flat = value.split(/[\t\n\r\f\v\u2028\u2029]/).map((part) => part.trim()).filter(Boolean).join(' ');
  const bad = FIELD_CONTROL.exec(flat);
  if (bad) throw new Error(`contains the control character U+${codePoint(bad[0])}; remove it`);
  return flat;
}

function codePoint(c: string): string {
  return c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

/** The offset at which decoding first fails: the first byte that cannot start or continue a UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  // only on the way to an error: a binary search for the longest prefix that still decodes
  const valid = (n: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (valid(mid)) good = mid;
    else bad = mid;
  }
  return bad - 1;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The usual heuristic (git's, file(1)'s): a NUL in the first 8 KB. */
function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}
