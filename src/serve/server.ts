import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Settings } from '../config/load';
import { checkAddress, displayAddress } from '../discover/address';
import { ErrorCode, HeraldError } from '../errors';
import type { Output } from '../commands/io';
import { loadDkim } from '../render/dkim';
import { resolveSender } from '../render/envelope';
import { addSuppressions, isSuppressed, stamp } from '../subscribers/suppression';
import { verifyUnsubscribeToken } from '../unsubscribe/token';
import { RateLimits } from '../record/rate-limit';
import { BodyTooLarge, MAX_BODY_BYTES, isOneClick, parseForm, readBody } from './body';
import { clientOf } from './client';
import { MAX_CONFIRM_TOKEN, verifyConfirmToken } from './confirm-token';
import { type Page, badRequest, methodNotAllowed, notFound, subscribePages, tooLarge, unsubscribePages } from './html';
import { MAX_ADDRESS_LENGTH, MAX_FORM_BYTES, MAX_NAME_LENGTH, type SendMail, SubscribeFlow } from './subscribe';

/**
 * `herald serve`: the endpoint behind the unsubscribe links, on node's own http.
 *
 *   GET  /unsubscribe?token=T   a page with a button; never unsubscribes (scanners open links)
 *   POST /unsubscribe?token=T   body List-Unsubscribe=One-Click (RFC 8058, urlencoded or multipart):
 *                               on the suppression list, durably, before the 200 goes out
 *   GET/POST /subscribe, /subscribe/confirm?token=T   double opt-in, when serve.subscribeForm is on
 *
 * The paths follow the configured unsubscribe URL (the subscribe pages sit beside it). Pages are
 * never cached, set no cookies and redirect nowhere; each request is one log line, with the
 * address masked and the token (which carries the address) never printed.
 */
export const MAX_TOKEN_LENGTH = 512;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;

export interface ServeRoutes {
  readonly unsubscribePath: string;
  readonly subscribe?: { readonly path: string; readonly confirmPath: string; readonly confirmUrl: string };
}

/** Paths and secrets from the settings; ECONFIG when serving would be pointless or unsafe. */
export function serveRoutes(settings: Settings): ServeRoutes {
  const base = settings.unsubscribe.url;
  if (!base) {
    throw new HeraldError(ErrorCode.ECONFIG, 'no unsubscribe URL: herald serve answers the links in the emails, and there are none', {
      location: { file: settings.configPath },
      hint: 'Set "unsubscribe": { "url": "https://news.example.com/unsubscribe" } (or HERALD_PUBLIC_URL) to the address this server is reached at.',
    });
  }
  if (!settings.env.secret) {
    throw new HeraldError(ErrorCode.ECONFIG, 'HERALD_SECRET is not set, so unsubscribe links cannot be checked', {
      hint: 'Use the same HERALD_SECRET as herald send (and list rotated ones in HERALD_SECRET_PREVIOUS).',
    });
  }
  const url = new URL(base);
  const unsubscribePath = url.pathname;
  if (!settings.serve.subscribeForm) return { unsubscribePath };
  const subscribePath = new URL('subscribe', url).pathname;
  const confirm = new URL('subscribe/confirm', url);
  if (subscribePath === unsubscribePath || confirm.pathname === unsubscribePath) {
    throw new HeraldError(ErrorCode.ECONFIG, `the subscribe form would share the unsubscribe path ${unsubscribePath}`, {
      hint: 'Give the unsubscribe URL a path of its own, e.g. https://news.example.com/unsubscribe.',
    });
  }
  return { unsubscribePath, subscribe: { path: subscribePath, confirmPath: confirm.pathname, confirmUrl: `${confirm.origin}${confirm.pathname}` } };
}

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly io: Output;
  readonly now?: () => Date;
  /** Replaces SMTP for the confirmation emails (tests). */
  readonly sendMail?: SendMail;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** http://host:port, without a path. */
  readonly origin: string;
  readonly routes: ServeRoutes;
  /** Stops accepting, lets requests in progress finish (up to 10 s), then resolves. Safe to call twice. */
  close(): Promise<void>;
}

/** "j***@example.com": enough to tell requests apart in a log, not enough to read the address. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  return `${email.slice(0, Math.min(1, at))}***@${email.slice(at + 1)}`;
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

interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  /** For the log line. */
  outcome: string;
  who: string;
}

