import url from 'node:url';

/**
 * Strict validation of one plain mailbox address per value. Anything that could smuggle in a
 * second recipient or a header (commas, semicolons, angle brackets, quotes, whitespace, line
 * breaks, display names, comments, source routes) is refused rather than interpreted.
 */

const ATEXT = "[\\p{L}\\p{N}\\p{M}!#$%&'*+/=?^_`{|}~-]";
const LOCAL_PART = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`, 'u');
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u;
const SEPARATORS = /[\s,;]+/;
/** The same rules for an all-ASCII address (most of any list), where Unicode classes only cost. */
const ASCII_TEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const ASCII_LOCAL_PART = new RegExp(`^${ASCII_TEXT}+(?:\\.${ASCII_TEXT}+)*$`);
const ASCII_DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const NON_ASCII = /[^\x00-\x7f]/;

export type AddressCheck =
  | { readonly ok: true; readonly address: string; readonly key: string; readonly smtputf8: boolean }
  | { readonly ok: false; readonly reason: string };

export function checkAddress(input: string): AddressCheck {
  const trimmed = input.trim();
  const value = needsSmtpUtf8(trimmed) ? trimmed.normalize('NFC') : trimmed;
  if (!value) return { ok: false, reason: 'the email address is empty' };
  if (/[\u0000-\u001f\u007f]/.test(value)) return { ok: false, reason: 'the email address contains a control character or line break' };
  const parts = value.split(SEPARATORS).filter(Boolean);
  if (parts.length > 1 || (value.match(/@/g) ?? []).length > 1) {
    const many = parts.filter((p) => isPlainAddress(p)).length > 1 || (value.match(/@/g) ?? []).length > 1;
    return { ok: false, reason: many ? `"${value}" holds more than one address; put each subscriber on a row of its own` : `"${value}" is not a plain email address` };
  }
  if (!isPlainAddress(value)) return { ok: false, reason: `"${value}" is not a valid email address` };
  const at = value.lastIndexOf('@');
  const address = `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
  const smtputf8 = needsSmtpUtf8(address);
  // an all-ASCII address (most of any list) is keyed by lower-casing alone
  return { ok: true, address, key: smtputf8 ? addressKeyOf(address) : address.toLowerCase(), smtputf8 };
}

/**
 * The identity of a mailbox everywhere herald compares addresses (dedupe, the suppression list,
 * the record, unsubscribe tokens, imports): the whole address in lower case, with an
 * internationalised domain in its ASCII (punycode) form, so user@bücher.example and
 * user@xn--bcher-kva.example are one subscriber. An all-ASCII domain is only lower-cased, so the
 * key of every address herald already knew with one stays what it was. A Unicode domain with no
 * ASCII form (which no mail can reach) keeps its lower-cased spelling.
 */
function addressKeyOf(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  if (!needsSmtpUtf8(domain)) return address.toLowerCase();
  return `${address.slice(0, at).toLowerCase()}@${asciiDomain(domain)}`;
}

/** The identity of any address text (a suppression row, a token's subject): its key, or the text lower-cased when it is no address. */
export function addressKey(email: string): string {
  const check = checkAddress(email);
  return check.ok ? check.key : email.trim().toLowerCase();
}

/**
 * A domain in its ASCII form (punycode for an internationalised one), as keys, Message-IDs and
 * mailto: links need it; a Unicode domain with no ASCII form keeps its spelling.
 */
export function asciiDomain(domain: string): string {
  return needsSmtpUtf8(domain) ? url.domainToASCII(domain) || domain : domain;
}

/** A key as a person reads it: an ASCII (punycode) domain shown in Unicode, for pages. */
export function displayAddress(key: string): string {
  const at = key.lastIndexOf('@');
  const domain = key.slice(at + 1);
  if (at < 0 || !/(^|\.)xn--/.test(domain)) return key;
  return `${key.slice(0, at)}@${url.domainToUnicode(domain) || domain}`;
}

/**
 * The key herald used before domains were compared in their ASCII form (the address lower-cased
 * as written), for an address whose domain is Unicode; undefined when it is the key itself.
 * Rows a record holds from before keep that key.
 */
export function legacyKey(address: string): string | undefined {
  const old = address.toLowerCase();
  return old === addressKeyOf(address) ? undefined : old;
}

function isPlainAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const ascii = !needsSmtpUtf8(value);
  if (local.length > 64 || !(ascii ? ASCII_LOCAL_PART : LOCAL_PART).test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return false;
  const label = ascii ? ASCII_DOMAIN_LABEL : DOMAIN_LABEL;
  if (!labels.every((l) => label.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1]!);
}

/** An address with anything beyond ASCII can only travel with the SMTPUTF8 extension. */
export function needsSmtpUtf8(address: string): boolean {
  return NON_ASCII.test(address);
}
