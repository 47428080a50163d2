import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { hasOpenssl, makeCertificates, type TestCertificates } from '../support/tls';
import { FAST_SMTP, herald, recordRows } from './helpers';

const PASSWORD = 'secret-password-42';
const AUTH = { user: 'herald', pass: PASSWORD };
const withOpenssl = hasOpenssl() ? describe : describe.skip;
if (!hasOpenssl()) console.warn('openssl is not installed: the STARTTLS tests with a generated certificate are skipped');

describe('SMTP logins never go over a plain connection unless HERALD_SMTP_URL says tls=off', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  function newsletter(): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP },
      posts: { 'old.md': '---\ntitle: An old post\ndate: 2020-01-01\n---\nFrom before herald.\n' },
      subscribers: { 'list.csv': 'email,name\nada@example.com,Ada\nalan@example.org,Alan\n' },
    });
  }

  /** The test server's URL with the login but without the opt-out. */
  const strict = (s: TestSmtpServer): string => s.url.replace('?tls=off', '');

  test('send to a server without STARTTLS stops at once: no AUTH sent in clear, nobody marked failed, no secret printed', async () => {
    server = await startSmtpServer({ auth: AUTH });
    nl = newsletter();
    expect((await herald(nl, ['send'], server, { HERALD_SMTP_URL: strict(server) })).code).toBe(0); // first run: baseline only
    nl.write('posts/new.md', '# New\n\ntext\n');
    const res = await herald(nl, ['send'], server, { HERALD_SMTP_URL: strict(server) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('sending stopped: the SMTP server does not offer STARTTLS, and herald does not send a password without TLS');
    expect(res.stderr).toContain('?tls=off');
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
    expect(server.auths).toEqual([]);
    expect(server.messages).toHaveLength(0);
    // refused, not retried: one connection per recipient in flight at most, never smtp.retries more
    expect(server.connectionsOpened).toBeLessThanOrEqual(2);
    const rows = await recordRows(nl, 'new');
    expect(rows.map((r) => r.state)).toEqual(['pending', 'pending']);
  });

  test('check fails on a server without STARTTLS, saying why and how to opt out, without logging in', async () => {
    server = await startSmtpServer({ auth: AUTH });
    nl = newsletter();
    const res = await herald(nl, ['check'], server, { HERALD_SMTP_URL: strict(server) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('does not offer STARTTLS');
    expect(res.stderr).toContain('add ?tls=off to HERALD_SMTP_URL');
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
    expect(server.auths).toEqual([]);
  });

  test('with ?tls=off the login goes in clear as asked, and check says there is no TLS', async () => {
    server = await startSmtpServer({ auth: AUTH });
    expect(server.url).toContain('?tls=off');
    nl = newsletter();
    const check = await herald(nl, ['check'], server);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('SMTP: connected to smtp://herald:***@127.0.0.1');
    expect(check.stdout).toContain('no TLS (tls=off in HERALD_SMTP_URL)');
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\ntext\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(2);
    expect(server.auths.every((a) => a.user === 'herald' && !a.secure)).toBe(true);
  });

  test('an unknown parameter, an unknown tls value, or tls=off on smtps:// is a settings error', async () => {
    nl = newsletter();
    const cases: [string, string][] = [
      ['smtp://u:p@127.0.0.1:25?tsl=off', 'HERALD_SMTP_URL has an unknown parameter "tsl"'],
      ['smtp://u:p@127.0.0.1:25?tls=no', 'HERALD_SMTP_URL has tls=no, which herald does not know'],
      ['smtps://u:p@127.0.0.1:465?tls=off', 'HERALD_SMTP_URL is smtps:// (TLS from the first byte) but also says tls=off'],
    ];
    for (const [url, message] of cases) {
      const res = await herald(nl, ['check'], undefined, { HERALD_SMTP_URL: url });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
    }
  });

  withOpenssl('with a STARTTLS server', () => {
    let certs: TestCertificates;
    beforeAll(() => {
      certs = makeCertificates();
    });
    afterAll(() => certs?.remove());

    test('whose certificate is trusted, the login happens after STARTTLS, mail goes out and check says so', async () => {
      server = await startSmtpServer({ auth: AUTH, starttls: { key: certs.key, cert: certs.cert } });
      expect(server.url).not.toContain('tls=off');
      nl = newsletter();
      const trust = { NODE_EXTRA_CA_CERTS: certs.caFile };
      const check = await herald(nl, ['check'], server, trust);
      // bulk-sender readiness is warned about in every check; nothing about SMTP or TLS
      expect(check.stderr.split('\n').filter((l) => /^(error|warning)/.test(l) && !/one-click unsubscribe|not DKIM-signed|no postal address/.test(l))).toEqual([]);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('STARTTLS, required before login');
      await herald(nl, ['send'], server, trust);
      nl.write('posts/new.md', '# New\n\ntext\n');
      expect((await herald(nl, ['send'], server, trust)).code).toBe(0);
      expect(server.messages.map((m) => m.envelopeTo[0]).sort()).toEqual(['ada@example.com', 'alan@example.org']);
      expect(server.auths.length).toBeGreaterThan(0);
      expect(server.auths.every((a) => a.secure)).toBe(true);
    });

    test('whose certificate herald cannot verify, nothing is logged in or sent', async () => {
      server = await startSmtpServer({ auth: AUTH, starttls: { key: certs.key, cert: certs.cert } });
      nl = newsletter();
      const check = await herald(nl, ['check'], server);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain('the TLS handshake failed');
      await herald(nl, ['send'], server);
      nl.write('posts/new.md', '# New\n\ntext\n');
      const res = await herald(nl, ['send'], server);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('sending stopped: the TLS handshake failed');
      expect(server.auths).toEqual([]);
      expect(server.messages).toHaveLength(0);
      expect((await recordRows(nl, 'new')).every((r) => r.state === 'pending')).toBe(true);
    });
  });
});
