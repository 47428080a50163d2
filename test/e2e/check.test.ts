import crypto from 'node:crypto';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { herald } from './helpers';

describe('herald check with DKIM', () => {
  let nl: TempNewsletter;
  afterEach(() => nl?.remove());

  const pem = (): string => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  test('shows the DNS record to publish, and warns when the signing domain is not the sender\'s', async () => {
    const key = pem();
    nl = makeNewsletter({ config: { dkim: { domain: 'example.org', selector: 'mail', keyFile: 'dkim.pem' } }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: { 'list.csv': 'email\nada@example.com\n' } });
    nl.write('dkim.pem', key);
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(0);
    // a 2048-bit key's record is about 410 characters: DNS takes it as strings of at most 255
    const printed = /^DKIM: signing as d=example\.org s=mail; publish TXT mail\._domainkey\.example\.org ((?:"[^"]*" ?)+)$/m.exec(res.stdout);
    expect(printed).not.toBeNull();
    const strings = [...printed![1]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(strings).toHaveLength(2);
    expect(strings.every((s) => s.length <= 255)).toBe(true);
    expect(strings.join('')).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/);
    expect(res.stderr).toContain('dkim.domain example.org is not the sender\'s domain (example.com)');
    expect(res.stdout + res.stderr).not.toContain('PRIVATE KEY');
  });

  test('a key file that is not a private key is an error naming the file, never its content', async () => {
    nl = makeNewsletter({ config: { dkim: { domain: 'example.com', selector: 'mail', keyFile: 'dkim.pem' } }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: { 'list.csv': 'email\nada@example.com\n' } });
    nl.write('dkim.pem', 'not a key at all, secret-looking-text');
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/dkim\.pem/);
    expect(res.stdout + res.stderr).not.toContain('secret-looking-text');
  });

});
