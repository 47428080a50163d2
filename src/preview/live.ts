import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { formatProblem, problemFromError } from '../errors';

export interface LivePreviewOptions {
  /** Renders the email's HTML; called at start and after every change to a watched path. */
  readonly render: () => Promise<string>;
  /** Files and folders whose changes re-render the page (the post, templates/, the config). */
  readonly watch: readonly string[];
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly log: (line: string) => void;
  /** How long to wait for more changes before re-rendering (default 80 ms): editors save in bursts. */
  readonly debounceMs?: number;
}

export interface LivePreview {
  readonly url: string;
  close(): Promise<void>;
}

interface State {
  version: number;
  html: string;
  error?: string;
}

/** The path the page listens on for "changed" events (Server-Sent Events). */
export const EVENTS_PATH = '/__herald/events';
const VERSION_PATH = '/__herald/version';

/**
 * A local preview of one email that reloads on save: the page is the rendered HTML with a small
 * script that listens for Server-Sent Events (and falls back to polling); a render error is shown
 * in the page, and the next good save replaces it.
 */
export async function servePreview(opts: LivePreviewOptions): Promise<LivePreview> {
  const state: State = { version: 0, html: '' };
  const nonce = crypto.randomBytes(12).toString('base64');
  const clients = new Set<http.ServerResponse>();
  let closed = false;
  let rendering: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;

  const renderNow = async (): Promise<void> => {
    try {
      state.html = await opts.render();
      state.error = undefined;
    } catch (err) {
      state.error = formatProblem(problemFromError(err));
      opts.log(state.error);
    }
    state.version++;
    for (const res of clients) res.write(`event: changed\ndata: ${state.version}\n\n`);
  };
  /** Renders one at a time; changes during a render cause exactly one more render afterwards. */
  const scheduleRender = (): void => {
    if (closed) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    rendering = (async () => {
      do {
        again = false;
        await renderNow();
      } while (again && !closed);
      busy = false;
    })();
  };

  scheduleRender();
  await rendering;

  let timer: NodeJS.Timeout | undefined;
  const changed = (what: string): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      opts.log(`changed: ${what}; rendering again`);
      scheduleRender();
    }, opts.debounceMs ?? 80);
  };
  const watchers = opts.watch.flatMap((target) => watchPath(target, changed, opts.log));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === EVENTS_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`retry: 1000\nevent: hello\ndata: ${state.version}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === VERSION_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(String(state.version));
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const script = reloadScript(state.version, nonce);
      const body = state.error === undefined ? withReload(state.html, script) : errorPage(state.error, script);
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // email clients run no scripts, and neither does the preview: only herald's reload script
        'Content-Security-Policy': `default-src 'none'; img-src * data:; font-src * data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'`,
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
  });
  // an open EventSource keeps a connection alive; it must not keep close() waiting
  server.keepAliveTimeout = 1000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    closed = true;
    for (const w of watchers) w.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;

  return {
    url,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const res of clients) res.end();
      clients.clear();
      await rendering.catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Watches a file through its folder (editors often save by writing a new file and renaming it
 * over the old one, which a watch on the file itself would lose) and a folder recursively.
 */
function watchPath(target: string, changed: (what: string) => void, log: (line: string) => void): fs.FSWatcher[] {
  const abs = path.resolve(target);
  let isDir: boolean;
  try {
    isDir = fs.statSync(abs).isDirectory();
  } catch {
    log(`not watching ${target}: it does not exist`);
    return [];
  }
  const onError = (err: Error): void => log(`stopped watching ${target}: ${err.message}`);
  try {
    if (isDir) {
      let watcher: fs.FSWatcher;
      try {
        watcher = fs.watch(abs, { recursive: true }, (_event, name) => changed(name ? path.join(target, String(name)) : target));
      } catch {
        watcher = fs.watch(abs, (_event, name) => changed(name ? path.join(target, String(name)) : target));
      }
      return [watcher.on('error', onError)];
    }
    const base = path.basename(abs);
    const watcher = fs.watch(path.dirname(abs), (_event, name) => {
      if (name === null || String(name) === base) changed(target);
    });
    return [watcher.on('error', onError)];
  } catch (err) {
    log(`not watching ${target}: ${(err as Error).message}`);
    return [];
  }
}

function reloadScript(version: number, nonce: string): string {
  return `<script nonce="${nonce}">(function () {
  var seen = ${version};
  function reload(v) { if (String(v) !== String(seen)) location.reload(); }
  if (window.EventSource) {
    var source = new EventSource(${JSON.stringify(EVENTS_PATH)});
    source.addEventListener('hello', function (e) { reload(e.data); });
    source.addEventListener('changed', function (e) { reload(e.data); });
  } else {
    setInterval(function () {
      var x = new XMLHttpRequest();
      x.open('GET', ${JSON.stringify(VERSION_PATH)});
      x.onload = function () { reload(x.responseText); };
      x.send();
    }, 1000);
  }
})();</script>`;
}

function withReload(html: string, script: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? html + script : html.slice(0, at) + script + html.slice(at);
}

function errorPage(message: string, script: string): string {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>herald preview: render error</title>
<style>body{font:15px/1.5 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:40px auto;max-width:720px;padding:0 20px;color:#1f2937}
h1{font-size:20px;color:#b91c1c}pre{white-space:pre-wrap;background:#fef2f2;border:1px solid #fecaca;border-radius:6px;padding:12px 14px;font-size:14px}</style>
</head><body><h1>The email could not be rendered</h1><pre class="herald-error">${escaped}</pre>
<p>Fix it and save: this page reloads by itself.</p>${script}</body></html>`;
}
