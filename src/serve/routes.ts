import type { Settings } from '../config/load';
import { ErrorCode, HeraldError } from '../errors';
import type { Handler, HandlerContext } from './exchange';
import { confirmHandlers } from './handlers/confirm';
import { type SubscribeContext, subscribeHandlers } from './handlers/subscribe';
import { unsubscribeHandlers } from './handlers/unsubscribe';
import { type PreferencesContext, preferencesHandlers } from './handlers/preferences';
import type { Route } from './router';

/**
 * Where serve's pages are: the path of the configured unsubscribe URL, and, when the subscribe
 * form is on, /subscribe and /subscribe/confirm beside it.
 */
export interface ServeRoutes {
  readonly unsubscribePath: string;
  /** The preferences page beside the unsubscribe page ("Manage your subscription" in every email). */
  readonly preferencesPath: string;
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
  const preferencesPath = new URL('preferences', url).pathname;
  if (!settings.serve.subscribeForm) return { unsubscribePath, preferencesPath };
  const subscribePath = new URL('subscribe', url).pathname;
  const confirm = new URL('subscribe/confirm', url);
  if (subscribePath === unsubscribePath || confirm.pathname === unsubscribePath) {
    throw new HeraldError(ErrorCode.ECONFIG, `the subscribe form would share the unsubscribe path ${unsubscribePath}`, {
      hint: 'Give the unsubscribe URL a path of its own, e.g. https://news.example.com/unsubscribe.',
    });
  }
  return { unsubscribePath, preferencesPath, subscribe: { path: subscribePath, confirmPath: confirm.pathname, confirmUrl: `${confirm.origin}${confirm.pathname}` } };
}

/** Which handler answers which method on which page; HEAD is answered as GET, without the body. */
export function routeTable(routes: ServeRoutes, ctx: HandlerContext, form?: SubscribeContext, prefs?: PreferencesContext): Route<Handler>[] {
  const unsubscribe = unsubscribeHandlers(ctx);
  const table: Route<Handler>[] = [{ path: routes.unsubscribePath, methods: { GET: unsubscribe.page, HEAD: unsubscribe.page, POST: unsubscribe.oneClick } }];
  if (prefs && routes.preferencesPath !== routes.unsubscribePath) {
    const preferences = preferencesHandlers(prefs);
    table.push({ path: routes.preferencesPath, methods: { GET: preferences.page, HEAD: preferences.page, POST: preferences.save } });
  }
  if (routes.subscribe && form) {
    const subscribe = subscribeHandlers(form);
    const confirm = confirmHandlers(form);
    table.push(
      { path: routes.subscribe.path, methods: { GET: subscribe.form, HEAD: subscribe.form, POST: subscribe.ask } },
      { path: routes.subscribe.confirmPath, methods: { GET: confirm.page, HEAD: confirm.page, POST: confirm.confirm } },
    );
  }
  return table;
}
