/**
 * `herald check`'s bulk-sender readiness through the built CLI: warnings in a plain check, errors
 * with --deliverability; the one-click endpoint probed over https (a local reverse proxy in front
 * of a real `herald serve`) without unsubscribing anybody; with --dns, SPF, DKIM, DMARC and MX
 * looked up on a DNS server the test starts (dns2), never the internet.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { startDnsServer, type TestDnsServer, type TestZone } from '../support/dns-server';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { type Serving, startServe } from '../support/serve-process';
import { hasOpenssl, makeCertificates, type TestCertificates } from '../support/tls';
import { makeDkimKey, type TestDkimKey } from '../serve/helpers';
import { herald, heraldEnv } from './helpers';

const POSTS = { 'a.md': '# A\n\ntext\n' };
const SUBSCRIBERS = { 'list.csv': 'email\nada@example.com\n' };
const run = hasOpenssl() ? describe : describe.skip;

/** An https front for herald serve, as a reverse proxy in production is; it passes requests through as they are. */
async function httpsFront(certs: TestCertificates, origin: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(origin);
  const server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}/unsubscribe`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('plain herald check warns about bulk-sender readiness', () => {
  let nl: TempNewsletter;
  afterEach(() => nl?.remove());

  test('no one-click URL, no DKIM, no postal address: three warnings, exit 0, and it no longer says plainly that everything checks out', async () => {
    nl = makeNewsletter({ posts: POSTS, subscribers: SUBSCRIBERS });
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^warning: .*herald\.config\.json: no one-click unsubscribe: "unsubscribe\.url" is not set/m);
    expect(res.stderr).toMatch(/^warning: .*messages are not DKIM-signed/m);
    expect(res.stderr).toMatch(/^warning: .*no postal address/m);
    expect(res.stdout).toContain('everything checks out, but see the 3 warnings above.');
  });

  test('--deliverability makes the same findings errors (exit 1); an http unsubscribe URL is one too', async () => {
    nl = makeNewsletter({ config: { unsubscribe: { url: `http://127.0.0.1:${await closedPort()}/unsubscribe` } }, posts: POSTS, subscribers: SUBSCRIBERS });
    const res = await herald(nl, ['check', '--no-smtp', '--deliverability']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: .*the unsubscribe URL http:\/\/127\.0\.0\.1:\d+\/unsubscribe is not https/m);
    expect(res.stderr).toMatch(/^error: .*messages are not DKIM-signed/m);
    expect(res.stderr).toMatch(/^error: .*no postal address/m);
    expect(res.stderr).toMatch(/^error: the unsubscribe URL http:\/\/127\.0\.0\.1:\d+\/unsubscribe is not reachable from this machine: the connection was refused/m);
    expect(res.stdout).toContain('check found problems');
  });

  test('DKIM for another domain than From is a finding (a warning in plain check)', async () => {
    const key = makeDkimKey('example.org', 'mail');
    nl = makeNewsletter({ config: { dkim: { domain: 'example.org', selector: 'mail', keyFile: 'dkim.pem' } }, posts: POSTS, subscribers: SUBSCRIBERS });
    key.writeTo(nl.root);
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('dkim.domain example.org is not the sender\'s domain (example.com)');
    expect(res.stderr).not.toContain('messages are not DKIM-signed');
  });
});

