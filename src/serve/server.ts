import type http from 'node:http';
import type { Settings } from '../config/load';
import { ErrorCode, HeraldError } from '../errors';
import { RateLimits } from '../record/rate-limit';
import { loadDkim } from '../render/dkim';
import { resolveSender } from '../render/envelope';
import { type Exchange, type Handler, type HandlerContext, errorText, respond } from './exchange';
import type { SubscribeContext } from './handlers/subscribe';
import { methodNotAllowed, notFound, unsubscribePages } from './html';
import { type Listening, httpLifecycle } from './lifecycle';
import type { MailPort, ServeLog, WelcomePort } from './ports';
import { topicRules } from '../plan/audience';
import { logWhenDone } from './request-log';
import { type Match, type Router, createRouter } from './router';
import { type ServeRoutes, routeTable, serveRoutes } from './routes';
import { SubscribeFlow } from './subscribe';
import { type WebhookSecrets, webhookRoutes } from './handlers/webhooks';

/**
 * `herald serve`: the endpoint behind the unsubscribe links, on node's own http.
 *
 *   GET/POST /unsubscribe?token=T                   handlers/unsubscribe.ts
 *   GET/POST /subscribe, /subscribe/confirm?token=T  handlers/subscribe.ts, handlers/confirm.ts:
 *                                                   double opt-in, when serve.subscribeForm is on
 *
 * The paths follow the configured unsubscribe URL (routes.ts). Pages are never cached, set no
 * cookies and redirect nowhere (exchange.ts); each request is one log line, with the address
 * masked and the token (which carries the address) never printed (request-log.ts).
 */
export type { ServeRoutes } from './routes';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: ServeLog;
  /** How the confirmation emails leave; needed when serve.subscribeForm is on. The caller opens and closes it. */
  readonly mail?: MailPort;
  /** Welcomes an address once it is confirmed (the `welcome` post). */
  readonly welcome?: WelcomePort;
  readonly now?: () => Date;
  /** Provider webhook secrets, from the environment (handlers/webhooks.ts). */
  readonly webhooks?: WebhookSecrets;
}

export interface RunningServer extends Listening {
  readonly routes: ServeRoutes;
  /** Stops accepting, lets requests in progress finish (up to 10 s), then resolves. Safe to call twice. */
  close(): Promise<void>;
}

export async function startServer(settings: Settings, opts: ServerOptions): Promise<RunningServer> {
  const routes = serveRoutes(settings);
  const ctx: HandlerContext = {
    newsletter: settings.name,
    secrets: [settings.env.secret!, ...settings.env.previousSecrets],
    subscribersDir: settings.subscribersDir,
    now: opts.now ?? (() => new Date()),
    log: opts.log,
  };
  const form = routes.subscribe ? openSubscribeForm(settings, ctx, routes.subscribe.confirmUrl, opts.mail, opts.welcome) : undefined;
  const prefs = { ...ctx, rules: topicRules(settings.topics, settings.noTopics), noTopics: settings.noTopics, defaultZone: settings.schedule.timezone };
  const router = createRouter([...routeTable(routes, ctx, form?.ctx, prefs), ...webhookRoutes(settings, opts.webhooks ?? {}, ctx)]);
  const life = httpLifecycle((req, res) => void handle(req, res, { router, ctx, stopping: () => life.stopping() }));
  let listening: Listening;
  try {
    listening = await life.listen(opts.host, opts.port);
  } catch (err) {
    form?.limits.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= life.close().then(() => form?.limits.close()));
  return { ...listening, routes, close };
}

/** The form's flow and its persistent rate limits (closed with the server). */
function openSubscribeForm(settings: Settings, ctx: HandlerContext, confirmUrl: string, mail: MailPort | undefined, welcome: WelcomePort | undefined): { ctx: SubscribeContext; limits: RateLimits } {
  if (!mail) {
    throw new HeraldError(ErrorCode.ECONFIG, 'serve.subscribeForm is on but HERALD_SMTP_URL is not set, so confirmation emails cannot be sent', {
      hint: 'Set HERALD_SMTP_URL, or turn serve.subscribeForm off.',
    });
  }
  const sender = resolveSender(settings, { requireSecret: true });
  const dkim = loadDkim(settings);
  const limits = RateLimits.open(settings.stateDir, settings.env.secret!);
  const flow = new SubscribeFlow({ settings, limits, sender, secret: settings.env.secret!, confirmUrl, dkim, now: ctx.now, mail });
  return { ctx: { ...ctx, flow, trustProxy: settings.serve.trustProxy, welcome }, limits };
}

interface RequestDeps {
  readonly router: Router<Handler>;
  readonly ctx: HandlerContext;
  readonly stopping: () => boolean;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, { router, ctx, stopping }: RequestDeps): Promise<void> {
  const ex: Exchange = { req, res, url: requestUrl(req), stopping, outcome: '-', who: '' };
  logWhenDone(ex, ctx.log, ctx.now);
  try {
    await dispatch(ex, router(req.method ?? '', ex.url.pathname), ctx.newsletter);
  } catch (err) {
    ex.outcome = 'error';
    ctx.log.error(`herald serve: ${errorText(err)}`);
    if (!res.headersSent && !res.destroyed) respond(ex, unsubscribePages.failed(ctx.newsletter));
    else res.destroy();
  }
  // a body nobody read (a GET with one, a refused POST) must not be left in the socket
  if (!req.complete) req.resume();
}

function dispatch(ex: Exchange, match: Match<Handler>, newsletter: string): void | Promise<void> {
  switch (match.kind) {
    case 'found':
      return match.handler(ex);
    case 'method-not-allowed':
      ex.outcome = 'method';
      return respond(ex, methodNotAllowed(newsletter), { Allow: match.allow });
    case 'not-found':
      ex.outcome = 'not-found';
      return respond(ex, notFound(newsletter));
  }
}

function requestUrl(req: http.IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://herald.invalid');
  } catch {
    return new URL('http://herald.invalid/');
  }
}
