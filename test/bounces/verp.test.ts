import { validateConfig } from '../../src/config/schema';
import { messageIdDigest, returnPathFor, tokenInAddress, tokensInText, verifyVerpToken, verpToken } from '../../src/bounces/verp';

const MESSAGE_ID = '<0123456789abcdef0123456789abcdef01234567@example.com>';
const PATTERN = 'bounces+{token}@example.com';

describe('VERP return path', () => {
  test('each delivery gets its own signed address, short enough for a local part, verified under the current and previous secrets', () => {
    const address = returnPathFor(PATTERN, MESSAGE_ID, 'secret-a');
    expect(address).toMatch(/^bounces\+[0-9a-f]{24}-[0-9a-f]{16}@example\.com$/);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    const token = tokenInAddress(address, PATTERN)!;
    expect(verifyVerpToken(token, ['secret-a'])).toBe('0123456789abcdef01234567');
    expect(verifyVerpToken(token, ['rotated', 'secret-a'])).toBe('0123456789abcdef01234567');
    expect(verifyVerpToken(token, ['another'])).toBeUndefined();
    // a server that upper-cases the local part does not break it
    expect(verifyVerpToken(token.toUpperCase(), ['secret-a'])).toBe('0123456789abcdef01234567');
  });

  test('a token cannot be moved to another delivery or made up', () => {
    const token = verpToken(MESSAGE_ID, 'secret-a')!;
    const [digest, mac] = token.split('-');
    const other = `${'f'.repeat(24)}-${mac}`;
    expect(verifyVerpToken(other, ['secret-a'])).toBeUndefined();
    expect(verifyVerpToken(`${digest}-${'0'.repeat(16)}`, ['secret-a'])).toBeUndefined();
    expect(verifyVerpToken('not-a-token', ['secret-a'])).toBeUndefined();
  });

  test('without {token} the setting is the envelope sender as it is; without a secret a placeholder', () => {
    expect(returnPathFor('bounces@example.com', MESSAGE_ID, 'secret-a')).toBe('bounces@example.com');
    expect(returnPathFor(PATTERN, MESSAGE_ID, undefined)).toBe('bounces+preview@example.com');
    expect(messageIdDigest('<abc@example.com>')).toBeUndefined();
  });

  test('tokens are found wherever a report quotes the return path', () => {
    const a = returnPathFor(PATTERN, MESSAGE_ID, 'secret-a');
    const text = `Delivered-To: ${a}\r\nX-Other: bounces+zz@example.com\r\n\r\nReturn-Path: <${a.toUpperCase()}>`;
    expect(tokensInText(text, PATTERN)).toEqual([tokenInAddress(a, PATTERN)]);
    expect(tokensInText(text, 'bounces@example.com')).toEqual([]);
  });
});

describe('the bounces settings', () => {
  const check = (bounces: unknown) => validateConfig({ siteUrl: 'https://example.com/', bounces });

  test('defaults: no return path, 3 soft bounces in 30 days, 1000 reports kept, webhooks under /webhooks', () => {
    const result = check(undefined);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.bounces).toEqual({ softBounces: { count: 3, days: 30 }, keepReports: 1000, maxReportBytes: 5_000_000, webhooks: { path: '/webhooks' } });
  });

  test.each([
    [{ returnPath: 'not an address' }, 'bounces.returnPath', 'must be an address'],
    [{ returnPath: 'b+{token}{token}@example.com' }, 'bounces.returnPath', 'may hold {token} once'],
    [{ softBounces: { count: 0 } }, 'bounces.softBounces.count', ''],
    [{ webhooks: { ses: { topicArns: ['my-topic'] } } }, 'bounces.webhooks.ses.topicArns.0', 'must be an SNS topic ARN'],
    [{ schedule: { cron: '* * * * *', maildir: 'a', mbox: 'b' } }, 'bounces.schedule', 'not both'],
  ])('%j is refused, naming %s', (bounces, where, message) => {
    const result = check(bounces);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([expect.objectContaining({ path: where, message: expect.stringContaining(message) })]);
  });
});
