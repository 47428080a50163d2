import { relayQuota, relayUrl, relayUrlVariable } from '../../src/config/relay-settings';
import { validateConfig } from '../../src/config/schema';

const base = { siteUrl: 'https://example.com/' };

describe('the relays setting', () => {
  test('defaults per relay; no relays means the single HERALD_SMTP_URL as before', () => {
    const ok = validateConfig({ ...base, relays: [{ name: 'ses' }] });
    expect(ok.ok && ok.config.relays).toEqual([
      { name: 'ses', weight: 1, connections: 5, messagesPerSecond: 0, maxPerDay: 0, maxMessagesPerConnection: 100, preferredDomains: [], reservedDomains: [] },
    ]);
    const none = validateConfig(base);
    expect(none.ok && none.config.relays).toBeUndefined();
  });

  test('names each mistake', () => {
    const bad = validateConfig({
      ...base,
      relays: [
        { name: 'a-b', reservedDomains: ['yahoo.com'] },
        { name: 'a_b', reservedDomains: ['Yahoo.com'], weight: 0 },
        { name: 'bad name', preferredDomains: ['not a domain'] },
      ],
    });
    expect(bad.ok).toBe(false);
    const messages = bad.ok ? [] : bad.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages.join('\n')).toMatch(/relays\.1\.weight/);
    expect(messages.join('\n')).toMatch(/relays\.2\.name: must be letters/);
    expect(messages.join('\n')).toMatch(/relays\.2\.preferredDomains\.0: must be a domain/);
    expect(bad.ok ? '' : JSON.stringify(bad.issues)).toMatch(/yahoo\.com is already reserved for relay \\"a-b\\"/);
    expect(bad.ok ? '' : JSON.stringify(bad.issues)).toMatch(/would both read HERALD_SMTP_URL_A_B/);
  });

  test("a relay's URL: its own variable, or HERALD_SMTP_URL for a single relay", () => {
    expect(relayUrlVariable('eu-west')).toBe('HERALD_SMTP_URL_EU_WEST');
    const env = { smtpUrl: 'smtp://one', relayUrls: { HERALD_SMTP_URL_SES: 'smtp://ses' } };
    expect(relayUrl({ name: 'ses' }, 2, env)).toBe('smtp://ses');
    expect(relayUrl({ name: 'other' }, 2, env)).toBeUndefined();
    expect(relayUrl({ name: 'other' }, 1, env)).toBe('smtp://one');
  });

  test('the daily quota: maxPerDay, and a warm-up ramp from its start date', () => {
    const warmup = { startDate: '2026-03-01', startPerDay: 500, factor: 1.5 };
    expect(relayQuota({ maxPerDay: 0 }, new Date('2026-03-01T12:00:00Z'))).toBe(Infinity);
    expect(relayQuota({ maxPerDay: 0, warmup }, new Date('2026-02-20T12:00:00Z'))).toBe(500);
    expect(relayQuota({ maxPerDay: 0, warmup }, new Date('2026-03-01T23:59:00Z'))).toBe(500);
    expect(relayQuota({ maxPerDay: 0, warmup }, new Date('2026-03-02T00:00:00Z'))).toBe(750);
    expect(relayQuota({ maxPerDay: 0, warmup }, new Date('2026-03-04T08:00:00Z'))).toBe(1687);
    expect(relayQuota({ maxPerDay: 1000, warmup }, new Date('2026-03-04T08:00:00Z'))).toBe(1000);
  });
});
