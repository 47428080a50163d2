import type { Settings } from '../config/load';
import { judgeDns } from '../deliverability/dns-records';
import { type ReadinessFacts, domainOf, readinessProblems } from '../deliverability/readiness';
import type { Problem } from '../errors';
import type { Output } from '../output';
import type { DkimSigner } from '../render/dkim';

export interface DeliverabilityOptions {
  /** Findings are errors, and the unsubscribe endpoint is probed over the network. */
  readonly deliverability: boolean;
  /** Look up the sender domain's DNS records too (implies deliverability). */
  readonly dns: boolean;
}

/**
 * `herald check`'s bulk-sender readiness: the settings alone as warnings in every check; with
 * --deliverability as errors, with the one-click endpoint probed; with --dns, the DNS records too.
 * `print` receives the lines about what is right (undefined with --json).
 */
export async function deliverabilityProblems(
  settings: Settings,
  fromAddress: string,
  dkim: { readonly configured: boolean; readonly signer?: DkimSigner; readonly record?: { name: string; value: string } },
  opts: DeliverabilityOptions,
  io: Output | undefined,
): Promise<Problem[]> {
  const strict = opts.deliverability || opts.dns;
  const severity = strict ? 'error' : 'warning';
  const facts: ReadinessFacts = {
    fromAddress,
    // herald's envelope sender is the From address itself
    returnPath: fromAddress,
    unsubscribeUrl: settings.unsubscribe.url,
    dkimConfigured: dkim.configured,
    dkimDomain: dkim.signer?.domain,
    postalAddress: settings.postalAddress,
  };
  const problems = readinessProblems(facts, severity, settings.configPath);
  if (strict && settings.unsubscribe.url) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { probeUnsubscribe } = require('../deliverability/probe') as typeof import('../deliverability/probe');
    const probe = await probeUnsubscribe(settings.unsubscribe.url, severity);
    problems.push(...probe.problems);
    if (probe.summary) io?.out(`deliverability: ${probe.summary}`);
  }
  if (opts.dns) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { lookupDns, makeResolver } = require('../deliverability/dns-lookup') as typeof import('../deliverability/dns-lookup');
    const facts = await lookupDns(makeResolver(settings.env.dnsServer), domainOf(fromAddress), dkim.record);
    const verdict = judgeDns(facts, severity);
    for (const line of verdict.good) io?.out(`DNS: ${line}`);
    problems.push(...verdict.problems);
  }
  return problems;
}
