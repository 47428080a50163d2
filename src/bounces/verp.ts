import crypto from 'node:crypto';

/**
 * VERP: every message leaves with its own envelope sender, `bounces+TOKEN@example.com`, so a
 * bounce that comes back to that address names the delivery it is about, whatever the bouncing
 * server quotes of the original. The token is the start of the delivery's Message-ID digest
 * (which the record indexes) and an HMAC of it under HERALD_SECRET: only herald can make one, and
 * after a rotation HERALD_SECRET_PREVIOUS still verifies the tokens already out there. Lower-case
 * hex only, because some servers change the case of a local part, and short enough (49
 * characters with "bounces+") to stay under the 64 a local part may have.
 */
const PURPOSE = 'herald-return-path-v1';
const DIGEST_CHARS = 24;
const MAC_CHARS = 16;
const TOKEN = /^([0-9a-f]{24})-([0-9a-f]{16})$/;
export const TOKEN_SLOT = '{token}';

/** The hex digest a herald Message-ID carries (`<digest@domain>`), or undefined for any other. */
export function messageIdDigest(messageId: string): string | undefined {
  const match = /^<([0-9a-f]{40})@[^>]+>$/.exec(messageId.trim());
  return match?.[1];
}

export function verpToken(messageId: string, secret: string): string | undefined {
  const digest = messageIdDigest(messageId)?.slice(0, DIGEST_CHARS);
  return digest && `${digest}-${mac(digest, secret)}`;
}

/**
 * The envelope sender of one message: the setting as it is, or with the delivery's token in it.
 * Without a secret (a dry run's preview) the token is a placeholder nothing accepts.
 */
export function returnPathFor(pattern: string, messageId: string, secret: string | undefined): string {
  if (!pattern.includes(TOKEN_SLOT)) return pattern;
  const token = (secret && verpToken(messageId, secret)) || 'preview';
  return pattern.replace(TOKEN_SLOT, token);
}

/** The Message-ID digest prefix a token names when it is genuine under any of the secrets. */
export function verifyVerpToken(token: string, secrets: readonly string[]): string | undefined {
  const match = TOKEN.exec(token.toLowerCase());
  if (!match) return undefined;
  const [, digest, given] = match as unknown as [string, string, string];
  for (const secret of secrets) {
    const expected = mac(digest, secret);
    if (crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(given))) return digest;
  }
  return undefined;
}

/** The token in an address made from the pattern (compared without case), or undefined. */
export function tokenInAddress(address: string, pattern: string): string | undefined {
  const at = pattern.indexOf(TOKEN_SLOT);
  if (at < 0) return undefined;
  const before = pattern.slice(0, at).toLowerCase();
  const after = pattern.slice(at + TOKEN_SLOT.length).toLowerCase();
  const plain = address.trim().replace(/^<|>$/g, '').toLowerCase();
  if (plain.length <= before.length + after.length || !plain.startsWith(before) || !plain.endsWith(after)) return undefined;
  return plain.slice(before.length, plain.length - after.length);
}

/** Every token-shaped address in a piece of text that fits the pattern (headers quoted in a bounce). */
export function tokensInText(text: string, pattern: string): string[] {
  const at = pattern.indexOf(TOKEN_SLOT);
  if (at < 0) return [];
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${escape(pattern.slice(0, at))}([0-9a-f]{${DIGEST_CHARS}}-[0-9a-f]{${MAC_CHARS}})${escape(pattern.slice(at + TOKEN_SLOT.length))}`, 'gi');
  return [...new Set([...text.matchAll(re)].map((m) => m[1]!.toLowerCase()))];
}

function mac(digest: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(`${PURPOSE}\n${digest}`).digest('hex').slice(0, MAC_CHARS);
}