export async function startServer(settings: Settings, opts: ServerOptions): Promise<RunningServer> {
  const routes = serveRoutes(settings);
  const secrets = [settings.env.secret!, ...settings.env.previousSecrets];
  const now = opts.now ?? (() => new Date());
  const newsletter = settings.name;
  const dir = settings.subscribersDir;
  let flow: SubscribeFlow | undefined;
  let limits: RateLimits | undefined;
  if (routes.subscribe) {
    if (!settings.env.smtpUrl && !opts.sendMail) {
      throw new HeraldError(ErrorCode.ECONFIG, 'serve.subscribeForm is on but HERALD_SMTP_URL is not set, so confirmation emails cannot be sent', {
        hint: 'Set HERALD_SMTP_URL, or turn serve.subscribeForm off.',
      });
    }
    const sender = resolveSender(settings, { requireSecret: true });
    const dkim = loadDkim(settings);
    limits = RateLimits.open(settings.stateDir, settings.env.secret!);
    flow = new SubscribeFlow({
      settings,
      limits,
      sender,
      secret: settings.env.secret!,
      confirmUrl: routes.subscribe.confirmUrl,
      dkim,
      now,
      sendMail: opts.sendMail,
    });
  }

  let stopping = false;
  const respond = (ex: Exchange, page: Page, extra: Record<string, string> = {}): void => {
    const body = Buffer.from(page.html, 'utf8');
    ex.res.writeHead(page.status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      // while stopping, no connection is kept for a next request
      ...(stopping ? { Connection: 'close' } : {}),
      ...extra,
    });
    ex.res.end(ex.req.method === 'HEAD' ? undefined : body);
  };

  /** The form body, or undefined once an error page was sent. */
  const formOf = async (ex: Exchange, limit = MAX_BODY_BYTES): Promise<Map<string, string> | undefined> => {
    try {
      return parseForm(ex.req.headers['content-type'], await readBody(ex.req, limit));
    } catch (err) {
      ex.outcome = err instanceof BodyTooLarge ? 'body-too-large' : 'body-error';
      if (!ex.res.headersSent && !ex.res.destroyed) respond(ex, err instanceof BodyTooLarge ? tooLarge(newsletter) : badRequest(newsletter, 'The request could not be read.'), { Connection: 'close' });
      return undefined;
    }
  };

  const unsubscribe = async (ex: Exchange): Promise<void> => {
    const method = ex.req.method ?? '';
    if (!['GET', 'HEAD', 'POST'].includes(method)) {
      ex.outcome = 'method';
      return respond(ex, methodNotAllowed(newsletter), { Allow: 'GET, HEAD, POST' });
    }
    const token = ex.url.searchParams.get('token') ?? '';
    if (!token) {
      ex.outcome = 'no-token';
      return respond(ex, unsubscribePages.missingToken(newsletter));
    }
    const key = token.length <= MAX_TOKEN_LENGTH ? verifyUnsubscribeToken(token, secrets) : undefined;
    const address = key === undefined ? undefined : checkAddress(key);
    if (!address?.ok) {
      ex.outcome = 'bad-token';
      return respond(ex, unsubscribePages.invalidToken(newsletter));
    }
    ex.who = maskAddress(address.key);
    if (method !== 'POST') {
      let already = false;
      try {
        already = isSuppressed(dir, address.key);
      } catch {
        // an unreadable list only changes the wording; the button still works once it is fixed
      }
      ex.outcome = already ? 'page-already' : 'page';
      const shown = displayAddress(address.key);
      return respond(ex, already ? unsubscribePages.already(newsletter, shown) : unsubscribePages.confirm(newsletter, shown, token));
    }
    const form = await formOf(ex);
    if (!form) return;
    if (!isOneClick(form)) {
      ex.outcome = 'not-one-click';
      return respond(ex, unsubscribePages.notOneClick(newsletter));
    }
    const via = form.get('via') === 'page' ? 'unsubscribe page' : 'one-click (RFC 8058)';
    try {
      // durable (fsynced, renamed into place) before the answer: the next send honours it
      const added = addSuppressions(dir, [{ email: address.key, reason: 'unsubscribed', at: stamp(now()), note: via }]);
      ex.outcome = added ? 'unsubscribed' : 'unsubscribed-already';
    } catch (err) {
      ex.outcome = `error ${err instanceof HeraldError ? err.code : 'EIO'}`;
      opts.io.err(`herald serve: could not record an unsubscribe for ${ex.who}: ${err instanceof Error ? err.message : String(err)}`);
      return respond(ex, unsubscribePages.failed(newsletter), { 'Retry-After': '60' });
    }
    respond(ex, unsubscribePages.done(newsletter, displayAddress(address.key)));
  };

  const subscribe = async (ex: Exchange): Promise<void> => {
    const method = ex.req.method ?? '';
    if (method === 'GET' || method === 'HEAD') {
      ex.outcome = 'form';
      return respond(ex, subscribePages.form(newsletter));
    }
    if (method !== 'POST') {
      ex.outcome = 'method';
      return respond(ex, methodNotAllowed(newsletter), { Allow: 'GET, HEAD, POST' });
    }
    const form = await formOf(ex, MAX_FORM_BYTES);
    if (!form) return;
    const email = form.get('email') ?? '';
    const name = form.get('name') ?? '';
    if (form.get('website')) {
      // the hidden field only robots fill in: answer as usual, do nothing
      ex.outcome = 'trap';
      return respond(ex, subscribePages.checkInbox(newsletter, email.slice(0, MAX_ADDRESS_LENGTH)));
    }
    const client = clientOf(ex.req.socket.remoteAddress, ex.req.headers['x-forwarded-for'], settings.serve.trustProxy);
    const result = await flow!.request(email, name, client);
    switch (result.kind) {
      case 'invalid': {
        ex.outcome = `invalid-${result.field}`;
        const message = result.field === 'name'
          ? `Please keep the name to ${MAX_NAME_LENGTH} characters.`
          : email.trim().length > MAX_ADDRESS_LENGTH
            ? `An email address has at most ${MAX_ADDRESS_LENGTH} characters.`
            : 'Please enter one plain email address, like name@example.com.';
        return respond(ex, subscribePages.form(newsletter, 400, message, { email: email.slice(0, MAX_ADDRESS_LENGTH), name: name.slice(0, MAX_NAME_LENGTH) }));
      }
      case 'limited':
        ex.outcome = 'client-rate-limited';
        return respond(ex, subscribePages.tooMany(newsletter), { 'Retry-After': String(result.retryAfterSeconds) });
      case 'failed':
        ex.who = maskAddress(result.email);
        ex.outcome = 'confirmation-failed';
        opts.io.err(`herald serve: the confirmation email for ${ex.who} was not sent: ${result.reply}`);
        return respond(ex, subscribePages.sendFailed(newsletter), { 'Retry-After': '300' });
      case 'quiet':
        ex.who = maskAddress(result.email);
        ex.outcome = `confirmation-not-sent (${result.why})`;
        return respond(ex, subscribePages.checkInbox(newsletter, result.email));
      case 'sent':
        ex.who = maskAddress(result.email);
        ex.outcome = 'confirmation-sent';
        return respond(ex, subscribePages.checkInbox(newsletter, result.email));
    }
  };

  const confirm = async (ex: Exchange): Promise<void> => {
    const method = ex.req.method ?? '';
    if (!['GET', 'HEAD', 'POST'].includes(method)) {
      ex.outcome = 'method';
      return respond(ex, methodNotAllowed(newsletter), { Allow: 'GET, HEAD, POST' });
    }
    const token = ex.url.searchParams.get('token') ?? '';
    const check = token.length <= MAX_CONFIRM_TOKEN ? verifyConfirmToken(token, secrets, now()) : ({ ok: false, reason: 'invalid' } as const);
    const address = check.ok ? checkAddress(check.request.email) : undefined;
    if (!check.ok || !address?.ok) {
      ex.outcome = check.ok ? 'bad-token' : `${check.reason}-token`;
      return respond(ex, !check.ok && check.reason === 'expired' ? subscribePages.expired(newsletter) : subscribePages.invalidToken(newsletter));
    }
    ex.who = maskAddress(address.address);
    if (method !== 'POST') {
      ex.outcome = 'confirm-page';
      return respond(ex, subscribePages.confirm(newsletter, address.address, token));
    }
    const form = await formOf(ex);
    if (!form) return;
    let result;
    try {
      result = flow!.confirm(address.address, check.request.name);
    } catch (err) {
      ex.outcome = `error ${err instanceof HeraldError ? err.code : 'EIO'}`;
      opts.io.err(`herald serve: could not add ${ex.who}: ${err instanceof Error ? err.message : String(err)}`);
      return respond(ex, { ...unsubscribePages.failed(newsletter), status: 500 }, { 'Retry-After': '60' });
    }
    if (result.kind === 'suppressed' || result.kind === 'excluded') {
      ex.outcome = `refused (${result.kind === 'suppressed' ? result.suppression.reason : `marked in ${result.file}`})`;
      return respond(ex, subscribePages.refused(newsletter));
    }
    ex.outcome = result.kind === 'added' ? `subscribed${result.lifted ? ' (was unsubscribed)' : ''}` : 'subscribed-already';
    respond(ex, subscribePages.confirmed(newsletter, address.address));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://herald.invalid');
    } catch {
      url = new URL('http://herald.invalid/');
    }
    const ex: Exchange = { req, res, url, outcome: '-', who: '' };
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
      const path = JSON.stringify(url.pathname.slice(0, 120)).slice(1, -1);
      opts.io.out(`${stamp(now())} ${req.method ?? '-'} ${path} ${res.headersSent ? res.statusCode : 'aborted'} ${ex.outcome}${ex.who ? ` ${ex.who}` : ''} ${ms}ms`);
    };
    res.once('finish', log);
    res.once('close', log);
    try {
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
      if (path === routes.unsubscribePath.replace(/(.)\/$/, '$1')) await unsubscribe(ex);
      else if (routes.subscribe && path === routes.subscribe.path) await subscribe(ex);
      else if (routes.subscribe && path === routes.subscribe.confirmPath) await confirm(ex);
      else {
        ex.outcome = 'not-found';
        respond(ex, notFound(newsletter));
      }
    } catch (err) {
      ex.outcome = 'error';
      opts.io.err(`herald serve: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent && !res.destroyed) respond(ex, unsubscribePages.failed(newsletter));
      else res.destroy();
    }
    // a body nobody read (a GET with one, a refused POST) must not be left in the socket
    if (!req.complete) req.resume();
  };

  const server = http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => {
      limits?.close();
      reject(err);
    };
    server.once('error', failed);
    server.listen(opts.port, opts.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      stopping = true;
      const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        limits?.close();
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { host: address.address, port: address.port, origin: `http://${hostForUrl}:${address.port}`, routes, close };
}
