import { addressKey } from '../subscribers/address';
import { type BounceContext, type BounceStore, type Tally, actOn } from './apply';
import { tokenInAddress, verifyVerpToken } from './verp';
import type { WebhookEvent } from './webhook-events';

export interface WebhookStore extends BounceStore {
  latestTo(key: string): import('../record/sqlite').DeliveryMatch | undefined;
}

/**
 * Acts on a provider's events once its signature verified. Each is tied to a delivery herald made:
 * by the VERP return path the provider passes on, else the Message-ID herald gave the message,
 * else (the provider vouching for the address) the last delivery sent to that address. An event
 * about an address herald never mailed changes nothing.
 */
export function applyWebhookEvents(events: readonly WebhookEvent[], ctx: BounceContext & { store: WebhookStore }, source: string, tally: Tally): void {
  for (const event of events) {
    tally.read++;
    if (event.kind === 'ignored') {
      tally.notActionable++;
      continue;
    }
    const email = event.email.trim().toLowerCase();
    const token = event.returnPath && ctx.returnPath ? tokenInAddress(event.returnPath, ctx.returnPath) : undefined;
    const digest = token ? verifyVerpToken(token, ctx.secrets) : undefined;
    const byToken = digest ? ctx.store.byDigest(digest).find((d) => d.email.toLowerCase() === email) : undefined;
    const byId = event.messageId ? ctx.store.byMessageId(event.messageId) : undefined;
    const delivery = byToken ?? (byId && byId.email.toLowerCase() === email ? byId : undefined) ?? latest(ctx.store, event.email);
    if (!delivery) {
      tally.unmatched++;
      continue;
    }
    const reportedAt = event.at && !Number.isNaN(event.at.getTime()) && event.at < ctx.now ? event.at : ctx.now;
    actOn({ eventKey: event.eventKey, delivery, kind: event.kind, status: event.status, detail: event.detail, reportedAt }, { ...ctx, source }, tally);
  }
}

function latest(store: WebhookStore, email: string) {
  try {
    return store.latestTo(addressKey(email));
  } catch {
    return undefined;
  }
}
