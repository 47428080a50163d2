/**
 * Just enough MIME to read a report: headers (unfolded), the structure of multipart bodies, and
 * each leaf's content decoded from base64 or quoted-printable. A bounce's parts are its meaning
 * (the delivery-status block, the quoted original), so they are walked by their types rather than
 * flattened into one text. Bounded in depth and width: a crafted message cannot make it recurse
 * or loop without end.
 */
export interface MimePart {
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Lower-case type/subtype; text/plain when absent (RFC 2045). */
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  /** The decoded content of a leaf; empty for a multipart. */
  readonly body: Buffer;
  readonly parts: readonly MimePart[];
}

const MAX_DEPTH = 8;
const MAX_PARTS = 64;

export function header(part: Pick<MimePart, 'headers'>, name: string): string | undefined {
  return part.headers.get(name.toLowerCase())?.[0];
}

/** A message's header block and body; undefined when the bytes do not start with a header block. */
export function splitMessage(raw: Buffer): { headers: Map<string, string[]>; body: Buffer } | undefined {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const headText = match ? text.slice(0, match.index) : text;
  const headers = parseHeaders(headText);
  if (!headers) return undefined;
  return { headers, body: match ? raw.subarray(match.index + match[0].length) : Buffer.alloc(0) };
}

/** Header lines unfolded, names in lower case; undefined when a line is neither a field nor a continuation. */
export function parseHeaders(text: string): Map<string, string[]> | undefined {
  const headers = new Map<string, string[]>();
  let last: { name: string; value: string } | undefined;
  const flush = (): void => {
    if (!last) return;
    const list = headers.get(last.name) ?? [];
    list.push(last.value.trim());
    headers.set(last.name, list);
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const field = /^([!-9;-~]+):(.*)$/.exec(line);
    if (!field) {
      if (line.trim() === '' && !last) continue;
      return undefined;
    }
    flush();
    last = { name: field[1]!.toLowerCase(), value: field[2]! };
  }
  flush();
  return headers.size ? headers : undefined;
}

export function parseMime(raw: Buffer, depth = 0, budget = { parts: 0 }): MimePart | undefined {
  const split = splitMessage(raw);
  if (!split) return undefined;
  return partOf(split.headers, split.body, depth, budget);
}

function partOf(headers: Map<string, string[]>, body: Buffer, depth: number, budget: { parts: number }): MimePart {
  const { type, params } = contentType(headers.get('content-type')?.[0]);
  budget.parts++;
  if (type.startsWith('multipart/') && params.boundary && depth < MAX_DEPTH) {
    const parts: MimePart[] = [];
    for (const piece of splitMultipart(body, params.boundary)) {
      if (budget.parts >= MAX_PARTS) break;
      const split = splitMessage(piece) ?? { headers: new Map<string, string[]>(), body: stripLeadingBlank(piece) };
      parts.push(partOf(split.headers, split.body, depth + 1, budget));
    }
    return { headers, type, params, body: Buffer.alloc(0), parts };
  }
  return { headers, type, params, body: decode(body, headers.get('content-transfer-encoding')?.[0]), parts: [] };
}

function stripLeadingBlank(piece: Buffer): Buffer {
  const text = piece.toString('latin1');
  const lead = /^\r?\n/.exec(text);
  return lead ? piece.subarray(lead[0].length) : piece;
}

export function contentType(value: string | undefined): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} };
  const [first, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const m of rest.join(';').matchAll(/([^=;\s]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;\s]*)/g)) {
    params[m[1]!.toLowerCase()] = m[3] ?? m[2]!;
  }
  return { type: (first ?? '').trim().toLowerCase() || 'text/plain', params };
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const pieces: Buffer[] = [];
  let start = -1;
  let offset = 0;
  for (const line of text.split('\n')) {
    const bare = line.replace(/\r$/, '').trimEnd();
    const lineStart = offset;
    offset += line.length + 1;
    if (bare !== delimiter && bare !== `${delimiter}--`) continue;
    if (start >= 0) pieces.push(body.subarray(start, Math.max(start, lineStart - 1)));
    if (bare.endsWith('--') && bare !== delimiter) return pieces;
    start = offset;
  }
  // no closing delimiter: what was opened still counts, a truncated report is still a report
  if (start >= 0 && start < body.length) pieces.push(body.subarray(start));
  return pieces;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable': {
      const text = body.toString('latin1').replace(/=\r?\n/g, '');
      return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    }
    default:
      return body;
  }
}

/** Encoded words (RFC 2047) in a header value, decoded for reading (subjects of auto-replies). */
export function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset: string, kind: string, data: string) => {
    const bytes = kind.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    return /^utf-?8$/i.test(charset) ? bytes.toString('utf8') : bytes.toString('latin1');
  });
}

/** Every leaf, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(leaves) : [part];
}