run('herald check --deliverability and --dns against a ready newsletter', () => {
  let certs: TestCertificates;
  let key: TestDkimKey;
  let nl: TempNewsletter;
  let serving: Serving | undefined;
  let front: { url: string; close(): Promise<void> } | undefined;
  let dns: TestDnsServer | undefined;

  beforeAll(() => {
    certs = makeCertificates();
    key = makeDkimKey('example.com', 'herald');
  });
  afterAll(() => certs?.remove());

  beforeEach(async () => {
    // serve needs an unsubscribe URL to start; the real one is known once the https front listens
    nl = makeNewsletter({ config: { unsubscribe: { url: 'https://news.example.com/unsubscribe' }, postalAddress: '1 Long Road, Springfield', dkim: { domain: 'example.com', selector: 'herald', keyFile: 'dkim.pem' } }, posts: POSTS, subscribers: SUBSCRIBERS });
    key.writeTo(nl.root);
    serving = await startServe(nl, heraldEnv(undefined));
    front = await httpsFront(certs, serving.origin);
    nl.write('herald.config.json', JSON.stringify({ ...JSON.parse(nl.read('herald.config.json')), unsubscribe: { url: front.url } }));
  });

  afterEach(async () => {
    await front?.close();
    if (serving && serving.child.exitCode === null) await serving.stop();
    await dns?.close();
    dns = undefined;
    nl.remove();
  });

  const check = (args: string[], extra: Record<string, string> = {}) => herald(nl, ['check', '--no-smtp', ...args], undefined, { NODE_EXTRA_CA_CERTS: certs.caFile, ...extra });

  test('everything in place: exit 0; the probe reached herald serve over https with HEAD and a one-click POST, and unsubscribed nobody', async () => {
    const res = await check(['--deliverability']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`deliverability: one-click unsubscribe at ${front!.url}: HEAD 200, POST 200 (a probe that unsubscribes nobody)`);
    expect(res.stdout).toContain('everything checks out.');
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
    expect(serving!.stdout).toMatch(/ HEAD \/unsubscribe 200 test-copy /);
    expect(serving!.stdout).toMatch(/ POST \/unsubscribe 200 test-copy /);
  });

  test('the endpoint down behind its proxy: the probe says what it got', async () => {
    await serving!.stop();
    const res = await check(['--deliverability']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`error: the unsubscribe URL ${front!.url} answered HEAD with 502`);
  });

  test('a certificate the checking machine does not trust is named', async () => {
    const res = await herald(nl, ['check', '--no-smtp', '--deliverability']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/is not reachable from this machine: .*certificate/);
  });

  test('--dns with nothing published: one finding per record, each with the value to publish; the DKIM value in strings of at most 255 bytes', async () => {
    dns = await startDnsServer({});
    const res = await check(['--dns'], { HERALD_DNS_SERVER: dns.address });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error: SPF: example.com has no SPF record');
    expect(res.stderr).toContain('Publish: example.com. TXT "v=spf1 mx ~all"');
    expect(res.stderr).toContain('error: DMARC: example.com has no DMARC record');
    expect(res.stderr).toContain('Publish: _dmarc.example.com. TXT "v=DMARC1; p=none"');
    expect(res.stderr).toContain('error: MX: example.com has no MX record');
    expect(res.stderr).toContain('error: DKIM: there is no TXT record at herald._domainkey.example.com');
    const publish = /Publish: herald\._domainkey\.example\.com\. TXT ((?:"[^"]*" ?)+)/.exec(res.stderr)![1]!;
    const strings = [...publish.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(strings.length).toBeGreaterThan(1);
    for (const s of strings) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(255);
    expect(strings.join('')).toBe(key.txt);
    expect(dns.questions).toEqual(expect.arrayContaining(['TXT example.com', 'MX example.com', 'TXT herald._domainkey.example.com', 'TXT _dmarc.example.com']));
    // the record `check` prints is split the same way
    expect(res.stdout).toContain(`publish TXT herald._domainkey.example.com ${strings.map((s) => `"${s}"`).join(' ')}`);
  });

  test('--dns with every record right: each is named as found, exit 0; the DKIM record published as two strings is read whole', async () => {
    const zone: TestZone = {
      'example.com': { TXT: ['google-site-verification=abc', 'v=spf1 mx include:relay.example.net ~all'], MX: [{ exchange: 'mx2.example.com', priority: 20 }, { exchange: 'mx1.example.com', priority: 10 }] },
      'herald._domainkey.example.com': { TXT: [[key.txt.slice(0, 255), key.txt.slice(255)]] },
      '_dmarc.example.com': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com'] },
    };
    dns = await startDnsServer(zone);
    const res = await check(['--dns'], { HERALD_DNS_SERVER: dns.address });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('DNS: SPF for example.com: v=spf1 mx include:relay.example.net ~all');
    expect(res.stdout).toContain('DNS: DKIM at herald._domainkey.example.com: matches the signing key');
    expect(res.stdout).toContain('DNS: DMARC at _dmarc.example.com: v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com');
    expect(res.stdout).toContain('DNS: MX for example.com: 10 mx1.example.com, 20 mx2.example.com');
  });

  test('--dns: another key at the selector, two SPF records, and DMARC found at the parent of a subdomain sender', async () => {
    const other = makeDkimKey('example.com', 'herald', 1024);
    nl.write('herald.config.json', JSON.stringify({ ...JSON.parse(nl.read('herald.config.json')), from: 'News <news@mail.example.com>' }));
    dns = await startDnsServer({
      'mail.example.com': { TXT: ['v=spf1 mx ~all', 'v=spf1 include:relay.example.net ~all'], MX: [{ exchange: 'mx.example.com', priority: 10 }] },
      'herald._domainkey.example.com': { TXT: [other.txt] },
      '_dmarc.example.com': { TXT: ['v=DMARC1; p=none'] },
    });
    const res = await check(['--dns'], { HERALD_DNS_SERVER: dns.address });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error: DKIM: the key published at herald._domainkey.example.com is not the key herald signs with');
    expect(res.stderr).toContain('error: SPF: mail.example.com has 2 SPF records');
    expect(res.stdout).toContain('DNS: DMARC at _dmarc.example.com: v=DMARC1; p=none');
    expect(res.stdout).toContain('DNS: MX for mail.example.com: 10 mx.example.com');
  });

  test('a HERALD_DNS_SERVER that is not an address is a settings error naming it', async () => {
    const res = await check(['--dns'], { HERALD_DNS_SERVER: 'not a server' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('HERALD_DNS_SERVER: "not a server" is not a server address');
  });
});
