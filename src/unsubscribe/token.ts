import crypto from 'node:crypto';

/**
 * Unsubscribe tokens. A token must let herald serve find the subscriber without any state, must
 * not be forgeable or movable to another subscriber, and must not reveal the address to whoever
 * sees the URL (proxy and server logs, link scanners). So the key is encrypted, not just signed:
 *
 *   token = base64url(tag ‖ AES-256-CTR(encKey, iv = tag, padded key))
 *   tag   = HMAC-SHA256(macKey, padded key), first 16 bytes
 *
 * a synthetic-IV construction: the tag authenticates the key and is the counter's IV, so equal
 * keys give equal tokens (links stay stable across posts) and any changed byte fails the tag.
 * Both keys are derived from HERALD_SECRET, so rotation works as before: verification tries
 * HERALD_SECRET, then each of HERALD_SECRET_PREVIOUS. The key is padded with NULs to a multiple
 * of 32 bytes, so a token's length says little about the address.
 *
 * Links already mailed in the earlier form, `base64url(key).mac`, keep working: a token with a
 * dot is read that way (a token of the current form never has one).
 */
const LEGACY_PURPOSE = 'herald-unsubscribe-v1';
const TAG_BYTES = 16;
const PAD_TO = 32;

/** The token a test copy (`herald send POST --to ADDRESS`) carries: it names nobody, so its links unsubscribe nobody. */
export const TEST_COPY_TOKEN = 'test-copy';

interface Keys {
  readonly enc: Buffer;
  readonly mac: Buffer;
}
// derived once per secret: a send makes one token per recipient
const derived = new Map<string, Keys>();

function keysFor(secret: string): Keys {
  let keys = derived.get(secret);
  if (!keys) {
    const derive = (purpose: string): Buffer => crypto.createHmac('sha256', secret).update(purpose).digest();
    keys = { enc: derive('herald-unsubscribe-v2-encrypt'), mac: derive('herald-unsubscribe-v2-sign') };
    if (derived.size > 16) derived.clear();
    derived.set(secret, keys);
  }
  return keys;
}

export function unsubscribeToken(key: string, secret: string): string {
  const keys = keysFor(secret);
  const plain = pad(Buffer.from(key, 'utf8'));
  const tag = crypto.createHmac('sha256', keys.mac).update(plain).digest().subarray(0, TAG_BYTES);
  const cipher = crypto.createCipheriv('aes-256-ctr', keys.enc, tag);
  return Buffer.concat([tag, cipher.update(plain), cipher.final()]).toString('base64url');
}

/** Returns the subscriber key when the token is genuine under any of the secrets, else undefined. */
export function verifyUnsubscribeToken(token: string, secrets: readonly string[]): string | undefined {
  if (token.includes('.')) return verifyLegacy(token, secrets);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < TAG_BYTES + PAD_TO || (bytes.length - TAG_BYTES) % PAD_TO !== 0) return undefined;
  const tag = bytes.subarray(0, TAG_BYTES);
  for (const secret of secrets) {
    const keys = keysFor(secret);
    const decipher = crypto.createDecipheriv('aes-256-ctr', keys.enc, tag);
    const plain = Buffer.concat([decipher.update(bytes.subarray(TAG_BYTES)), decipher.final()]);
    const expected = crypto.createHmac('sha256', keys.mac).update(plain).digest().subarray(0, TAG_BYTES);
    if (crypto.timingSafeEqual(expected, tag)) return unpad(plain);
  }
  return undefined;
}

function pad(key: Buffer): Buffer {
  const length = Math.max(PAD_TO, Math.ceil(key.length / PAD_TO) * PAD_TO);
  return Buffer.concat([key, Buffer.alloc(length - key.length)]);
}

function unpad(plain: Buffer): string | undefined {
  const end = plain.indexOf(0);
  const key = (end === -1 ? plain : plain.subarray(0, end)).toString('utf8');
  return key || undefined;
}

/** The first form, `base64url(key).mac`: still accepted so that links in mail already sent work. */
function verifyLegacy(token: string, secrets: readonly string[]): string | undefined {
  const [encoded, signature, ...rest] = token.split('.');
  if (!encoded || !signature || rest.length) return undefined;
  const key = Buffer.from(encoded, 'base64url').toString('utf8');
  const given = Buffer.from(signature, 'utf8');
  for (const secret of secrets) {
    const expected = Buffer.from(legacyMac(key, secret), 'utf8');
    if (expected.length === given.length && crypto.timingSafeEqual(expected, given)) return key;
  }
  return undefined;
}

/** How links were signed before tokens were encrypted; exported so tests can make such a link. */
export function legacyUnsubscribeToken(key: string, secret: string): string {
  return `${Buffer.from(key, 'utf8').toString('base64url')}.${legacyMac(key, secret)}`;
}

function legacyMac(key: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(`${LEGACY_PURPOSE}\n${key}`).digest('base64url').slice(0, 32);
}

export function unsubscribeUrl(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set('token', token);
  return url.toString();
}
