import crypto from 'node:crypto';
import { ErrorCode, type Problem, warning } from '../errors';
import type { SecretUse } from '../record/secrets';

/**
 * Unsubscribe links are signed with HERALD_SECRET. Change it without listing the old value in
 * HERALD_SECRET_PREVIOUS and every link already in people's inboxes stops working, silently. The
 * record remembers which secrets signed the messages it sent (as fingerprints, never the secrets
 * themselves), so herald can say so before that happens unnoticed.
 */

/** Links signed this long ago are still expected to work; older secrets may be retired. */
export const LINK_LIFETIME_DAYS = 180;

/** Identifies a secret without revealing it (an HMAC keyed by the secret over a fixed text). */
export function secretFingerprint(secret: string): string {
  return crypto.createHmac('sha256', secret).update('herald-secret-fingerprint-v1').digest('base64url').slice(0, 16);
}

/** The uses list with this secret's use at `now` added or brought up to date. */
export function withSecretUse(uses: readonly SecretUse[], secret: string, now: Date): SecretUse[] {
  const fingerprint = secretFingerprint(secret);
  const stamp = now.toISOString();
  const known = uses.find((u) => u.fingerprint === fingerprint);
  return known
    ? uses.map((u) => (u === known ? { ...u, lastUsed: stamp } : u))
    : [...uses, { fingerprint, firstUsed: stamp, lastUsed: stamp }];
}

/**
 * A warning when messages sent within LINK_LIFETIME_DAYS were signed with a secret that is
 * neither the current one nor a previous one: their unsubscribe links no longer verify.
 */
export function forgottenSecretWarning(uses: readonly SecretUse[], secrets: readonly string[], now: Date): Problem | undefined {
  const held = new Set(secrets.map(secretFingerprint));
  const since = now.getTime() - LINK_LIFETIME_DAYS * 86_400_000;
  const forgotten = uses.filter((u) => !held.has(u.fingerprint) && Date.parse(u.lastUsed) >= since);
  if (!forgotten.length) return undefined;
  const until = forgotten.map((u) => u.lastUsed).sort().at(-1)!.slice(0, 10);
  return warning(
    ErrorCode.ECONFIG,
    `the unsubscribe links in messages sent up to ${until} were signed with a secret that is neither HERALD_SECRET nor listed in HERALD_SECRET_PREVIOUS, so they no longer work`,
    undefined,
    'If HERALD_SECRET was changed on purpose, put the old value in HERALD_SECRET_PREVIOUS (comma-separated) wherever herald send and herald serve run; otherwise set HERALD_SECRET back.',
  );
}
