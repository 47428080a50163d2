/**
 * Method + path → handler, first match wins. A path that no route has is 404; a route asked with a
 * method it does not answer is 405 with the methods it does answer (for the Allow header). A
 * trailing slash does not matter, on either side; the query string is not looked at.
 */
export interface Route<H> {
  readonly path: string;
  /** By method name, in the order the Allow header lists them. */
  readonly methods: Readonly<Record<string, H>>;
}

export type Match<H> =
  | { readonly kind: 'found'; readonly handler: H }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string };

export type Router<H> = (method: string, pathname: string) => Match<H>;

export function createRouter<H>(routes: readonly Route<H>[]): Router<H> {
  const table = routes.map((route) => ({ ...route, path: withoutTrailingSlash(route.path) }));
  return (method, pathname) => {
    const route = table.find((r) => r.path === withoutTrailingSlash(pathname));
    if (!route) return { kind: 'not-found' };
    // own keys only: a method called "constructor" finds nothing
    if (!Object.hasOwn(route.methods, method)) return { kind: 'method-not-allowed', allow: Object.keys(route.methods).join(', ') };
    return { kind: 'found', handler: route.methods[method]! };
  };
}

/** "/a/" and "/a" are the same page; "/" stays "/". */
function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/$/, '') : path;
}
