import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fetchFeed, type FeedFetch, feedLocation } from '../../src/feeds/fetch';
import { isPrivateAddress } from '../../src/feeds/address';
import { hasOpenssl, makeCertificates } from '../support/tls';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler, server: http.Server | https.Server = http.createServer()): Promise<{ url: string; close: () => Promise<void> }> {
  server.on('request', handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return { url: `${scheme}://127.0.0.1:${port}`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const request = (url: string, more: Partial<FeedFetch> = {}): FeedFetch => ({ url, allowPrivate: true, timeoutMs: 5000, userAgent: 'herald/test', ...more });

describe('fetching a feed politely', () => {
  const open: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  const start = async (handler: Handler, server?: http.Server | https.Server) => {
    const s = await serve(handler, server);
    open.push(s);
    return s;
  };

  test('brotli and gzip bodies arrive decoded; validators are sent back and a 304 is reported', async () => {
    const s = await start((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      const br = req.url === '/br';
      res.writeHead(200, { etag: '"v1"', 'last-modified': 'Mon, 02 Nov 2026 10:00:00 GMT', 'content-encoding': br ? 'br' : 'gzip' });
      res.end(br ? zlib.brotliCompressSync('<rss/>') : zlib.gzipSync('<rss/>'));
    });
    const first = await fetchFeed(request(`${s.url}/br`));
    expect(first).toMatchObject({ kind: 'body', etag: '"v1"', lastModified: 'Mon, 02 Nov 2026 10:00:00 GMT' });
    expect(first.kind === 'body' && first.body.toString()).toBe('<rss/>');
    expect((await fetchFeed(request(`${s.url}/gz`))).kind).toBe('body');
    expect((await fetchFeed(request(`${s.url}/br`, { etag: '"v1"' }))).kind).toBe('not-modified');
  });

  test('a 301 is remembered, a 302 is followed but not remembered, and more than 5 redirects are refused', async () => {
    const s = await start((req, res) => {
      const m = /^\/hop(\d+)$/.exec(req.url ?? '');
      if (req.url === '/old') return void res.writeHead(301, { location: '/new' }).end();
      if (req.url === '/temp') return void res.writeHead(302, { location: '/new' }).end();
      if (m) return void res.writeHead(301, { location: `/hop${Number(m[1]) + 1}` }).end();
      res.writeHead(200).end('<rss/>');
    });
    expect(await fetchFeed(request(`${s.url}/old`))).toMatchObject({ kind: 'body', movedTo: `${s.url}/new` });
    expect((await fetchFeed(request(`${s.url}/temp`))).movedTo).toBeUndefined();
    await expect(fetchFeed(request(`${s.url}/hop0`))).rejects.toThrow('redirects more than 5 times');
  });

  test('a server that does not answer in time, a body over the limit (declared or streamed), a 404 and a 503 are refused by name', async () => {
    const s = await start((req, res) => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/drip') {
        res.writeHead(200);
        const drip = setInterval(() => res.write('<'), 20);
        res.on('close', () => clearInterval(drip));
        return;
      }
      if (req.url === '/declared') return void res.writeHead(200, { 'content-length': String(2000) }).end('x'.repeat(2000));
      if (req.url === '/bomb') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(5000, 'a')));
      if (req.url === '/gone') return void res.writeHead(404).end();
      res.writeHead(503).end();
    });
    await expect(fetchFeed(request(`${s.url}/slow`, { timeoutMs: 200 }))).rejects.toThrow('did not answer within');
    await expect(fetchFeed(request(`${s.url}/drip`, { timeoutMs: 300 }))).rejects.toThrow('did not answer within');
    const stop = new AbortController();
    const stopped = fetchFeed(request(`${s.url}/slow`, { signal: stop.signal }));
    stop.abort();
    await expect(stopped).rejects.toThrow('the run was asked to stop');
    await expect(fetchFeed(request(`${s.url}/declared`, { maxBytes: 1000 }))).rejects.toThrow(/larger than/);
    await expect(fetchFeed(request(`${s.url}/bomb`, { maxBytes: 1000 }))).rejects.toThrow(/larger than/);
    await expect(fetchFeed(request(`${s.url}/gone`))).rejects.toThrow('answered 404');
    await expect(fetchFeed(request(`${s.url}/x`))).rejects.toThrow('answered 503, a server error');
  });

  (hasOpenssl() ? test : test.skip)('a certificate herald cannot verify is a TLS failure', async () => {
    const certs = makeCertificates();
    try {
      const s = await start((_req, res) => void res.writeHead(200).end('<rss/>'), https.createServer({ key: certs.key, cert: certs.cert }));
      await expect(fetchFeed(request(`${s.url}/feed`))).rejects.toThrow(/TLS failed/);
    } finally {
      certs.remove();
    }
  });

  test('loopback and private addresses, by literal or by name, and files are refused without allowPrivate', async () => {
    const s = await start((_req, res) => void res.writeHead(200).end('<rss/>'));
    await expect(fetchFeed(request(`${s.url}/feed`, { allowPrivate: false }))).rejects.toThrow('127.0.0.1 is a private or loopback address');
    const port = new URL(s.url).port;
    await expect(fetchFeed(request(`http://localhost:${port}/feed`, { allowPrivate: false }))).rejects.toThrow(/localhost is at (127\.0\.0\.1|::1), a private or loopback address/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-feed-'));
    fs.writeFileSync(path.join(dir, 'feed.xml'), '<rss/>');
    const file = feedLocation('feed.xml', dir).href;
    await expect(fetchFeed(request(file, { allowPrivate: false }))).rejects.toThrow('read only with "allowPrivate": true');
    expect((await fetchFeed(request(file))).kind).toBe('body');
    fs.rmSync(dir, { recursive: true });
    expect(() => feedLocation('ftp://example.com/feed', dir)).toThrow('uses ftp:');
  });

  test.each([
    ['10.1.2.3', true], ['172.20.0.1', true], ['192.168.1.1', true], ['169.254.169.254', true], ['127.0.0.1', true], ['0.0.0.0', true],
    ['::1', true], ['fd00::1', true], ['fe80::1', true], ['::ffff:127.0.0.1', true], ['[::1]', true],
    ['93.184.215.14', false], ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', false], ['example.com', false],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
