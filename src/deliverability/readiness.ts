import { ErrorCode, type Location, type Problem } from '../errors';

/**
 * What Gmail's and Yahoo's bulk-sender rules (and CAN-SPAM) ask of every message, read from the
 * settings alone: one-click unsubscribe, a DKIM signature aligned with From, a Return-Path in
 * From's domain, a postal address. Pure: `herald check` reports these as warnings, and
 * `herald check --deliverability` as errors.
 */
export interface ReadinessFacts {
  readonly fromAddress: string;
  /** The envelope sender (Return-Path) herald sends with. */
  readonly returnPath: string;
  readonly unsubscribeUrl?: string;
  /** The signing domain (d=), when DKIM is configured and its key loads. */
  readonly dkimDomain?: string;
  /** Whether "dkim" is configured at all (a key that fails to load is reported on its own). */
  readonly dkimConfigured: boolean;
  readonly postalAddress?: string;
}

export function readinessProblems(facts: ReadinessFacts, severity: Problem['severity'], configPath: string): Problem[] {
  const where: Location = { file: configPath };
  const found = (message: string, hint: string): Problem => ({ code: ErrorCode.ECONFIG, message, location: where, hint, severity });
  const problems: Problem[] = [];
  const fromDomain = domainOf(facts.fromAddress);
  if (!facts.unsubscribeUrl) {
    problems.push(found('no one-click unsubscribe: "unsubscribe.url" is not set, so messages offer only a mailto unsubscribe, and Gmail and Yahoo require one-click (RFC 8058) from bulk senders',
      'Run herald serve behind https and set "unsubscribe.url" (or HERALD_PUBLIC_URL) to its public /unsubscribe address.'));
  } else if (!/^https:/i.test(facts.unsubscribeUrl)) {
    problems.push(found(`the unsubscribe URL ${facts.unsubscribeUrl} is not https: mail clients offer one-click unsubscribe (RFC 8058) only for https links`,
      'Put herald serve behind an https reverse proxy and set "unsubscribe.url" to the https address.'));
  }
  if (!facts.dkimConfigured) {
    problems.push(found('messages are not DKIM-signed: "dkim" is not configured, and Gmail and Yahoo require a DKIM signature aligned with From from bulk senders',
      `Make a key (openssl genrsa -out dkim.pem 2048), add "dkim": { "domain": "${fromDomain}", "selector": "herald", "keyFile": "dkim.pem" }, and publish the TXT record herald check then prints.`));
  } else if (facts.dkimDomain && !aligned(fromDomain, facts.dkimDomain) && !aligned(facts.dkimDomain, fromDomain)) {
    problems.push(found(`dkim.domain ${facts.dkimDomain} is not the sender's domain (${fromDomain}), so DMARC will not count the signature`,
      `Sign with d=${fromDomain} (or a parent domain of it).`));
  }
  const returnDomain = domainOf(facts.returnPath);
  if (!aligned(returnDomain, fromDomain) && !aligned(fromDomain, returnDomain)) {
    problems.push(found(`the Return-Path (${facts.returnPath}) is not in the sender's domain (${fromDomain}), so SPF does not align with From for DMARC`,
      `Use an envelope sender at ${fromDomain} or one of its subdomains.`));
  }
  if (!facts.postalAddress?.trim()) {
    problems.push(found('no postal address: "postalAddress" is not set, so the footer shows none, and the law for commercial mail in many countries (CAN-SPAM in the US) asks for one',
      'Set "postalAddress" to the postal address readers can write to, e.g. "1 Long Road, Springfield 12345".'));
  }
  return problems;
}

/**
 * `domain` is `parent` or a subdomain of it. DMARC's relaxed alignment asks for the same
 * organisational domain; callers try both directions, which covers every sender herald knows
 * without a public-suffix list (it never calls example.com and example.org aligned).
 */
export function aligned(domain: string, parent: string): boolean {
  const d = domain.toLowerCase();
  const p = parent.toLowerCase();
  return d === p || d.endsWith(`.${p}`);
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
