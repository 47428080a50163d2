/**
 * The router on its own, with literal tables: method + path → handler, 404 for a path no route
 * has, 405 with the route's methods (for Allow) for a method it does not answer.
 */
import { createRouter } from '../../src/serve/router';

const route = createRouter([
  { path: '/unsubscribe', methods: { GET: 'unsubscribe page', HEAD: 'unsubscribe page', POST: 'one-click' } },
  { path: '/subscribe', methods: { GET: 'form', HEAD: 'form', POST: 'ask' } },
  { path: '/subscribe/confirm', methods: { GET: 'confirm page', HEAD: 'confirm page', POST: 'confirm' } },
]);

test.each([
  ['GET', '/unsubscribe', 'unsubscribe page'],
  ['HEAD', '/unsubscribe', 'unsubscribe page'],
  ['POST', '/unsubscribe', 'one-click'],
  ['GET', '/subscribe', 'form'],
  ['POST', '/subscribe', 'ask'],
  ['GET', '/subscribe/confirm', 'confirm page'],
  ['POST', '/subscribe/confirm', 'confirm'],
  ['POST', '/subscribe/confirm/', 'confirm'],
])('%s %s is answered by the %s handler', (method, path, handler) => {
  expect(route(method, path)).toEqual({ kind: 'found', handler });
});

test.each([['/'], [''], ['/nope'], ['/unsubscribe/more'], ['/Unsubscribe'], ['/subscribe//'], ['/subscribe/confirm/x']])('%j is not found, whatever the method', (path) => {
  expect(route('GET', path)).toEqual({ kind: 'not-found' });
  expect(route('PUT', path)).toEqual({ kind: 'not-found' });
});

test.each([['PUT'], ['DELETE'], ['OPTIONS'], ['get'], ['constructor'], ['']])('%j on a known path is 405 with the methods it answers', (method) => {
  expect(route(method, '/unsubscribe')).toEqual({ kind: 'method-not-allowed', allow: 'GET, HEAD, POST' });
});

test('a trailing slash does not matter, on the route or the request; the root stays the root', () => {
  const slashed = createRouter([{ path: '/news/leave/', methods: { GET: 'page' } }]);
  expect(slashed('GET', '/news/leave')).toEqual({ kind: 'found', handler: 'page' });
  expect(slashed('GET', '/news/leave/')).toEqual({ kind: 'found', handler: 'page' });
  expect(slashed('POST', '/news/leave')).toEqual({ kind: 'method-not-allowed', allow: 'GET' });
  const root = createRouter([{ path: '/', methods: { POST: 'root' } }]);
  expect(root('POST', '/')).toEqual({ kind: 'found', handler: 'root' });
  expect(root('POST', '//')).toEqual({ kind: 'found', handler: 'root' });
  expect(root('POST', '/x')).toEqual({ kind: 'not-found' });
});

test('the first route with the path wins', () => {
  const twice = createRouter([{ path: '/a', methods: { GET: 'first' } }, { path: '/a/', methods: { GET: 'second', POST: 'second' } }]);
  expect(twice('GET', '/a')).toEqual({ kind: 'found', handler: 'first' });
  expect(twice('POST', '/a')).toEqual({ kind: 'method-not-allowed', allow: 'GET' });
});
