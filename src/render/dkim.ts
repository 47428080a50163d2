import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { dkimSign } from './dkim-sign';

/**
 * DKIM: the key and its settings (this file) and the signature itself (dkim-sign.ts: relaxed/relaxed,
 * rsa-sha256, covering From, Subject, Date, Message-ID, To, List-Id, Feedback-ID, List-Unsubscribe
 * and List-Unsubscribe-Post, which RFC 8058 one-click needs signed, with From, Subject and the two
 * List-Unsubscribe headers oversigned). The private key is read once, kept as a KeyObject and
 * never printed: errors name the file, never its content.
 */
export interface DkimSigner {
  readonly domain: string;
  readonly selector: string;
  /** The key file as resolved, for messages. */
  readonly keyFile: string;
  readonly bits: number;
  readonly key: crypto.KeyObject;
}

const MAX_KEY_BYTES = 64 * 1024;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The settings a signer is loaded from (Settings satisfies it). */
export interface DkimSettings {
  readonly dkim?: { readonly domain: string; readonly selector: string; readonly keyFile?: string };
  /** The project folder, against which a relative key file is found. */
  readonly root: string;
  readonly configPath: string;
  readonly env: { readonly dkimKeyFile?: string };
}

/** The signer for settings.dkim, or undefined when DKIM is not configured. Throws ECONFIG on any problem. */
export function loadDkim(settings: DkimSettings): DkimSigner | undefined {
  const config = settings.dkim;
  if (!config) {
    if (settings.env.dkimKeyFile) {
      throw new HeraldError(ErrorCode.ECONFIG, 'HERALD_DKIM_KEY_FILE is set but "dkim" is not configured', {
        location: { file: settings.configPath },
        hint: 'Add "dkim": { "domain": "example.com", "selector": "herald" } to herald.config.json, or unset HERALD_DKIM_KEY_FILE.',
      });
    }
    return undefined;
  }
  const where = { file: settings.configPath };
  const domain = config.domain.trim().toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(domain)) throw new HeraldError(ErrorCode.ECONFIG, `dkim.domain "${config.domain}" is not a domain name`, { location: where });
  if (!SELECTOR.test(config.selector)) throw new HeraldError(ErrorCode.ECONFIG, `dkim.selector "${config.selector}" is not a DNS label`, { location: where });
  const given = settings.env.dkimKeyFile ?? config.keyFile;
  if (!given) {
    throw new HeraldError(ErrorCode.ECONFIG, 'DKIM is configured but no private key file is given', {
      location: where,
      hint: 'Set HERALD_DKIM_KEY_FILE=/path/to/dkim.pem (or "dkim.keyFile" in herald.config.json).',
    });
  }
  const keyFile = path.resolve(settings.root, given);
  const source = settings.env.dkimKeyFile ? 'HERALD_DKIM_KEY_FILE' : 'dkim.keyFile';
  let pem: string;
  try {
    const stat = fs.statSync(keyFile);
    if (!stat.isFile() || stat.size > MAX_KEY_BYTES) throw Object.assign(new Error('not a key file'), { code: 'ENOTKEY' });
    pem = fs.readFileSync(keyFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'ENOTKEY' ? 'is not a key file' : `cannot be read (${code ?? 'error'})`;
    throw new HeraldError(ErrorCode.ECONFIG, `the DKIM key file ${keyFile} (${source}) ${why}`, {
      hint: 'Generate one with: openssl genrsa -out dkim.pem 2048 (and publish its public key in DNS).',
    });
  }
  const notKey = (detail: string): HeraldError =>
    new HeraldError(ErrorCode.ECONFIG, `the DKIM key file ${keyFile} (${source}) ${detail}`, {
      hint: 'It must be an unencrypted RSA private key in PEM form ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----").',
    });
  if (!/-----BEGIN (?:RSA |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) throw notKey('is not a PEM private key');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) throw notKey('is encrypted with a passphrase');
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw notKey('is not a PEM private key'); // the parser's message is not repeated: it could quote the file
  }
  if (key.asymmetricKeyType !== 'rsa') throw notKey(`holds a ${key.asymmetricKeyType ?? 'non-RSA'} key; herald signs with rsa-sha256`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) throw notKey(`holds a ${bits}-bit key; receivers ignore DKIM keys under 1024 bits (use 2048)`);
  return { domain, selector: config.selector, keyFile, bits, key };
}

/** Returns the message with a DKIM-Signature header prepended; the rest of the bytes are unchanged. */
export async function signRaw(signer: DkimSigner, raw: Buffer): Promise<Buffer> {
  try {
    return dkimSign(signer, raw);
  } catch (err) {
    throw new HeraldError(ErrorCode.ECONFIG, `DKIM signing failed: ${(err as Error).message}`);
  }
}

/** The TXT record to publish at SELECTOR._domainkey.DOMAIN for this key. */
export function dkimDnsRecord(signer: DkimSigner): { name: string; value: string } {
  const spki = crypto.createPublicKey(signer.key).export({ type: 'spki', format: 'der' }).toString('base64');
  return { name: `${signer.selector}._domainkey.${signer.domain}`, value: `v=DKIM1; k=rsa; p=${spki}` };
}
