import net from 'node:net';

/**
 * Who is asking, for the per-client rate limit: the connection's address, or, when
 * serve.trustProxy says a reverse proxy stands in front, the address that proxy appended to
 * X-Forwarded-For (the last entry; earlier ones are whatever the client claimed). An IPv6 client
 * is counted by its /64, since one subscriber line usually holds a whole /64 to pick from.
 */
export function clientOf(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastForwarded(forwardedFor) : undefined;
  return clientKey(forwarded ?? remoteAddress ?? '');
}

function lastForwarded(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  const last = joined?.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
  return last && net.isIP(last) ? last : undefined;
}

/** "203.0.113.7", or "2001:db8:1:2::/64" for any address in that /64; "unknown" when not an IP. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (net.isIPv4(address)) return address;
  if (!net.isIPv6(address)) return 'unknown';
  const groups = expandIPv6(address);
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().replace(/%.*$/, '').split('::');
  const parts = (s: string): string[] => (s ? s.split(':') : []);
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const fill = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...fill, ...right].map((g) => g.padStart(4, '0'));
}
