import type { SmtpSettings } from '../config/schema';
import { type RelaySettings, relayQuota, relayUrl, relayUrlVariable } from '../config/relay-settings';
import { ErrorCode, HeraldError } from '../errors';
import type { Outcome } from './outcome';
import { backoffMs, chooseRelay, domainOf, type RouteRelay } from './relay-route';
import { SmtpPool, parseSmtpUrl } from './smtp-pool';
import type { OutgoingMessage, Transport } from './transport';
import { sleep } from './wait';

/** A relay of the run: its own pool of connections, rate, quota, and whether it is out. */
class Relay implements RouteRelay {
  readonly preferred: ReadonlySet<string>;
  readonly reserved: ReadonlySet<string>;
  /** Messages handed to it whose outcome has not come back; they count against its quota. */
  inFlight = 0;
  /** Out until this time (ms since the epoch) after trouble; 0 when in. */
  outUntil = 0;
  outages = 0;
  trouble = '';
  private nextSlot = 0;

  constructor(
    private readonly settings: RelaySettings,
    readonly pool: SmtpPool,
    readonly quota: number,
    /** Accepted through it in the last 24 hours, this run's messages included. */
    public used: number,
  ) {
    this.preferred = new Set(settings.preferredDomains);
    this.reserved = new Set(settings.reservedDomains);
  }

  get name(): string {
    return this.settings.name;
  }

  get weight(): number {
    return this.settings.weight;
  }

  get usable(): boolean {
    return Date.now() >= this.outUntil && this.used + this.inFlight < this.quota;
  }

  get mustWait(): boolean {
    return this.settings.messagesPerSecond > 0 && this.nextSlot > Date.now();
  }

  /** One attempt through this relay, at its own pace. */
  async send(message: OutgoingMessage, stop: AbortSignal | undefined): Promise<Outcome> {
    this.inFlight++;
    try {
      const rate = this.settings.messagesPerSecond;
      if (rate > 0) {
        const nowMs = Date.now();
        const slot = Math.max(this.nextSlot, nowMs);
        this.nextSlot = slot + 1000 / rate;
        if (slot > nowMs) await sleep(slot - nowMs, stop);
        if (stop?.aborted) return { kind: 'retry', reply: 'herald is stopping', throttle: false };
      }
      const outcome = await this.pool.send(message);
      if (outcome.kind === 'accepted') {
        this.used++;
        this.outages = 0;
      }
      return outcome;
    } finally {
      this.inFlight--;
    }
  }

  /** Trouble that is the relay's, not the recipient's: out for a doubling backoff. Trouble while already out counts once. */
  takeOut(why: string, firstBackoffMs: number): void {
    const nowMs = Date.now();
    if (nowMs < this.outUntil) return;
    this.outages++;
    this.trouble = why;
    this.outUntil = nowMs + backoffMs(firstBackoffMs, this.outages);
  }

  /** Why it takes nothing now, for the message that stops a run. */
  why(): string {
    if (Date.now() < this.outUntil) return `${this.name}: out (${this.trouble})`;
    if (this.used + this.inFlight >= this.quota) return `${this.name}: at its quota of ${this.quota} messages in 24 hours`;
    return `${this.name}: failed to take the message`;
  }
}

/**
 * Trouble with the relay itself, where the message certainly did not arrive: it could not connect
 * or log in, refused the sender, closed the session (421), throttled the whole session, or the
 * connection broke before the data was complete. Such a message may go through another relay. A
 * message whose data was complete and got no reply is in doubt and is never tried anywhere else.
 */
function relayTrouble(outcome: Outcome): boolean {
  if (outcome.kind === 'abort') return true;
  return outcome.kind === 'retry' && (outcome.throttle || !/^\d{3}/.test(outcome.reply));
}

