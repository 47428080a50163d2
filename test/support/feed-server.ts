/**
 * A real HTTP server for feed tests: each path serves what the test last set for it, answers a
 * conditional request with 304 when the body's ETag matches, gzips when asked, and remembers every
 * request it saw.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface FeedRoute {
  readonly body?: string | Buffer;
  readonly status?: number;
  readonly type?: string;
  readonly headers?: Record<string, string>;
}

export interface SeenRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly status: number;
}

export interface TestFeedServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  set(path: string, route: FeedRoute): void;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<TestFeedServer> {
  const routes = new Map<string, FeedRoute>();
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes.get(path) ?? { status: 404, body: 'not found' };
    const body = Buffer.from(route.body ?? '');
    const etag = `"${crypto.createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    const status = route.status ?? 200;
    const done = (code: number, payload?: Buffer, headers: Record<string, string> = {}): void => {
      requests.push({ path, headers: req.headers, status: code });
      res.writeHead(code, headers);
      res.end(payload);
    };
    if (status === 200 && req.headers['if-none-match'] === etag) return done(304, undefined, { etag });
    const headers: Record<string, string> = { 'content-type': route.type ?? 'application/xml; charset=utf-8', ...(status === 200 ? { etag } : {}), ...route.headers };
    if (status === 200 && /gzip/.test(String(req.headers['accept-encoding'] ?? ''))) {
      return done(status, zlib.gzipSync(body), { ...headers, 'content-encoding': 'gzip' });
    }
    return done(status, body, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    set: (path, route) => routes.set(path, route),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
