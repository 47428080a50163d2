/**
 * Shared by the serve, subscribers, DKIM and unsubscribe tests: settings for a temporary
 * newsletter, DKIM keys made on the spot, and DKIM verification with mailauth against a DNS
 * resolver that knows only the test key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dkimVerify } from 'mailauth';
import { loadSettings, type Settings } from '../../src/config/load';

export const SECRET = 'serve-test-secret-0123456789abcdef';
export const OLD_SECRET = 'the-previous-secret-fedcba9876543210';
export const PUBLIC_URL = 'https://news.example.com/unsubscribe';

export function settingsIn(root: string, env: NodeJS.ProcessEnv = { HERALD_SECRET: SECRET }): Settings {
  return loadSettings(root, env);
}

export interface TestDkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly privatePem: string;
  /** The TXT record value for SELECTOR._domainkey.DOMAIN. */
  readonly txt: string;
  /** Writes the private key under dir and returns its path. */
  writeTo(dir: string, name?: string): string;
}

export function makeDkimKey(domain = 'example.com', selector = 'herald', bits = 2048): TestDkimKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    domain,
    selector,
    privatePem,
    txt: `v=DKIM1; k=rsa; p=${spki}`,
    writeTo(dir, name = 'dkim.pem') {
      const file = path.join(dir, name);
      fs.writeFileSync(file, privatePem, { mode: 0o600 });
      return file;
    },
  };
}

/** Verifies every DKIM signature of a raw message; DNS knows only the given keys. */
export async function verifyDkim(raw: Buffer, keys: readonly TestDkimKey[]) {
  const lookups: string[] = [];
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    lookups.push(`${type} ${name}`);
    const key = keys.find((k) => `${k.selector}._domainkey.${k.domain}` === name.toLowerCase());
    if (type === 'TXT' && key) return [[key.txt]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const result = await dkimVerify(raw, { resolver });
  return { result, lookups, statuses: result.results.map((r) => r.status.result) };
}
