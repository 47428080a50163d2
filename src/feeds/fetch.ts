import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from './address';

/** A feed larger than this is refused by name: no blog's feed is 10 MB, and the record keeps the last one. */
export const MAX_FEED_BYTES = 10 * 1024 * 1024;
export const MAX_REDIRECTS = 5;

export interface FeedFetch {
  /** The URL (or file: URL) to read now: the configured one, or where a 301 moved it. */
  readonly url: string;
  readonly allowPrivate: boolean;
  readonly etag?: string;
  readonly lastModified?: string;
  readonly timeoutMs: number;
  readonly maxBytes?: number;
  readonly userAgent: string;
  /** Aborted when the run is asked to stop (SIGINT, SIGTERM): the read ends at once. */
  readonly signal?: AbortSignal;
}

export type FeedResponse =
  | { readonly kind: 'body'; readonly body: Buffer; readonly etag?: string; readonly lastModified?: string; readonly movedTo?: string; readonly finalUrl: string }
  | { readonly kind: 'not-modified'; readonly movedTo?: string; readonly finalUrl: string };

/** Why a feed could not be read, in words for the author (the caller adds the feed's URL). */
export class FeedFetchError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/**
 * Where a configured feed lives: an http(s) or file: URL, or a path under the newsletter folder
 * (a file: URL then). Anything else is refused.
 */
export function feedLocation(written: string, root: string): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(written) && !/^[a-z]:[\\/]/i.test(written)) {
    let url: URL;
    try {
      url = new URL(written);
    } catch {
      throw new FeedFetchError('is not a URL', 'Write an http(s) URL, or a path to a file.');
    }
    if (!['http:', 'https:', 'file:'].includes(url.protocol)) throw new FeedFetchError(`uses ${url.protocol}, which herald does not read`, 'Use an http(s) URL, or a path to a file.');
    return url;
  }
  return pathToFileURL(path.resolve(root, written));
}

