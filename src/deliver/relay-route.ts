/**
 * Pure: which relay a message goes through. The rules, in order:
 *
 * 1. A recipient at a domain some relay is reserved for goes through that relay or nowhere (it
 *    waits for the relay to come back, or for its quota to allow more); a relay with reserved
 *    domains takes no other recipient.
 * 2. Only relays that are in (not taken out for a backoff) and below their daily quota take mail,
 *    and a message never goes twice to a relay that already failed to take it.
 * 3. A relay that prefers the recipient's domain takes it when it can.
 * 4. A relay whose own rate lets a message start now goes before one that would have to wait.
 * 5. Among those left, smooth weighted round robin: over any stretch each relay takes its weight's
 *    share, in an even interleaving rather than in runs.
 */
export interface RouteRelay {
  readonly name: string;
  readonly weight: number;
  readonly preferred: ReadonlySet<string>;
  readonly reserved: ReadonlySet<string>;
  /** Taken out until its backoff ends, or at its quota: takes nothing now. */
  readonly usable: boolean;
  /** Its rate would make a message wait before starting. */
  readonly mustWait: boolean;
}

export type Route =
  | { readonly kind: 'relay'; readonly relay: string }
  /** Only a relay that cannot take mail now may carry this recipient: it waits, the run goes on. */
  | { readonly kind: 'wait'; readonly why: string }
  /** No relay can take mail at all now. */
  | { readonly kind: 'none' };

/** The round robin's running scores, by relay name; kept by the caller between choices. */
export type RoundRobin = Map<string, number>;

export function chooseRelay(relays: readonly RouteRelay[], domain: string, tried: ReadonlySet<string>, scores: RoundRobin): Route {
  const open = relays.filter((r) => r.usable && !tried.has(r.name));
  const owner = relays.find((r) => r.reserved.has(domain));
  if (owner) {
    if (open.includes(owner)) return pick([owner], scores);
    return open.length ? { kind: 'wait', why: `only relay "${owner.name}" sends to ${domain}, and it cannot take mail now` } : { kind: 'none' };
  }
  const general = open.filter((r) => r.reserved.size === 0);
  if (!general.length) {
    return open.length ? { kind: 'wait', why: `every relay that may send to ${domain} is out or at its quota` } : { kind: 'none' };
  }
  const preferring = general.filter((r) => r.preferred.has(domain));
  const candidates = preferring.length ? preferring : general;
  const ready = candidates.filter((r) => !r.mustWait);
  return pick(ready.length ? ready : candidates, scores);
}

/** Smooth weighted round robin (as nginx balances upstreams) over `candidates`. */
function pick(candidates: readonly RouteRelay[], scores: RoundRobin): Route {
  let total = 0;
  let best: RouteRelay | undefined;
  let bestScore = -Infinity;
  for (const r of candidates) {
    const score = (scores.get(r.name) ?? 0) + r.weight;
    scores.set(r.name, score);
    total += r.weight;
    if (score > bestScore) {
      best = r;
      bestScore = score;
    }
  }
  scores.set(best!.name, bestScore - total);
  return { kind: 'relay', relay: best!.name };
}

/** The domain of an address, lower case ("" when it has none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** How long a relay stays out after its `outages`-th trouble in a row: doubling from `firstMs`, at most five minutes. */
export function backoffMs(firstMs: number, outages: number): number {
  return Math.min(Math.max(firstMs, 50) * 2 ** Math.min(Math.max(outages - 1, 0), 20), 300_000);
}
