/**
 * The unsubscribe endpoint, driven over real HTTP (fetch against 127.0.0.1, port 0): a GET never
 * unsubscribes, a one-click POST does at once and durably, tokens cannot be forged, moved to
 * another subscriber or outlive a secret that is no longer listed, and every page is escaped,
 * uncached and logged without the address.
 */
import { createApp } from '../../src/app';
import fs from 'node:fs';
import http from 'node:http';
import { loadSettings } from '../../src/config/load';
import { discoverSubscribers } from '../../src/subscribers/read';
import { HeraldError } from '../../src/errors';
import { startServing } from '../../src/commands/serve';
import { maskAddress } from '../../src/serve/request-log';
import type { RunningServer } from '../../src/serve/server';
import { legacyUnsubscribeToken, unsubscribeToken } from '../../src/unsubscribe/token';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { OLD_SECRET, PUBLIC_URL, SECRET } from './helpers';

const ANN = 'ann@example.com';
const BO = 'bo@example.com';
const CSV = `email,name\n${ANN},Ann Lee\n${BO},Bo\ncy@example.com,Cy\n`;

let newsletters: TempNewsletter[] = [];
let servers: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const nl of newsletters) nl.remove();
  newsletters = [];
});

function newsletter(config: Record<string, unknown> = {}, subscribers: Record<string, string> = { 'list.csv': CSV }): TempNewsletter {
  const nl = makeNewsletter({ config: { unsubscribe: { url: PUBLIC_URL }, ...config }, subscribers });
  newsletters.push(nl);
  return nl;
}

interface Served {
  readonly server: RunningServer;
  readonly log: string[];
  readonly errors: string[];
  at(pathAndQuery: string): string;
}