/**
 * The transport for a run with several relays: each message goes to one relay chosen by
 * relay-route.ts. A relay in trouble is taken out for a backoff and the message goes on to another
 * (it certainly did not arrive); an outcome that may mean delivery is returned as it is, so the
 * record's rules apply unchanged. When no relay can take mail, the message comes back
 * `unavailable` and the run stops, losing nothing.
 */
export class RelayPool implements Transport {
  readonly capacity: number;
  private readonly scores = new Map<string, number>();

  constructor(
    private readonly relays: readonly Relay[],
    private readonly firstBackoffMs: number,
    private readonly stop?: AbortSignal,
  ) {
    this.capacity = relays.reduce((n, r) => n + r.pool.capacity, 0);
  }

  async send(message: OutgoingMessage): Promise<Outcome> {
    const tried = new Set<string>();
    const domain = domainOf(message.envelope.to);
    for (;;) {
      if (this.stop?.aborted) return { kind: 'retry', reply: 'herald is stopping', throttle: false };
      const route = chooseRelay(this.relays, domain, tried, this.scores);
      if (route.kind === 'none') return { kind: 'unavailable', reply: `no relay can take mail now: ${this.relays.map((r) => r.why()).join('; ')}` };
      if (route.kind === 'wait') return { kind: 'retry', reply: route.why, throttle: false };
      const relay = this.relays.find((r) => r.name === route.relay)!;
      tried.add(relay.name);
      const outcome = await relay.send(message, this.stop);
      if (relayTrouble(outcome) && !this.stop?.aborted) {
        relay.takeOut(outcome.reply, this.firstBackoffMs);
        continue;
      }
      return { ...outcome, relay: relay.name };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.relays.map((r) => r.pool.close()));
  }
}

export interface RelayTarget {
  readonly relay: RelaySettings;
  readonly variable: string;
  readonly url: string | undefined;
}

/** Each relay with its URL from the environment (undefined when its variable is not set). */
export function relayTargets(relays: readonly RelaySettings[], env: { readonly smtpUrl?: string; readonly relayUrls: Readonly<Record<string, string>> }): RelayTarget[] {
  return relays.map((relay) => ({ relay, variable: relayUrlVariable(relay.name), url: relayUrl(relay, relays.length, env) }));
}

/** The SMTP settings of one relay's own pool: the run's, with the relay's limits; no reconnect waits, the relay's backoff replaces them. */
export function relaySmtpSettings(smtp: SmtpSettings, relay: RelaySettings): SmtpSettings {
  return { ...smtp, connections: relay.connections, maxMessagesPerConnection: relay.maxMessagesPerConnection, retries: 0 };
}

export interface RelayPoolOptions {
  readonly stop?: AbortSignal;
  readonly now: Date;
  /** Messages each relay accepted in the last 24 hours, by name, from the record. */
  readonly sentToday: ReadonlyMap<string, number>;
}

export function createRelayPool(settings: { readonly relays: readonly RelaySettings[]; readonly smtp: SmtpSettings; readonly env: { readonly smtpUrl?: string; readonly relayUrls: Readonly<Record<string, string>> } }, opts: RelayPoolOptions): RelayPool {
  const targets = relayTargets(settings.relays, settings.env);
  const missing = targets.filter((t) => !t.url);
  if (missing.length) {
    throw new HeraldError(ErrorCode.ECONFIG, `no URL for ${missing.map((t) => `relay "${t.relay.name}" (${t.variable} is not set)`).join(', ')}`, {
      hint: `Set ${missing.map((t) => t.variable).join(', ')} to the relay's SMTP URL, e.g. smtps://user:password@smtp.example.com:465, or remove the relay from "relays".`,
    });
  }
  const relays = targets.map(({ relay, url }) => {
    const pool = new SmtpPool(parseSmtpUrl(url!), relaySmtpSettings(settings.smtp, relay), opts.stop);
    return new Relay(relay, pool, relayQuota(relay, opts.now), opts.sentToday.get(relay.name) ?? 0);
  });
  return new RelayPool(relays, settings.smtp.retryDelayMs, opts.stop);
}
