/**
 * A changed HERALD_SECRET breaks every unsubscribe link already sent unless the old value is kept
 * in HERALD_SECRET_PREVIOUS: herald send and herald check say so, and stop saying so once it is.
 */
import { spawnCli } from '../support/cli';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { forgottenSecretWarning, secretFingerprint, withSecretUse } from '../../src/unsubscribe/continuity';
import { FAST_SMTP, SECRET, herald } from './helpers';

const NEW_SECRET = 'a-brand-new-secret-9876543210';
const WARNING = /signed with a secret that is neither HERALD_SECRET nor listed in HERALD_SECRET_PREVIOUS/;

const post = (slug: string, day: string): string => `---\ntitle: ${slug}\ndate: 2026-05-${day}\n---\nHello.\n`;

describe('the secret that signs unsubscribe links', () => {
  let nl: TempNewsletter;
  let server: TestSmtpServer;

  beforeEach(async () => {
    server = await startSmtpServer();
    nl = makeNewsletter({
      config: { unsubscribe: { url: 'https://news.example.com/unsubscribe' }, postalAddress: '1 Example Street', smtp: FAST_SMTP },
      posts: { 'first.md': post('first', '01') },
      subscribers: { 'list.csv': subscribersCsv(3) },
    });
  });
  afterEach(async () => {
    await server.close();
    nl.remove();
  });

  test('changed without keeping the old one: send and check warn, and the send still goes out', async () => {
    expect((await herald(nl, ['send', '--include-existing'], server)).code).toBe(0);
    nl.write('posts/second.md', post('second', '02'));

    const check = await herald(nl, ['check', '--no-smtp'], server, { HERALD_SECRET: NEW_SECRET });
    expect(check.stderr + check.stdout).toMatch(WARNING);
    expect(check.stderr + check.stdout).toMatch(/HERALD_SECRET_PREVIOUS \(comma-separated\)/);

    const send = await herald(nl, ['send'], server, { HERALD_SECRET: NEW_SECRET });
    expect(send.code).toBe(0);
    expect(send.stderr).toMatch(WARNING);
    expect(server.messages).toHaveLength(6);
    // the secrets themselves never reach the output or the record's notes
    expect(send.stderr + send.stdout + check.stderr + check.stdout).not.toContain(SECRET);
    expect(nl.read('.herald/herald.db')).not.toContain(SECRET);
  });

  test('herald serve, which verifies the links, warns at start-up too', async () => {
    expect((await herald(nl, ['send', '--include-existing'], server)).code).toBe(0);
    const child = spawnCli(['serve', '--port', '0', '--root', nl.root], { env: { HERALD_SECRET: NEW_SECRET, HERALD_SMTP_URL: undefined, HERALD_PUBLIC_URL: undefined } });
    let stderr = '';
    const closed = new Promise((resolve) => child.once('close', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`herald serve did not start:\n${stderr}`)), 20_000);
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (/listening on/.test(stderr) && WARNING.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    await closed;
    expect(stderr).toMatch(WARNING);
  });

  test('the old secret listed in HERALD_SECRET_PREVIOUS: no warning', async () => {
    expect((await herald(nl, ['send', '--include-existing'], server)).code).toBe(0);
    nl.write('posts/second.md', post('second', '02'));
    const rotated = { HERALD_SECRET: NEW_SECRET, HERALD_SECRET_PREVIOUS: `some-older-one,${SECRET}` };
    const check = await herald(nl, ['check', '--no-smtp'], server, rotated);
    expect(check.stderr + check.stdout).not.toMatch(WARNING);
    const send = await herald(nl, ['send'], server, rotated);
    expect(send.code).toBe(0);
    expect(send.stderr).not.toMatch(WARNING);
    // dropping the old value too early brings the warning back: the first post's links are still young
    const dropped = await herald(nl, ['check', '--no-smtp'], server, { HERALD_SECRET: NEW_SECRET });
    expect(dropped.stderr + dropped.stdout).toMatch(WARNING);
  });

  test('the same secret every time: never a warning', async () => {
    expect((await herald(nl, ['send', '--include-existing'], server)).code).toBe(0);
    nl.write('posts/second.md', post('second', '02'));
    const send = await herald(nl, ['send'], server);
    expect(send.stderr).not.toMatch(WARNING);
    const check = await herald(nl, ['check', '--no-smtp'], server);
    expect(check.stderr + check.stdout).not.toMatch(WARNING);
  });
});

describe('secret uses', () => {
  const day = (d: string): Date => new Date(`${d}T12:00:00Z`);

  test('a secret last used longer ago than links are expected to live may be retired', () => {
    const uses = withSecretUse([], 'old-secret', day('2026-01-01'));
    expect(forgottenSecretWarning(uses, ['new-secret'], day('2026-03-01'))?.message).toMatch(/sent up to 2026-01-01/);
    expect(forgottenSecretWarning(uses, ['new-secret'], day('2026-07-15'))).toBeUndefined();
  });

  test('each secret is noted once, with its first and last use', () => {
    let uses = withSecretUse([], 'a', day('2026-01-01'));
    uses = withSecretUse(uses, 'a', day('2026-02-01'));
    uses = withSecretUse(uses, 'b', day('2026-03-01'));
    expect(uses).toEqual([
      { fingerprint: secretFingerprint('a'), firstUsed: '2026-01-01T12:00:00.000Z', lastUsed: '2026-02-01T12:00:00.000Z' },
      { fingerprint: secretFingerprint('b'), firstUsed: '2026-03-01T12:00:00.000Z', lastUsed: '2026-03-01T12:00:00.000Z' },
    ]);
  });
});