async function serve(nl: TempNewsletter, env: NodeJS.ProcessEnv = { HERALD_SECRET: SECRET }): Promise<Served> {
  const log: string[] = [];
  const errors: string[] = [];
  const server = await startServing(createApp(loadSettings(nl.root, env), { out: (l) => log.push(l), err: (l) => errors.push(l) }), { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { server, log, errors, at: (p) => `${server.origin}${p}` };
}

const tokenFor = (email: string, secret = SECRET): string => unsubscribeToken(email, secret);
const link = (token: string): string => `/unsubscribe?token=${encodeURIComponent(token)}`;
const oneClick = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' } as const;

function suppressedKeys(nl: TempNewsletter): string[] {
  return [...discoverSubscribers(`${nl.root}/subscribers`).excluded].sort();
}

function activeKeys(nl: TempNewsletter): string[] {
  return discoverSubscribers(`${nl.root}/subscribers`).subscribers.map((s) => s.key).sort();
}

describe('GET shows a page and never unsubscribes', () => {
  test('a valid link: a form that posts back with List-Unsubscribe=One-Click; nothing is written', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const res = await fetch(at(link(tokenFor(ANN))), { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).toMatch(/<form method="post" action="\?token=[^"]+">/);
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toContain(ANN);
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);

    const head = await fetch(at(link(tokenFor(ANN))), { method: 'HEAD' });
    expect(head.status).toBe(200);
    // scanners that prefetch many times still change nothing
    for (let i = 0; i < 3; i++) await (await fetch(at(link(tokenFor(ANN))))).text();
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
    expect(activeKeys(nl)).toEqual([ANN, BO, 'cy@example.com']);
  });
});

describe('POST unsubscribes at once', () => {
  test('RFC 8058 one-click (urlencoded): 200, no redirect, no cookie; on the suppression list before the answer', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const res = await fetch(at(link(tokenFor(ANN))), oneClick);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(await res.text()).toContain('You are unsubscribed');
    // the answer came after the write: it is on disk now
    expect(nl.read('subscribers/suppressed.csv')).toMatch(/^email,status,date,note\nann@example\.com,unsubscribed,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,one-click \(RFC 8058\)\n$/);
    expect(suppressedKeys(nl)).toEqual([ANN]);
    expect(activeKeys(nl)).toEqual([BO, 'cy@example.com']);
  });

  test('multipart/form-data works the same', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const res = await fetch(at(link(tokenFor(BO))), { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(suppressedKeys(nl)).toEqual([BO]);
  });

  test('the button on the page does the same and says so', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const page = await (await fetch(at(link(tokenFor(ANN))))).text();
    const action = /<form method="post" action="([^"]+)">/.exec(page)![1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    const fields = new URLSearchParams([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]+)">/g)].map((m) => [m[1]!, m[2]!]));
    const res = await fetch(new URL(action, at(link(tokenFor(ANN)))), { method: 'POST', body: fields, redirect: 'manual' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('You are unsubscribed');
    expect(html).toContain(ANN);
    expect(nl.read('subscribers/suppressed.csv')).toContain('ann@example.com,unsubscribed,');
    expect(nl.read('subscribers/suppressed.csv')).toContain(',unsubscribe page');
  });

  test('idempotent: twice is one entry, and the page then says there is nothing left to do', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    expect((await fetch(at(link(tokenFor(ANN))), oneClick)).status).toBe(200);
    const first = nl.read('subscribers/suppressed.csv');
    expect((await fetch(at(link(tokenFor(ANN))), oneClick)).status).toBe(200);
    expect(nl.read('subscribers/suppressed.csv')).toBe(first);
    const page = await (await fetch(at(link(tokenFor(ANN))))).text();
    expect(page).toContain('You are unsubscribed');
    expect(page).not.toContain('<form');
  });

  test('a POST without List-Unsubscribe=One-Click changes nothing (400)', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    for (const body of ['', 'List-Unsubscribe=Yes', 'confirm=1']) {
      const res = await fetch(at(link(tokenFor(ANN))), { ...oneClick, body });
      expect(res.status).toBe(400);
    }
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
  });

  test('a body over the limit is refused (413) and changes nothing', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const res = await fetch(at(link(tokenFor(ANN))), { ...oneClick, body: `List-Unsubscribe=One-Click&pad=${'x'.repeat(20_000)}` }).catch((err: Error) => err);
    if (res instanceof Error) expect(res.message).toMatch(/fetch failed|closed|reset/i); // the socket may close before the answer is read
    else expect(res.status).toBe(413);
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
    // and a body that grows past the limit without announcing its length
    const chunked = await rawRequest(at(link(tokenFor(ANN))), ['List-Unsubscribe=One-Click&pad=', 'y'.repeat(10_000), 'y'.repeat(10_000)]);
    expect(chunked.status).toBe(413);
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
  });
});

/** A POST whose body is sent in pieces without a Content-Length (chunked). */
function rawRequest(url: string, pieces: string[], between?: () => void | Promise<void>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    void (async () => {
      for (const [i, piece] of pieces.entries()) {
        req.write(piece);
        await new Promise((r) => setTimeout(r, i === 0 && between ? 150 : 20));
        // the server has the request by now: this runs while it is in progress
        if (i === 0 && between) await between();
      }
      req.end();
    })();
  });
}

