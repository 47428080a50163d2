/** Median of a non-empty list (the mean of the two middle values when it is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Size of a message on the wire: every line break CRLF (before dot-stuffing, which is the same for all). */
export function wireBytes(buf: Buffer): number {
  let bareLf = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10 && (i === 0 || buf[i - 1] !== 13)) bareLf++;
  return buf.length + bareLf;
}

/** Milliseconds since a process.hrtime.bigint() reading. */
export function msSince(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}
