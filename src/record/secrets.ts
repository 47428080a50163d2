import type Database from 'better-sqlite3';
import { readMeta, writeMeta } from './schema';

/**
 * One secret that signed unsubscribe links in sent messages, known by its fingerprint only (the
 * record never holds a secret). unsubscribe/continuity.ts decides what the list means.
 */
export interface SecretUse {
  readonly fingerprint: string;
  readonly firstUsed: string;
  readonly lastUsed: string;
}

const KEY = 'signing_secrets';

/** Which secrets signed the unsubscribe links of sent messages, kept in the record's meta table. */
export class SecretUses {
  constructor(private readonly db: Database.Database) {}

  /** The uses recorded so far; none when nothing was recorded or the value is unreadable. */
  secretUses(): SecretUse[] {
    const text = readMeta(this.db, KEY);
    try {
      const uses: unknown = text ? JSON.parse(text) : [];
      return Array.isArray(uses) ? (uses as SecretUse[]) : [];
    } catch {
      return [];
    }
  }

  setSecretUses(uses: readonly SecretUse[]): void {
    writeMeta(this.db, KEY, JSON.stringify(uses));
  }
}