/** Reads a feed politely: conditionally, compressed, with a time and size limit, a few redirects, public addresses only unless allowed. */
export async function fetchFeed(request: FeedFetch): Promise<FeedResponse> {
  const maxBytes = request.maxBytes ?? MAX_FEED_BYTES;
  let url = new URL(request.url);
  let movedTo: string | undefined;
  let permanent = true;
  for (let hop = 0; ; hop++) {
    if (url.protocol === 'file:') {
      if (hop > 0) throw new FeedFetchError(`redirects to ${url.href}, a file; refused`);
      return { kind: 'body', body: readFile(url, request.allowPrivate, maxBytes), finalUrl: url.href };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FeedFetchError(`redirects to ${url.href}, which is not http(s); refused`);
    const reply = await get(url, request, maxBytes, hop === 0);
    if (reply.redirect) {
      if (hop >= MAX_REDIRECTS) throw new FeedFetchError(`redirects more than ${MAX_REDIRECTS} times`, 'Point the setting at where the feed really is.');
      const next = new URL(reply.redirect, url);
      permanent &&= reply.status === 301 || reply.status === 308;
      if (permanent) movedTo = next.href;
      url = next;
      continue;
    }
    if (reply.status === 304) return { kind: 'not-modified', movedTo, finalUrl: url.href };
    return { kind: 'body', body: reply.body!, etag: reply.etag, lastModified: reply.lastModified, movedTo, finalUrl: url.href };
  }
}

function readFile(url: URL, allowPrivate: boolean, maxBytes: number): Buffer {
  if (!allowPrivate) throw new FeedFetchError('is a file on this machine, read only with "allowPrivate": true', 'Write the feed as { "url": …, "allowPrivate": true } if herald should read it.');
  const file = fileURLToPath(url);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new FeedFetchError(`cannot be read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (size > maxBytes) throw tooLarge(maxBytes);
  return fs.readFileSync(file);
}

const tooLarge = (maxBytes: number): FeedFetchError =>
  new FeedFetchError(`is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; refused`, 'Serve a shorter feed (most blogs list their last 10 to 20 posts).');

interface Reply {
  readonly status: number;
  readonly redirect?: string;
  readonly body?: Buffer;
  readonly etag?: string;
  readonly lastModified?: string;
}

function get(url: URL, request: FeedFetch, maxBytes: number, conditional: boolean): Promise<Reply> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !request.allowPrivate && isPrivateAddress(host)) return Promise.reject(refusal(new PrivateAddressError(host, host)));
  const headers: Record<string, string> = {
    'user-agent': request.userAgent,
    accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
    'accept-encoding': 'gzip, br, deflate',
  };
  if (conditional && request.etag) headers['if-none-match'] = request.etag;
  if (conditional && request.lastModified) headers['if-modified-since'] = request.lastModified;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Reply>((resolve, reject) => {
    const req = client.get(url, { headers, lookup: guardedLookup(request.allowPrivate) as never, signal: request.signal }, (res) => {
      const status = res.statusCode ?? 0;
      const header = (name: string): string | undefined => {
        const value = res.headers[name];
        return typeof value === 'string' && value.trim() ? value.trim() : undefined;
      };
      if (status >= 300 && status < 400 && status !== 304) {
        res.resume();
        const location = header('location');
        if (!location) return reject(new FeedFetchError(`answered ${status} without a Location`));
        return resolve({ status, redirect: location });
      }
      if (status === 304) {
        res.resume();
        return resolve({ status });
      }
      if (status !== 200) {
        res.resume();
        return reject(statusError(status));
      }
      const declared = Number(header('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.destroy();
        return reject(tooLarge(maxBytes));
      }
      const encoding = header('content-encoding')?.toLowerCase();
      const stream = encoding === 'gzip' || encoding === 'x-gzip' ? res.pipe(zlib.createGunzip()) : encoding === 'br' ? res.pipe(zlib.createBrotliDecompress()) : encoding === 'deflate' ? res.pipe(zlib.createInflate()) : res;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy(tooLarge(maxBytes));
          stream.destroy();
          return reject(tooLarge(maxBytes));
        }
        chunks.push(chunk);
      });
      stream.on('error', (err) => reject(refusal(err)));
      stream.on('end', () => clearTimeout(timer));
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks), etag: header('etag'), lastModified: header('last-modified') }));
    });
    // the whole read, not just each silence: a server that drips a byte at a time ends too
    const late = new FeedFetchError(`did not answer within ${Math.max(1, Math.round(request.timeoutMs / 1000))} s`, 'It is read again on the next run.');
    const timer = setTimeout(() => {
      reject(late);
      req.destroy(late);
    }, request.timeoutMs);
    timer.unref();
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => reject(refusal(err)));
  });
}

function statusError(status: number): FeedFetchError {
  if (status === 404 || status === 410) return new FeedFetchError(`answered ${status}: there is no feed there (any more)`, 'Check the address in "feeds"; the other feeds and posts go on.');
  if (status >= 500) return new FeedFetchError(`answered ${status}, a server error`, 'It is read again on the next run; nothing it holds is lost.');
  return new FeedFetchError(`answered ${status}`, status === 401 || status === 403 ? 'herald reads public feeds only.' : undefined);
}

/** A network or TLS error in the author's words. */
function refusal(err: unknown): Error {
  if (err instanceof FeedFetchError) return err;
  if (err instanceof PrivateAddressError) {
    return new FeedFetchError(`${err.message}; read only with "allowPrivate": true`, 'Write the feed as { "url": …, "allowPrivate": true } if herald should read it.');
  }
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  if (/CERT|SSL|TLS|SELF_SIGNED|VERIFY|ISSUER|HOSTNAME/.test(code)) return new FeedFetchError(`TLS failed: ${e.message} (${code})`, 'The site\'s certificate is not valid; herald does not read feeds over a broken TLS connection.');
  if (code === 'ABORT_ERR' || e.name === 'AbortError') return new FeedFetchError('was not read: the run was asked to stop', 'It is read again on the next run.');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new FeedFetchError(`its host name does not resolve (${code})`, 'Check the address; it is read again on the next run.');
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') return new FeedFetchError(`cannot be reached (${code})`, 'It is read again on the next run.');
  return new FeedFetchError(`cannot be read: ${e.message ?? String(err)}`);
}
