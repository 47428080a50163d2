import type http from 'node:http';
import { BodyTooLarge, MAX_BODY_BYTES, parseForm, readBody } from './body';
import { type Page, badRequest, tooLarge } from './html';
import type { ServeLog } from './ports';

/**
 * One request and its answer, as the handlers see it. Pages are never cached, set no cookies and
 * redirect nowhere; a HEAD gets the headers alone.
 */
export interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  /** Whether the server is stopping; then no connection is kept for a next request. */
  readonly stopping: () => boolean;
  /** For the log line: what happened, and whose request it was (masked). */
  outcome: string;
  who: string;
}

export type Handler = (ex: Exchange) => void | Promise<void>;

/** What every handler knows of the server it runs in. */
export interface HandlerContext {
  /** The newsletter's name, on every page. */
  readonly newsletter: string;
  /** HERALD_SECRET first, then the previous ones: links signed with any of them are accepted. */
  readonly secrets: readonly string[];
  readonly subscribersDir: string;
  readonly now: () => Date;
  readonly log: ServeLog;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store, max-age=0',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export function respond(ex: Exchange, page: Page, extra: Record<string, string> = {}): void {
  const body = Buffer.from(page.html, 'utf8');
  ex.res.writeHead(page.status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    ...(ex.stopping() ? { Connection: 'close' } : {}),
    ...extra,
  });
  ex.res.end(ex.req.method === 'HEAD' ? undefined : body);
}

/** The form body, or undefined once an error page was sent (413 over `limit`, 400 unreadable). */
export async function readForm(ex: Exchange, newsletter: string, limit = MAX_BODY_BYTES): Promise<Map<string, string> | undefined> {
  try {
    return parseForm(ex.req.headers['content-type'], await readBody(ex.req, limit));
  } catch (err) {
    const large = err instanceof BodyTooLarge;
    ex.outcome = large ? 'body-too-large' : 'body-error';
    if (!ex.res.headersSent && !ex.res.destroyed) {
      respond(ex, large ? tooLarge(newsletter) : badRequest(newsletter, 'The request could not be read.'), { Connection: 'close' });
    }
    return undefined;
  }
}

/** The text of an error for a log line. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
