import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';

/** zod as schema.ts loads it (the English messages only); the module is shared once loaded. */
const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

/**
 * `relays`: several SMTP relays for one send. Each relay's URL comes from the environment only
 * (it carries the password): HERALD_SMTP_URL_<NAME>, or HERALD_SMTP_URL when there is one relay.
 * Without `relays`, herald sends through HERALD_SMTP_URL with the `smtp` settings, as it always has.
 */
const domain = z
  .string()
  .min(3)
  .transform((d) => d.trim().toLowerCase().replace(/^@/, ''))
  .refine((d) => /^[a-z0-9.-]+\.[a-z0-9-]+$/.test(d), { message: 'must be a domain such as "gmail.com"' });

const relaySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, 'must be letters, digits, "_" or "-" (it names the variable HERALD_SMTP_URL_<NAME>)')
    .describe('the relay\'s name; its URL is read from HERALD_SMTP_URL_<NAME> (upper case, "-" as "_")'),
  weight: z.number().positive().default(1).describe('share of the recipients this relay takes, relative to the others'),
  connections: z.int().min(1).max(50).default(5).describe('SMTP connections to this relay used in parallel'),
  messagesPerSecond: z.number().min(0).default(0).describe('upper bound on messages per second through this relay; 0 = no limit'),
  maxPerDay: z.int().min(0).default(0).describe('most messages this relay accepts in any 24 hours; 0 = no limit'),
  maxMessagesPerConnection: z.int().min(1).default(100).describe('reconnect to this relay after this many messages'),
  preferredDomains: z.array(domain).default([]).describe('recipients at these domains go through this relay whenever it can take them'),
  reservedDomains: z.array(domain).default([]).describe('this relay sends only to these domains, and no other relay does'),
  warmup: z
    .strictObject({
      startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as "2026-03-01"').describe('the first day of the ramp (UTC)'),
      startPerDay: z.int().min(1).describe('the daily quota on the first day'),
      factor: z.number().min(1).describe('the quota is multiplied by this each day'),
    })
    .optional()
    .describe('a daily quota that grows each day, so a new IP builds its reputation'),
});

export const relaysSchema = z
  .array(relaySchema)
  .min(1)
  .superRefine((relays, ctx) => {
    const seen = new Map<string, string>();
    const reservedBy = new Map<string, string>();
    relays.forEach((relay, i) => {
      const variable = relayUrlVariable(relay.name);
      const before = seen.get(variable);
      if (before) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${relay.name}" and "${before}" would both read ${variable}` });
      seen.set(variable, relay.name);
      for (const d of relay.reservedDomains) {
        const other = reservedBy.get(d);
        if (other) ctx.addIssue({ code: 'custom', path: [i, 'reservedDomains'], message: `${d} is already reserved for relay "${other}"` });
        reservedBy.set(d, relay.name);
      }
    });
  })
  .optional()
  .describe('several SMTP relays: weights, per-relay limits, failover and domain routing');

export type RelaySettings = Zod.output<typeof relaySchema>;

/** The environment variable that holds a relay's URL. */
export function relayUrlVariable(name: string): string {
  return `HERALD_SMTP_URL_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** A relay's URL: its own variable, or HERALD_SMTP_URL when it is the only relay. */
export function relayUrl(relay: { readonly name: string }, count: number, env: { readonly smtpUrl?: string; readonly relayUrls: Readonly<Record<string, string>> }): string | undefined {
  return env.relayUrls[relayUrlVariable(relay.name)] ?? (count === 1 ? env.smtpUrl : undefined);
}

const DAY_MS = 86_400_000;

/**
 * Pure: the most messages a relay may accept in the 24 hours up to `now`: its `maxPerDay`, and on
 * a warm-up ramp `startPerDay × factor^days` since `startDate`, whichever is lower.
 */
export function relayQuota(relay: Pick<RelaySettings, 'maxPerDay' | 'warmup'>, now: Date): number {
  let quota = relay.maxPerDay > 0 ? relay.maxPerDay : Number.POSITIVE_INFINITY;
  if (relay.warmup) {
    const days = Math.max(0, Math.floor((now.getTime() - Date.parse(`${relay.warmup.startDate}T00:00:00Z`)) / DAY_MS));
    quota = Math.min(quota, Math.floor(relay.warmup.startPerDay * relay.warmup.factor ** Math.min(days, 1000)));
  }
  return quota;
}
