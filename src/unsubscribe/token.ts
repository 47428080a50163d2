import crypto from 'node:crypto';

/**
 * Unsubscribe tokens: the subscriber's key and an HMAC of it under HERALD_SECRET, so a link can
 * neither be forged nor moved to another subscriber. Verification is in constant time.
 */
const PURPOSE = 'herald-unsubscribe-v1';

export function unsubscribeToken(key: string, secret: string): string {
  return `${Buffer.from(key, 'utf8').toString('base64url')}.${mac(key, secret)}`;
}

/** Returns the subscriber key when the token is genuine under any of the secrets, else undefined. */
export function verifyUnsubscribeToken(token: string, secrets: readonly string[]): string | undefined {
  const [encoded, signature, ...rest] = token.split('.');
  if (!encoded || !signature || rest.length) return undefined;
  const key = Buffer.from(encoded, 'base64url').toString('utf8');
  const given = Buffer.from(signature, 'utf8');
  for (const secret of secrets) {
    const expected = Buffer.from(mac(key, secret), 'utf8');
    if (expected.length === given.length && crypto.timingSafeEqual(expected, given)) return key;
  }
  return undefined;
}

function mac(key: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(`${PURPOSE}\n${key}`).digest('base64url').slice(0, 32);
}

export function unsubscribeUrl(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set('token', token);
  return url.toString();
}