describe('tokens', () => {
  test('a missing token is 400, a tampered or foreign one 403, and nothing is written', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const good = tokenFor(ANN);
    // links mailed in the earlier form (address, dot, MAC) are still read: their tampered forms are refused too
    const legacy = legacyUnsubscribeToken(ANN, SECRET);
    const [encoded, mac] = legacy.split('.') as [string, string];
    const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect((await fetch(at('/unsubscribe'))).status).toBe(400);
    expect((await fetch(at('/unsubscribe?token='), oneClick)).status).toBe(400);
    const bad = [
      flip(good, good.length - 1),
      flip(good, 2),
      good.slice(0, -4),
      flip(legacy, legacy.length - 1),
      flip(legacy, 2),
      `${encoded}.`,
      encoded,
      `${good}.extra`,
      'garbage',
      `${Buffer.from('not-an-address').toString('base64url')}.${mac}`,
      unsubscribeToken(ANN, 'somebody-elses-secret'),
      'x'.repeat(10_000),
    ];
    for (const token of bad) {
      const page = await fetch(at(link(token)));
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('not valid');
      expect((await fetch(at(link(token)), oneClick)).status).toBe(403);
    }
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
  });

  test("one subscriber's link cannot unsubscribe another", async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    const annMac = tokenFor(ANN).split('.')[1]!;
    // Bo's address with Ann's signature
    const spliced = `${Buffer.from(BO).toString('base64url')}.${annMac}`;
    expect((await fetch(at(link(spliced)), oneClick)).status).toBe(403);
    // Ann's valid link with Bo's address in the body (or the query) unsubscribes Ann only
    const res = await fetch(at(`${link(tokenFor(ANN))}&email=${encodeURIComponent(BO)}`), { ...oneClick, body: `List-Unsubscribe=One-Click&email=${encodeURIComponent(BO)}` });
    expect(res.status).toBe(200);
    expect(suppressedKeys(nl)).toEqual([ANN]);
    expect(activeKeys(nl)).toEqual([BO, 'cy@example.com']);
  });

  test('a link signed with a rotated secret works while HERALD_SECRET_PREVIOUS lists it, and not after', async () => {
    const nl = newsletter();
    const oldLink = link(tokenFor(ANN, OLD_SECRET));
    const withPrevious = await serve(nl, { HERALD_SECRET: SECRET, HERALD_SECRET_PREVIOUS: `some-other-one, ${OLD_SECRET}` });
    expect((await fetch(withPrevious.at(oldLink))).status).toBe(200);
    await withPrevious.server.close();

    const without = await serve(nl, { HERALD_SECRET: SECRET });
    expect((await fetch(without.at(oldLink))).status).toBe(403);
    expect((await fetch(without.at(oldLink), oneClick)).status).toBe(403);
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
    await without.server.close();

    const again = await serve(nl, { HERALD_SECRET: SECRET, HERALD_SECRET_PREVIOUS: OLD_SECRET });
    expect((await fetch(again.at(oldLink), oneClick)).status).toBe(200);
    // and new links work alongside
    expect((await fetch(again.at(link(tokenFor(BO))), oneClick)).status).toBe(200);
    expect(suppressedKeys(nl)).toEqual([ANN, BO]);
  });
});

