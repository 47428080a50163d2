import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app';
import { readPost } from '../discover/posts';
import { formatProblem, problemFromError } from '../errors';
import { checkAddress } from '../subscribers/address';
import { runSend } from './send';
import type { SendResult } from '../pipeline/send-report';

/**
 * The welcome: the post named by the `welcome` setting (posts/welcome.md unless set), rendered
 * like any post, goes to each new subscriber once. Joining queues the address in the record as
 * one more recipient of that post (the row's uniqueness is the "once"); delivering it is an
 * ordinary `herald send` of that post, under the run lock, with the record's guarantees. Any
 * later send also delivers welcomes still due, so one whose delivery was interrupted is not lost.
 */

export type WelcomeQueued =
  | { readonly kind: 'queued' }
  | { readonly kind: 'already'; readonly why: string }
  | { readonly kind: 'none'; readonly why: string };

/** Records that this address is to be welcomed (nothing is sent yet). */
export function queueWelcome(app: App, who: { readonly email: string; readonly name?: string }): WelcomeQueued {
  const { settings } = app;
  if (!settings.welcome) return { kind: 'none', why: 'no welcome post is set ("welcome": false)' };
  const abs = path.join(settings.root, settings.welcome);
  if (!fs.existsSync(abs)) return { kind: 'none', why: `there is no ${settings.welcome}` };
  const post = readPost(abs, settings.welcome.slice('posts/'.length));
  if (post.draft || post.optedOut) return { kind: 'none', why: `${settings.welcome} is a draft or kept out of the newsletter` };
  const address = checkAddress(who.email);
  if (!address.ok) return { kind: 'none', why: address.reason };
  const record = app.openRecord();
  try {
    const added = record.addRecipient(post, { key: address.key, email: address.address, name: who.name ?? '' }, app.now());
    return added ? { kind: 'queued' } : { kind: 'already', why: `${address.address} was welcomed before; a welcome goes to each address once` };
  } finally {
    record.close();
  }
}

/**
 * Delivers the welcomes that are due: a send of the welcome post alone. Before herald's first
 * send in a folder there is no record to plan against, and that first send delivers them.
 */
export async function sendWelcomes(app: App, waitMs: number): Promise<SendResult | undefined> {
  const { settings } = app;
  if (!settings.welcome) return undefined;
  const record = app.readRecord();
  const initialized = record?.isInitialized() ?? false;
  record?.close();
  if (!initialized) return undefined;
  return runSend(app, { posts: [settings.welcome], includeExisting: false, resendInDoubt: false, json: false, waitMs, progress: 'quiet' });
}

/**
 * For `herald serve`: welcomes queued and sent one after another, off the request that confirmed
 * the address; a problem is logged, and the next `herald send` delivers what is still due.
 */
export function welcomeQueue(app: App, log: { error(line: string): void }): { welcome(email: string, name: string): void; idle(): Promise<void> } {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    welcome(email, name) {
      chain = chain.then(async () => {
        try {
          const queued = queueWelcome(app, { email, name });
          if (queued.kind === 'queued') await sendWelcomes(app, 60_000);
        } catch (err) {
          log.error(`herald serve: the welcome could not be sent now (the next herald send sends it): ${formatProblem(problemFromError(err))}`);
        }
      });
    },
    idle: () => chain.then(() => undefined),
  };
}

/** `herald subscribers add --welcome`: the welcome queued for the address and sent now (or said why not). */
export async function welcomeAdded(app: App, who: { readonly email: string; readonly name?: string }): Promise<number> {
  const queued = queueWelcome(app, who);
  if (queued.kind !== 'queued') {
    app.io.err(`no welcome sent: ${queued.why}.`);
    return queued.kind === 'already' ? 0 : 1;
  }
  const sent = await sendWelcomes(app, 60_000);
  if (!sent) app.io.out('the welcome is queued; the first herald send in this folder sends it.');
  return sent?.code ?? 0;
}
