import crypto from 'node:crypto';

/**
 * Double opt-in: the link in a confirmation email carries the address, the name and the time it
 * was asked for, signed with HERALD_SECRET under a purpose string of its own, so an unsubscribe
 * token can never confirm a subscription (or the other way round), and a link cannot be edited to
 * subscribe somebody else. It expires.
 */
const PURPOSE = 'herald-subscribe-confirm-v1';
export const CONFIRM_TTL_MS = 48 * 3_600_000;
export const MAX_CONFIRM_TOKEN = 2048;

export interface ConfirmRequest {
  readonly email: string;
  readonly name: string;
  readonly at: Date;
}

export function confirmToken(request: ConfirmRequest, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ e: request.email, n: request.name, t: Math.floor(request.at.getTime() / 1000) }), 'utf8').toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

export type ConfirmCheck = { readonly ok: true; readonly request: ConfirmRequest } | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

export function verifyConfirmToken(token: string, secrets: readonly string[], now: Date, ttlMs = CONFIRM_TTL_MS): ConfirmCheck {
  if (token.length > MAX_CONFIRM_TOKEN) return { ok: false, reason: 'invalid' };
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length) return { ok: false, reason: 'invalid' };
  const given = Buffer.from(signature, 'utf8');
  const genuine = secrets.some((secret) => {
    const expected = Buffer.from(mac(payload, secret), 'utf8');
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  });
  if (!genuine) return { ok: false, reason: 'invalid' };
  let data: { e?: unknown; n?: unknown; t?: unknown };
  try {
    data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof data;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof data.e !== 'string' || typeof data.n !== 'string' || typeof data.t !== 'number') return { ok: false, reason: 'invalid' };
  const at = new Date(data.t * 1000);
  const age = now.getTime() - at.getTime();
  // a little slack for clocks, none for links from the future
  if (age > ttlMs || age < -5 * 60_000) return { ok: false, reason: 'expired' };
  return { ok: true, request: { email: data.e, name: data.n, at } };
}

function mac(payload: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(`${PURPOSE}\n${payload}`).digest('base64url');
}
