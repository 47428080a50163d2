import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP server's life: listening with limits on header size and count and on slow clients,
 * and a stop that lets the requests in progress finish (every unsubscribe is written before its
 * answer, so none is lost) but forces the connections closed after a grace period.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 20_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 10_000;

export interface Listening {
  readonly host: string;
  readonly port: number;
  /** http://host:port, without a path. */
  readonly origin: string;
}

export interface Lifecycle {
  /** True from the moment close() is called. */
  stopping(): boolean;
  listen(host: string, port: number): Promise<Listening>;
  /** Stops accepting, lets requests in progress finish (up to 10 s), then resolves. Safe to call twice. */
  close(): Promise<void>;
}

export function httpLifecycle(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): Lifecycle {
  const server = createServer(handle);
  let stopping = false;
  let closing: Promise<void> | undefined;
  return {
    stopping: () => stopping,
    listen: (host, port) => listen(server, host, port),
    close: () => {
      stopping = true;
      closing ??= stop(server);
      return closing;
    },
  };
}

function createServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): http.Server {
  const server = http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, handle);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxHeadersCount = 100;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

async function listen(server: http.Server, host: string, port: number): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return { host: address.address, port: address.port, origin: `http://${hostForUrl}:${address.port}` };
}

function stop(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
