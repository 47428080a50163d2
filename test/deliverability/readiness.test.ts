/**
 * The pure parts of `herald check`'s bulk-sender readiness: the settings' findings, the verdict
 * on DNS answers, TXT values split for DNS. Each finding with a case that has it and one that
 * does not; the CLI and the network are in test/e2e/deliverability.test.ts.
 */
import { judgeDns, publicKeyOf, type DnsFacts } from '../../src/deliverability/dns-records';
import { aligned, readinessProblems, type ReadinessFacts } from '../../src/deliverability/readiness';
import { quotedTxt, txtStrings } from '../../src/deliverability/txt';

const READY: ReadinessFacts = {
  fromAddress: 'news@example.com',
  returnPath: 'news@example.com',
  unsubscribeUrl: 'https://news.example.com/unsubscribe',
  dkimConfigured: true,
  dkimDomain: 'example.com',
  postalAddress: '1 Long Road',
};
const findings = (facts: Partial<ReadinessFacts>): string[] => readinessProblems({ ...READY, ...facts }, 'warning', 'herald.config.json').map((p) => p.message);

describe('readiness from the settings', () => {
  test('a ready newsletter has no finding; the severity is the caller\'s', () => {
    expect(findings({})).toEqual([]);
    expect(readinessProblems({ ...READY, postalAddress: undefined }, 'error', 'c.json')[0]).toMatchObject({ severity: 'error', location: { file: 'c.json' }, hint: expect.any(String) });
  });

  test('one-click: missing, or not https', () => {
    expect(findings({ unsubscribeUrl: undefined })).toEqual([expect.stringMatching(/^no one-click unsubscribe/)]);
    expect(findings({ unsubscribeUrl: 'http://news.example.com/u' })).toEqual([expect.stringMatching(/is not https/)]);
  });

  test('DKIM: not configured, or for a domain that does not align with From; a parent domain aligns', () => {
    expect(findings({ dkimConfigured: false, dkimDomain: undefined })).toEqual([expect.stringMatching(/^messages are not DKIM-signed/)]);
    expect(findings({ dkimDomain: 'other.org' })).toEqual(['dkim.domain other.org is not the sender\'s domain (example.com), so DMARC will not count the signature']);
    expect(findings({ fromAddress: 'news@mail.example.com', returnPath: 'news@mail.example.com', dkimDomain: 'example.com' })).toEqual([]);
    expect(findings({ dkimDomain: 'mail.example.com' })).toEqual([]);
  });

  test('Return-Path: in another domain is a finding; the same domain or a subdomain is not', () => {
    expect(findings({ returnPath: 'bounces@esp.example.net' })).toEqual([expect.stringMatching(/^the Return-Path \(bounces@esp\.example\.net\) is not in the sender's domain \(example\.com\)/)]);
    expect(findings({ returnPath: 'bounces@bounce.example.com' })).toEqual([]);
  });

  test('postal address: missing or blank', () => {
    expect(findings({ postalAddress: '  ' })).toEqual([expect.stringMatching(/^no postal address/)]);
  });

  test('alignment is by whole labels', () => {
    expect(aligned('mail.example.com', 'example.com')).toBe(true);
    expect(aligned('badexample.com', 'example.com')).toBe(false);
  });
});

describe('the DNS verdict', () => {
  const KEY = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`;
  const found = (...values: string[]) => ({ kind: 'found' as const, values });
  const GOOD: DnsFacts = {
    fromDomain: 'example.com',
    spf: found('v=spf1 mx ~all', 'other=1'),
    dmarc: found('v=DMARC1; p=none'),
    dmarcName: '_dmarc.example.com',
    mx: found('10 mx.example.com'),
    dkim: { name: 's._domainkey.example.com', value: KEY, found: found(KEY) },
  };

  test('every record right: only good lines', () => {
    const verdict = judgeDns(GOOD, 'error');
    expect(verdict.problems).toEqual([]);
    expect(verdict.good).toHaveLength(4);
  });

  test('a failed lookup is named as a failure, not as a missing record', () => {
    const verdict = judgeDns({ ...GOOD, mx: { kind: 'failed', reason: 'ETIMEOUT' } }, 'error');
    expect(verdict.problems.map((p) => p.message)).toEqual(['MX for example.com: the lookup failed (ETIMEOUT)']);
  });

  test('a DMARC record that is not one (v=DMARC10, or text) does not count', () => {
    expect(judgeDns({ ...GOOD, dmarc: found('v=DMARC10; p=none', 'hello') }, 'error').problems.map((p) => p.message)).toEqual([expect.stringMatching(/^DMARC: example\.com has no DMARC record/)]);
  });

  test('the DKIM key compares p= only, whatever the spacing and other tags', () => {
    expect(publicKeyOf('v=DKIM1;  p=AB CD ; t=s')).toBe('ABCD');
    expect(judgeDns({ ...GOOD, dkim: { ...GOOD.dkim!, found: found(`k=rsa; v=DKIM1; p=${'A'.repeat(392)}; t=y`) } }, 'error').problems).toEqual([]);
    expect(publicKeyOf('v=DKIM1; p=')).toBeUndefined();
  });
});

describe('TXT values for DNS', () => {
  test('split into strings of at most 255 bytes that join back to the value', () => {
    const value = `v=DKIM1; k=rsa; p=${'x'.repeat(392)}`;
    const strings = txtStrings(value);
    expect(strings.map((s) => s.length)).toEqual([255, value.length - 255]);
    expect(strings.join('')).toBe(value);
    expect(txtStrings('v=spf1 mx ~all')).toEqual(['v=spf1 mx ~all']);
    expect(quotedTxt('a"b')).toBe('"a\\"b"');
  });
});
