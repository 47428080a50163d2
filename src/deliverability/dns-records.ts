import { ErrorCode, type Problem } from '../errors';
import { quotedTxt } from './txt';

/**
 * The DNS records a sender's domain needs, judged from what a resolver returned. Pure: the
 * lookups happen in dns-lookup.ts. Each finding says which record, what is wrong, and what to
 * publish (as a zone-file line, TXT values split into strings of at most 255 bytes).
 */

/** What one lookup found: the records (TXT strings already joined), none, or an error to report. */
export type Lookup =
  | { readonly kind: 'found'; readonly values: readonly string[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'failed'; readonly reason: string };

export interface DnsFacts {
  readonly fromDomain: string;
  readonly spf: Lookup;
  readonly dmarc: Lookup;
  /** The name the DMARC record was found at (the From domain's, or a parent's). */
  readonly dmarcName: string;
  readonly mx: Lookup;
  /** When DKIM is configured: where its key must be, the key's value, and what DNS has there. */
  readonly dkim?: { readonly name: string; readonly value: string; readonly found: Lookup };
}

export interface DnsVerdict {
  /** One line per record that is right, to print. */
  readonly good: readonly string[];
  readonly problems: readonly Problem[];
}

export function judgeDns(facts: DnsFacts, severity: Problem['severity']): DnsVerdict {
  const good: string[] = [];
  const problems: Problem[] = [];
  const report = (message: string, hint?: string): void => void problems.push({ code: ErrorCode.ECONFIG, message, hint, severity });
  const d = facts.fromDomain;
  const failed = (what: string, lookup: Lookup): boolean => {
    if (lookup.kind !== 'failed') return false;
    report(`${what}: the lookup failed (${lookup.reason})`, 'Check the name server, or try again; HERALD_DNS_SERVER names the resolver herald asks.');
    return true;
  };

  const spf = facts.spf.kind === 'found' ? facts.spf.values.filter((v) => /^v=spf1(\s|$)/i.test(v)) : [];
  if (!failed(`SPF for ${d}`, facts.spf)) {
    if (spf.length === 0) report(`SPF: ${d} has no SPF record`, `Publish: ${d}. TXT ${quotedTxt('v=spf1 mx ~all')} (add include:… or ip4:… for the SMTP relay herald sends through).`);
    else if (spf.length > 1) report(`SPF: ${d} has ${spf.length} SPF records, and receivers treat that as an error (permerror)`, 'Merge them into one "v=spf1 …" record.');
    else good.push(`SPF for ${d}: ${spf[0]}`);
  }

  if (facts.dkim && !failed(`DKIM at ${facts.dkim.name}`, facts.dkim.found)) {
    const publish = `Publish: ${facts.dkim.name}. TXT ${quotedTxt(facts.dkim.value)}`;
    const records = facts.dkim.found.kind === 'found' ? facts.dkim.found.values : [];
    const keys = records.map(publicKeyOf).filter((k): k is string => k !== undefined);
    const mine = publicKeyOf(facts.dkim.value)!;
    if (!records.length) report(`DKIM: there is no TXT record at ${facts.dkim.name}, so receivers cannot verify herald's signatures`, publish);
    else if (!keys.includes(mine)) report(`DKIM: the key published at ${facts.dkim.name} is not the key herald signs with`, `${publish} (in place of the record there).`);
    else good.push(`DKIM at ${facts.dkim.name}: matches the signing key`);
  }

  const dmarc = facts.dmarc.kind === 'found' ? facts.dmarc.values.filter((v) => /^v=DMARC1(\s*;|\s*$)/i.test(v)) : [];
  if (!failed(`DMARC for ${d}`, facts.dmarc)) {
    if (dmarc.length === 0) report(`DMARC: ${d} has no DMARC record, which Gmail and Yahoo require of bulk senders`, `Publish: _dmarc.${d}. TXT ${quotedTxt('v=DMARC1; p=none')} (then tighten p= once reports look right).`);
    else if (dmarc.length > 1) report(`DMARC: ${facts.dmarcName} has ${dmarc.length} DMARC records, so receivers ignore them all`, 'Keep one "v=DMARC1; …" record.');
    else good.push(`DMARC at ${facts.dmarcName}: ${dmarc[0]}`);
  }

  if (!failed(`MX for ${d}`, facts.mx)) {
    if (facts.mx.kind !== 'found' || facts.mx.values.length === 0) {
      report(`MX: ${d} has no MX record, so replies and bounces to the sender's address cannot be delivered, and some receivers refuse mail from such a domain`,
        `Publish: ${d}. MX 10 <the server that receives mail for ${d}>.`);
    } else {
      good.push(`MX for ${d}: ${facts.mx.values.join(', ')}`);
    }
  }
  return { good, problems };
}

/** The p= of a DKIM key record, without spaces; undefined when the text is not one. */
export function publicKeyOf(record: string): string | undefined {
  const tags = new Map(record.split(';').map((t) => t.trim()).filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')).trim().toLowerCase(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')] as const));
  const p = tags.get('p');
  return p ? p : undefined;
}