describe('pages, headers, logs', () => {
  test('everything printed is escaped', async () => {
    const nl = newsletter({ name: 'The <script>alert("x")</script> & Co' }, { 'list.csv': "email\no'brien+<x>@example.com\n".replace('<x>', 'tag') });
    const { at } = await serve(nl);
    const page = await (await fetch(at(link(tokenFor("o'brien+tag@example.com"))))).text();
    expect(page).not.toContain('<script>');
    expect(page).toContain('The &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Co');
    expect(page).toContain('o&#39;brien+tag@example.com');
    expect(page).not.toContain("o'brien");
    const notFound = await fetch(at('/%3Cscript%3E'));
    expect(notFound.status).toBe(404);
    expect(await notFound.text()).not.toContain('<script>alert');
  });

  test('other paths are 404, other methods 405 with Allow', async () => {
    const nl = newsletter();
    const { at } = await serve(nl);
    expect((await fetch(at('/'))).status).toBe(404);
    expect((await fetch(at('/subscribe'))).status).toBe(404); // the form is off by default
    const put = await fetch(at(link(tokenFor(ANN))), { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(put.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('the path is the configured URL\'s (HERALD_PUBLIC_URL wins), with or without a trailing slash', async () => {
    const nl = newsletter();
    const { at } = await serve(nl, { HERALD_SECRET: SECRET, HERALD_PUBLIC_URL: 'https://example.org/news/leave?list=main' });
    expect((await fetch(at(`/news/leave?token=${tokenFor(ANN)}`))).status).toBe(200);
    expect((await fetch(at(`/news/leave/?token=${tokenFor(ANN)}`))).status).toBe(200);
    expect((await fetch(at(link(tokenFor(ANN))))).status).toBe(404);
  });

  test('one log line per request, with the address masked and no token', async () => {
    const nl = newsletter();
    const { at, log } = await serve(nl);
    const token = tokenFor(ANN);
    await (await fetch(at(link(token)))).text();
    await (await fetch(at(link(token)), oneClick)).text();
    await (await fetch(at(link('forged.token')))).text();
    await (await fetch(at('/nope'))).text();
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toHaveLength(4);
    expect(log[0]).toMatch(/^\S+Z GET \/unsubscribe 200 page a\*\*\*@example\.com \d+ms$/);
    expect(log[1]).toMatch(/^\S+Z POST \/unsubscribe 200 unsubscribed a\*\*\*@example\.com \d+ms$/);
    expect(log[2]).toMatch(/ GET \/unsubscribe 403 bad-token \d+ms$/);
    expect(log[3]).toMatch(/ GET \/nope 404 not-found \d+ms$/);
    const all = log.join('\n');
    expect(all).not.toContain(ANN);
    expect(all).not.toContain(token.split('.')[0]!);
    expect(maskAddress('jane.doe@example.org')).toBe('j***@example.org');
  });

  test('when the list cannot be written the answer is 500 and says nothing changed; fixed, it works', async () => {
    const nl = newsletter();
    nl.write('subscribers/suppressed.csv', 'email,status,date,note\n"broken,unsubscribed\n');
    const { at, errors } = await serve(nl);
    const res = await fetch(at(link(tokenFor(ANN))), oneClick);
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).not.toContain('You are unsubscribed');
    expect(html).toContain('nothing was changed');
    expect(errors.join('\n')).toMatch(/could not record an unsubscribe for a\*\*\*@example\.com/);
    nl.write('subscribers/suppressed.csv', 'email,status,date,note\n');
    expect((await fetch(at(link(tokenFor(ANN))), oneClick)).status).toBe(200);
    expect(suppressedKeys(nl)).toEqual([ANN]);
  });

  test('close() lets a request in progress finish (and record its unsubscribe), then refuses new ones', async () => {
    const nl = newsletter();
    const { at, server } = await serve(nl);
    let closed: Promise<void> | undefined;
    const res = await rawRequest(at(link(tokenFor(ANN))), ['List-Unsubscribe=', 'One-Click'], () => {
      closed = server.close();
    });
    expect(res.status).toBe(200);
    await closed;
    expect(suppressedKeys(nl)).toEqual([ANN]);
    await expect(fetch(at(link(tokenFor(BO))))).rejects.toThrow();
  });

  test('settings it cannot work without are ECONFIG', async () => {
    const noUrl = makeNewsletter({ subscribers: { 'list.csv': CSV } });
    newsletters.push(noUrl);
    await expect(startServing(createApp(loadSettings(noUrl.root, { HERALD_SECRET: SECRET }), { out: () => {}, err: () => {} }), { host: '127.0.0.1', port: 0 }))
      .rejects.toThrow(/no unsubscribe URL/);
    const nl = newsletter();
    const err = await startServing(createApp(loadSettings(nl.root, {}), { out: () => {}, err: () => {} }), { host: '127.0.0.1', port: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe('ECONFIG');
    expect((err as HeraldError).message).toMatch(/HERALD_SECRET/);
    expect(fs.existsSync(`${nl.root}/subscribers/suppressed.csv`)).toBe(false);
  });
});

describe('internationalised domains', () => {
  test('a link signed before domains were keyed in ASCII (Unicode key) unsubscribes both spellings', async () => {
    const nl = newsletter({}, { 'list.csv': 'email\nuser@bücher.example\nkept@example.com\n', 'other.csv': 'email\nuser@xn--bcher-kva.example\n' });
    const { at } = await serve(nl);
    const res = await fetch(at(link(tokenFor('user@bücher.example'))), oneClick);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('user@bücher.example');
    expect(activeKeys(nl)).toEqual(['kept@example.com']);
    expect(nl.read('subscribers/suppressed.csv')).toContain('user@xn--bcher-kva.example,unsubscribed');
    // and a link signed with today's key (the punycode form) finds it already done
    const again = await fetch(at(link(tokenFor('user@xn--bcher-kva.example'))));
    const page = await again.text();
    expect(page).toContain('is not on the');
    expect(page).toContain('user@bücher.example'); // shown as a person writes it
  });
});
