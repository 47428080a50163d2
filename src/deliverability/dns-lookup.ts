import { Resolver } from 'node:dns/promises';
import { ErrorCode, HeraldError } from '../errors';
import type { DnsFacts, Lookup } from './dns-records';

/**
 * The lookups behind `herald check --dns`: SPF, DMARC and MX of the From domain, and the DKIM
 * selector's TXT record. The system's resolver is asked, or the one HERALD_DNS_SERVER names
 * (`host` or `host:port`), for a private resolver or a test's own server.
 */
export function makeResolver(server: string | undefined): Resolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (server) {
    try {
      resolver.setServers([server]);
    } catch {
      throw new HeraldError(ErrorCode.ECONFIG, `HERALD_DNS_SERVER: "${server}" is not a server address`, {
        hint: 'Write an IP address, optionally with a port: HERALD_DNS_SERVER=127.0.0.1:5353 (or [::1]:53). Unset it to use the system resolver.',
      });
    }
  }
  return resolver;
}

export async function lookupDns(resolver: Resolver, fromDomain: string, dkim?: { readonly name: string; readonly value: string }): Promise<DnsFacts> {
  const [spf, mx, dkimFound, dmarc] = await Promise.all([
    lookup(() => resolver.resolveTxt(fromDomain).then(joinTxt)),
    lookup(() => resolver.resolveMx(fromDomain).then((rows) => rows.sort((a, b) => a.priority - b.priority).map((r) => `${r.priority} ${r.exchange}`))),
    dkim ? lookup(() => resolver.resolveTxt(dkim.name).then(joinTxt)) : Promise.resolve(undefined),
    findDmarc(resolver, fromDomain),
  ]);
  return { fromDomain, spf, mx, dmarc: dmarc.lookup, dmarcName: dmarc.name, dkim: dkim && dkimFound ? { ...dkim, found: dkimFound } : undefined };
}

/** A receiver that finds no record at _dmarc.DOMAIN uses the organisational domain's: parents are tried up to two labels. */
async function findDmarc(resolver: Resolver, domain: string): Promise<{ lookup: Lookup; name: string }> {
  const labels = domain.split('.');
  let first: { lookup: Lookup; name: string } | undefined;
  for (let i = 0; i <= labels.length - 2; i++) {
    const name = `_dmarc.${labels.slice(i).join('.')}`;
    const found = await lookup(() => resolver.resolveTxt(name).then(joinTxt));
    first ??= { lookup: found, name };
    if (found.kind === 'failed') return { lookup: found, name };
    if (found.kind === 'found' && found.values.some((v) => /^v=DMARC1/i.test(v))) return { lookup: found, name };
  }
  return first!;
}

/** A TXT record's character-strings are one value. */
function joinTxt(records: string[][]): string[] {
  return records.map((strings) => strings.join(''));
}

async function lookup(ask: () => Promise<string[]>): Promise<Lookup> {
  try {
    const values = await ask();
    return values.length ? { kind: 'found', values } : { kind: 'none' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return { kind: 'none' };
    return { kind: 'failed', reason: code ?? (err as Error).message };
  }
}
