import type http from 'node:http';

/** Form bodies are tiny (RFC 8058's is 26 bytes); anything bigger than this is refused with 413. */
export const MAX_BODY_BYTES = 16 * 1024;

export class BodyTooLarge extends Error {
  constructor() {
    super('request body too large');
  }
}

/** Reads the whole body, refusing (before reading, when Content-Length says so) more than `limit` bytes. */
export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish());
    req.once('error', (err) => finish(err));
    req.once('aborted', () => finish(new Error('the client went away')));
  });
}

/**
 * Form fields from an application/x-www-form-urlencoded or multipart/form-data body (RFC 8058
 * allows both); any other or no content type is read as urlencoded. The first value of a repeated
 * field wins; uploaded files are ignored.
 */
export function parseForm(contentType: string | undefined, body: Buffer): Map<string, string> {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const boundary = match?.[1] ?? match?.[2];
    return boundary ? parseMultipart(body, boundary) : new Map();
  }
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) if (!fields.has(name)) fields.set(name, value);
  return fields;
}

function parseMultipart(body: Buffer, boundary: string): Map<string, string> {
  const fields = new Map<string, string>();
  // latin1 maps bytes to characters one to one, so splitting cannot break a UTF-8 sequence
  const text = body.toString('latin1');
  const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');
  for (const piece of text.split(`--${boundary}`).slice(1)) {
    if (piece.startsWith('--')) break; // the closing delimiter
    const part = piece.replace(/^[ \t]*\r?\n/, '');
    const end = /\r?\n\r?\n/.exec(part);
    if (!end) continue;
    const headers = part.slice(0, end.index);
    const content = part.slice(end.index + end[0].length).replace(/\r?\n$/, '');
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? '';
    if (/\bfilename\*?=/i.test(disposition)) continue;
    const name = /\bname="([^"]*)"|\bname=([^;\s]+)/i.exec(disposition);
    const key = name ? utf8(name[1] ?? name[2] ?? '') : '';
    if (key && !fields.has(key)) fields.set(key, utf8(content));
  }
  return fields;
}

/** RFC 8058: the body says List-Unsubscribe=One-Click (names and value compared without case). */
export function isOneClick(fields: ReadonlyMap<string, string>): boolean {
  for (const [name, value] of fields) {
    if (name.trim().toLowerCase() === 'list-unsubscribe' && value.trim().toLowerCase() === 'one-click') return true;
  }
  return false;
}
