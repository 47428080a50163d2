import { stamp } from '../subscribers/suppression';
import type { Exchange } from './exchange';
import type { ServeLog } from './ports';

/**
 * One log line per request, written when the answer is finished or the connection closed,
 * whichever comes first: time, method, path, status (or "aborted"), what happened, whose request
 * it was with the address masked, and how long it took. The query is never printed: the token in
 * it carries the address.
 */
export function logWhenDone(ex: Exchange, log: ServeLog, now: () => Date): void {
  const started = process.hrtime.bigint();
  let logged = false;
  const write = (): void => {
    if (logged) return;
    logged = true;
    log.info(requestLine(ex, now(), Number((process.hrtime.bigint() - started) / 1_000_000n)));
  };
  ex.res.once('finish', write);
  ex.res.once('close', write);
}

function requestLine(ex: Exchange, at: Date, ms: number): string {
  const path = JSON.stringify(ex.url.pathname.slice(0, 120)).slice(1, -1);
  const status = ex.res.headersSent ? ex.res.statusCode : 'aborted';
  return `${stamp(at)} ${ex.req.method ?? '-'} ${path} ${status} ${ex.outcome}${ex.who ? ` ${ex.who}` : ''} ${ms}ms`;
}

/** "j***@example.com": enough to tell requests apart in a log, not enough to read the address. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  return `${email.slice(0, Math.min(1, at))}***@${email.slice(at + 1)}`;
}
