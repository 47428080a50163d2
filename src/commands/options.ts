import { InvalidArgumentError } from 'commander';

/** Commander option parser for a whole number of at least 0. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** Commander option parser for a TCP port; 0 lets the system pick a free one. */
export function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535; 0 picks a free one)');
  return n;
}
