import { backoffMs, chooseRelay, domainOf, type RouteRelay } from '../../src/deliver/relay-route';

function relay(name: string, over: Partial<RouteRelay> = {}): RouteRelay {
  return { name, weight: 1, preferred: new Set(), reserved: new Set(), usable: true, mustWait: false, ...over };
}

function spread(relays: RouteRelay[], n: number, domain = 'example.com'): Record<string, number> {
  const scores = new Map<string, number>();
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const route = chooseRelay(relays, domain, new Set(), scores);
    if (route.kind !== 'relay') throw new Error(route.kind);
    out[route.relay] = (out[route.relay] ?? 0) + 1;
  }
  return out;
}

describe('chooseRelay', () => {
  test('spreads by weight exactly over a whole round, interleaved', () => {
    expect(spread([relay('a', { weight: 1 }), relay('b', { weight: 2 }), relay('c', { weight: 3 })], 600)).toEqual({ a: 100, b: 200, c: 300 });
    const scores = new Map<string, number>();
    const order = Array.from({ length: 4 }, () => chooseRelay([relay('a', { weight: 3 }), relay('b')], 'x.org', new Set(), scores));
    expect(order.map((r) => (r.kind === 'relay' ? r.relay : '-'))).toEqual(['a', 'a', 'b', 'a']);
  });

  test('a relay that is out, or was already tried for this message, takes nothing', () => {
    expect(spread([relay('a'), relay('b', { usable: false })], 10)).toEqual({ a: 10 });
    expect(chooseRelay([relay('a'), relay('b')], 'x.org', new Set(['a']), new Map())).toEqual({ kind: 'relay', relay: 'b' });
    expect(chooseRelay([relay('a'), relay('b', { usable: false })], 'x.org', new Set(['a']), new Map())).toEqual({ kind: 'none' });
  });

  test('a preferred domain goes to its relay while it can take it, then to the others', () => {
    const warm = relay('warm', { preferred: new Set(['gmail.com']) });
    expect(spread([warm, relay('bulk', { weight: 9 })], 20, 'gmail.com')).toEqual({ warm: 20 });
    expect(spread([{ ...warm, usable: false }, relay('bulk')], 5, 'gmail.com')).toEqual({ bulk: 5 });
  });

  test('a reserved domain goes only to its relay, which takes nothing else', () => {
    const owner = relay('yahoo', { reserved: new Set(['yahoo.com']) });
    expect(spread([owner, relay('bulk', { weight: 9 })], 20, 'yahoo.com')).toEqual({ yahoo: 20 });
    expect(spread([owner, relay('bulk')], 20, 'example.com')).toEqual({ bulk: 20 });
    expect(chooseRelay([{ ...owner, usable: false }, relay('bulk')], 'yahoo.com', new Set(), new Map()).kind).toBe('wait');
    expect(chooseRelay([owner, relay('bulk', { usable: false })], 'example.com', new Set(), new Map()).kind).toBe('wait');
  });

  test('a relay that would have to wait for its rate gives way to one that can start now', () => {
    expect(spread([relay('slow', { weight: 5, mustWait: true }), relay('free')], 10)).toEqual({ free: 10 });
    expect(spread([relay('slow', { mustWait: true })], 3)).toEqual({ slow: 3 });
  });
});

test('domainOf and backoffMs', () => {
  expect(domainOf('Someone@GMail.com')).toBe('gmail.com');
  expect(domainOf('nobody')).toBe('');
  expect([1, 2, 3].map((n) => backoffMs(1000, n))).toEqual([1000, 2000, 4000]);
  expect(backoffMs(1000, 40)).toBe(300_000);
  expect(backoffMs(0, 1)).toBe(50);
});
