import { Splitter, type MimeNode, type SplitterChunk } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { finished, Readable, type Transform } from 'node:stream';

/**
 * A report read as its MIME parts. A bounce's parts are its meaning (the delivery-status block,
 * the quoted original), so they are walked by their types rather than flattened into one text.
 * The splitting, the header unfolding and the transfer decoding are mailsplit's (what imapflow
 * and mailparser are built on); a quoted message/rfc822 stays one leaf, its text is what is
 * searched. Bounded: the input is already limited to bounces.maxReportBytes, the parts kept to
 * MAX_PARTS and MAX_DEPTH, and reading stops at the first part past the budget, so a crafted
 * message cannot make it loop or grow without end.
 */
export interface MimePart {
  /** Unfolded values by lower-case name, in the order they appear. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Lower-case type/subtype; text/plain when absent (RFC 2045). */
  readonly type: string;
  /** The decoded content of a leaf; empty for a multipart. */
  readonly body: Buffer;
  readonly parts: readonly MimePart[];
}

const MAX_DEPTH = 8;
const MAX_PARTS = 64;
/** Of one part's header block; mailsplit fails the message past it (a real report's is a few KiB). */
const MAX_HEAD_BYTES = 1024 * 1024;
const PIECE = 16 * 1024;
/** A field name (RFC 5322 2.2): printable ASCII without the colon. */
const FIELD_NAME = /^[!-9;-~]+$/;

export function header(part: Pick<MimePart, 'headers'>, name: string): string | undefined {
  return part.headers.get(name.toLowerCase())?.[0];
}

interface Building {
  readonly node: MimeNode;
  readonly depth: number;
  readonly children: Building[];
  readonly decoded: Buffer[];
  readonly decoder?: Transform;
  readonly decoding?: Promise<void>;
}

/** The message's parts; undefined when the bytes do not start with a header block. */
export function parseMime(raw: Buffer): Promise<MimePart | undefined> {
  return new Promise((resolve, reject) => {
    const splitter = new Splitter({ ignoreEmbedded: true, maxHeadSize: MAX_HEAD_BYTES });
    const kept = new Map<MimeNode, Building>();
    let root: Building | undefined;
    let seen = 0;
    let stopped = false;
    let stop = (): void => undefined;
    const finish = (): void => {
      if (stopped) return;
      stopped = true;
      const all = [...kept.values()];
      for (const b of all) b.decoder?.end();
      Promise.all(all.map((b) => b.decoding))
        .then(() => resolve(root && isHeaderBlock(root.node) ? build(root) : undefined))
        .catch(reject);
    };
    splitter.on('data', (chunk: SplitterChunk) => {
      if (stopped) return;
      if (chunk.type === 'node') {
        if (++seen > MAX_PARTS) {
          // the parts so far are what is read: the rest is not worth the work
          stop();
          finish();
          return;
        }
        const parent = chunk.parentNode ? kept.get(chunk.parentNode) : undefined;
        if (chunk.parentNode && (!parent || parent.depth >= MAX_DEPTH)) return;
        const b = building(chunk, parent ? parent.depth + 1 : 0);
        kept.set(chunk, b);
        if (parent) parent.children.push(b);
        else root = b;
      } else if (chunk.type === 'body') {
        kept.get(chunk.node)?.decoder?.write(chunk.value);
      }
    });
    finished(splitter, (err) => {
      if (!err) finish();
      else if (!stopped) {
        stopped = true;
        const tooLarge = (err as Error & { code?: string }).code === 'EMAXLEN';
        reject(tooLarge ? new Error(`a header block larger than ${MAX_HEAD_BYTES} bytes (each line counted as at least 64)`) : err);
      }
    });
    // fed in pieces, so that stopping early also stops the splitting of what is left
    const source = Readable.from(pieces(raw));
    source.pipe(splitter);
    stop = () => {
      source.destroy();
      splitter.destroy();
    };
  });
}

function* pieces(raw: Buffer): Generator<Buffer> {
  for (let at = 0; at < raw.length; at += PIECE) yield raw.subarray(at, at + PIECE);
}

function building(node: MimeNode, depth: number): Building {
  const decoded: Buffer[] = [];
  if (node.multipart) return { node, depth, children: [], decoded };
  const decoder = node.getDecoder();
  decoder.on('data', (data: Buffer) => decoded.push(data));
  const decoding = new Promise<void>((done, fail) => {
    decoder.on('end', done);
    decoder.on('error', fail);
  });
  return { node, depth, children: [], decoded, decoder, decoding };
}

function build(b: Building): MimePart {
  const { node } = b;
  const valid = isHeaderBlock(node);
  const type = valid ? node.contentType || 'text/plain' : 'text/plain';
  const headers = valid ? headerMap(node) : new Map<string, string[]>();
  let body = Buffer.concat(b.decoded);
  // a part that starts with its text instead of headers: that text is its content
  if (!valid) body = Buffer.concat([node.getHeaders(), body]);
  return { headers, type, body: node.multipart && valid ? Buffer.alloc(0) : body, parts: b.children.map(build) };
}

/** Whether the lines before the first blank line are header fields (an empty block is not, for the message itself). */
function isHeaderBlock(node: MimeNode): boolean {
  const lines = fields(node);
  // an mbox "From " line opens a message, never a part: there it is the part's text
  if (!node.root && node.headers && node.headers.mbox) return false;
  if (!lines.length) return !node.root;
  // a block that opens with a continuation line is text, not a header block
  if (/^[ \t]/.test(lines[0]!.line)) return false;
  return lines.every((l) => FIELD_NAME.test(l.key) && l.line.includes(':'));
}

/** The header lines (an empty block reads as one empty line). */
function fields(node: MimeNode): { key: string; line: string }[] {
  return node.headers ? node.headers.getList().filter((l) => l.line !== '') : [];
}

function headerMap(node: MimeNode): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { key, line } of fields(node)) {
    const list = headers.get(key) ?? [];
    list.push(libmime.decodeHeader(asText(line)).value);
    headers.set(key, list);
  }
  return headers;
}

/** Header bytes held as latin1: read as UTF-8 when they are that (RFC 6532), as they are otherwise. */
function asText(line: string): string {
  const utf8 = Buffer.from(line, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? line : utf8;
}

/** The fields of one block of a delivery-status or feedback-report body; empty when it is not a block of fields. */
export function parseFields(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const found = libmime.decodeHeaders(text);
  for (const [key, values] of Object.entries(found)) {
    if (!FIELD_NAME.test(key)) return new Map();
    headers.set(key, values);
  }
  return headers;
}

/** Encoded words (RFC 2047) in a header value, decoded for reading (subjects of auto-replies). */
export function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    // a charset nothing knows: the words as they came
    return value;
  }
}

/** Every leaf, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(leaves) : [part];
}
