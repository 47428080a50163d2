import type { App } from '../app';
import type { Settings } from '../config/load';
import type { Problem } from '../errors';
import type { SendRecord } from '../record/sqlite';
import { forgottenSecretWarning, withSecretUse } from '../unsubscribe/continuity';

/** The secrets herald can verify links with now: the current one and the ones kept after a rotation. */
function heldSecrets(settings: Settings): string[] | undefined {
  return settings.env.secret ? [settings.env.secret, ...settings.env.previousSecrets] : undefined;
}

/**
 * For check and serve: links already sent must still verify with the secrets held now. Advisory:
 * a record that cannot be read here (none yet, or busy) gives no warning rather than an error.
 */
export function signingSecretProblems(app: Pick<App, 'settings' | 'readRecord'>, now: Date): Problem[] {
  const secrets = heldSecrets(app.settings);
  if (!secrets) return [];
  let record: SendRecord | undefined;
  try {
    record = app.readRecord();
    const forgotten = record && forgottenSecretWarning(record.secretUses(), secrets, now);
    return forgotten ? [forgotten] : [];
  } catch {
    return [];
  } finally {
    record?.close();
  }
}

/**
 * For a send about to go out: the same warning, then the note that this run's messages are
 * signed with the current secret.
 */
export function noteSigningSecret(record: SendRecord, settings: Settings, now: Date): Problem[] {
  const secrets = heldSecrets(settings);
  if (!secrets) return [];
  const uses = record.secretUses();
  const forgotten = forgottenSecretWarning(uses, secrets, now);
  record.setSecretUses(withSecretUse(uses, secrets[0]!, now));
  return forgotten ? [forgotten] : [];
}
