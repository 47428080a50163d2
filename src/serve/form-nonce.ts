import crypto from 'node:crypto';

/**
 * The preferences form's nonce: a fresh random value per form shown, with the time it was shown,
 * signed for this subscriber. A POST must carry the one its page was given: the signed link alone
 * (which a mail scanner or a forwarded email may hold) cannot change anything, and a nonce is
 * bound to one address and goes stale after a day.
 */
const PURPOSE = 'herald-preferences-form-v1';
export const NONCE_LIFETIME_MS = 24 * 3_600_000;

export function formNonce(key: string, secret: string, now: Date): string {
  const body = `${Math.floor(now.getTime() / 1000)}.${crypto.randomBytes(12).toString('base64url')}`;
  return `${body}.${mac(key, body, secret)}`;
}

export function verifyFormNonce(nonce: string, key: string, secrets: readonly string[], now: Date): boolean {
  const parts = nonce.split('.');
  if (parts.length !== 3 || nonce.length > 200) return false;
  const body = `${parts[0]}.${parts[1]}`;
  const issued = Number(parts[0]) * 1000;
  if (!Number.isFinite(issued) || issued > now.getTime() + 60_000 || now.getTime() - issued > NONCE_LIFETIME_MS) return false;
  const given = Buffer.from(parts[2]!, 'utf8');
  return secrets.some((secret) => {
    const expected = Buffer.from(mac(key, body, secret), 'utf8');
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  });
}

function mac(key: string, body: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(`${PURPOSE}\n${key}\n${body}`).digest('base64url');
}
