import { type Sender, messageIdFor } from '../render/envelope';
import { needsSmtpUtf8 } from '../subscribers/address';
import { compileMessage, personalise } from '../render/compose';
import type { RenderedPost } from '../render/post';
import type { Claim, DeliveryRecord, DueRecipient, Settle } from './delivery-record';
import type { Outcome } from './outcome';
import { onAccepted, onThrottle, pauseLeft, type ThrottleSettings, UNTHROTTLED } from './throttle';
import { messageBytes, type Transport } from './transport';
import { sleep } from './wait';

export interface DeliveryOptions {
  readonly runId: string;
  readonly sender: Sender;
  /** Who is subscribed now (keys): a queued recipient missing here left the list and is skipped. */
  readonly subscribed: ReadonlySet<string>;
  readonly includeInDoubt: boolean;
  /** Attempts a recipient gets in this run after its first (then it is left pending for the next run). */
  readonly retries: number;
  readonly retryDelayMs: number;
  /** How a server that throttles the whole session slows the run down (see throttle.ts). */
  readonly throttle: ThrottleSettings;
  readonly messagesPerSecond: number;
  /** Most messages this post may still hand to SMTP in this run (shared cap per run). */
  readonly budget: { remaining: number };
  readonly deferral: { readonly firstRetryMinutes: number };
  readonly stop: AbortSignal;
  readonly now: () => Date;
  /** DKIM-signs each message when a key is configured. */
  readonly sign?: (raw: Buffer) => Promise<Buffer>;
  readonly onOutcome?: (row: DueRecipient, outcome: Outcome) => void;
}

export interface DeliverySummary {
  sent: number;
  failed: number;
  deferred: number;
  inDoubt: number;
  skipped: number;
  /** Released untouched (connection trouble, stop, abort, cap): the next run picks them up. */
  notAttempted: number;
  aborted?: string;
  /** The server kept throttling (its last reply): the rest of the run was left for the next one. */
  throttled?: string;
}

const PAGE = 500;
/**
 * Every commit costs a flush to disk, whatever it holds. While more replies are due any moment,
 * they are let to gather (for at most this long) until three quarters of the connections have
 * one, so a commit records several outcomes and claims their successors at once.
 */
const GATHER_MS = 3;

/**
 * Sends one rendered post to its due recipients. Every claim is committed before its message is
 * handed to the transport, and outcomes are committed in the same transaction as the next claims,
 * so at any moment at most `transport.capacity` recipients are between "claimed" and "recorded".
 */
export async function deliverPost(rendered: RenderedPost, record: DeliveryRecord, transport: Transport, opts: DeliveryOptions): Promise<DeliverySummary> {
  const postId = rendered.post.id;
  // the MIME message is assembled once per post; each recipient only adds their own bytes
  const template = compileMessage(rendered, opts.sender, opts.now());
  const summary: DeliverySummary = { sent: 0, failed: 0, deferred: 0, inDoubt: 0, skipped: 0, notAttempted: 0 };
  const settles: Settle[] = [];
  /** Messages handed to the transport whose outcome is not settled yet. */
  let inflight = 0;
  /** Resolves the loop's wait when a message settles (one waiter at a time: the loop). */
  let wake: (() => void) | undefined;
  const settled = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  /** An error from settling a message (a throwing onOutcome), rethrown by the loop. */
  let broken: { error: unknown } | undefined;
  const retryQueue: { row: DueRecipient; notBefore: number }[] = [];
  const triesByKey = new Map<string, number>();
  let buffer: DueRecipient[] = [];
  let afterSeq = -1;
  let exhausted = false;
  let throttle = UNTHROTTLED;
  /** Ends when the current throttle pause does (or at once on stop); one per pause. */
  let pauseOver: Promise<void> = Promise.resolve();
  let nextSlot = 0;

  const stopping = (): boolean => opts.stop.aborted || summary.aborted !== undefined || throttle.gaveUp || opts.budget.remaining <= 0;

  const nextRows = (count: number): DueRecipient[] => {
    const out: DueRecipient[] = [];
    const nowMs = Date.now();
    retryQueue.sort((a, b) => a.notBefore - b.notBefore);
    while (out.length < count && retryQueue.length && retryQueue[0]!.notBefore <= nowMs) out.push(retryQueue.shift()!.row);
    while (out.length < count) {
      if (!buffer.length && !exhausted) {
        buffer = record.due(postId, opts.now(), { afterSeq, limit: PAGE, includeInDoubt: opts.includeInDoubt });
        if (buffer.length < PAGE) exhausted = true;
        if (buffer.length) afterSeq = buffer[buffer.length - 1]!.seq;
      }
      const row = buffer.shift();
      if (!row) break;
      out.push(row);
    }
    return out;
  };

  const settle = (row: DueRecipient, outcome: Outcome, episode: number): void => {
    opts.onOutcome?.(row, outcome);
    switch (outcome.kind) {
      case 'accepted':
        summary.sent++;
        if (throttle.strikes) throttle = onAccepted(throttle, episode);
        settles.push({ postId, key: row.key, state: 'sent', reply: outcome.reply });
        return;
      case 'failed':
        summary.failed++;
        settles.push({ postId, key: row.key, state: 'failed', reply: outcome.reply });
        return;
      case 'deferred': {
        summary.deferred++;
        const waitMs = opts.deferral.firstRetryMinutes * 60_000 * 2 ** Math.min(row.attempts, 8);
        settles.push({ postId, key: row.key, state: 'deferred', reply: outcome.reply, nextAttemptAt: new Date(opts.now().getTime() + waitMs).toISOString() });
        return;
      }
      case 'in_doubt':
        summary.inDoubt++;
        settles.push({ postId, key: row.key, state: 'in_doubt', reply: `no reply after the data: ${outcome.reply}` });
        return;
      case 'abort':
        summary.aborted ??= outcome.reply;
        summary.notAttempted++;
        settles.push({ postId, key: row.key, state: 'pending', reply: `not sent: ${outcome.reply}` });
        return;
      case 'retry': {
        if (outcome.throttle) slowDown(outcome.reply, episode);
        settles.push({ postId, key: row.key, state: 'pending', reply: `not sent: ${outcome.reply}` });
        const tries = (triesByKey.get(row.key) ?? 0) + 1;
        triesByKey.set(row.key, tries);
        if (tries <= opts.retries && !stopping()) {
          retryQueue.push({ row, notBefore: Date.now() + opts.retryDelayMs * 2 ** (tries - 1) });
        } else {
          summary.notAttempted++;
        }
      }
    }
  };

  const start = async (row: DueRecipient, messageId: string, episode: number): Promise<void> => {
    let outcome: Outcome;
    try {
      // the recipient as recorded with the post's audience, under the Message-ID of their claim
      const message = personalise(template, { email: row.email, key: row.key, name: row.name, smtputf8: needsSmtpUtf8(row.email) }, messageId);
      outcome = await transport.send(opts.sign ? { ...message, raw: await opts.sign(messageBytes(message)) } : message);
    } catch (err) {
      outcome = { kind: 'retry', reply: `could not build the message: ${(err as Error).message}`, throttle: false };
    }
    try {
      settle(row, outcome, episode);
    } catch (error) {
      broken ??= { error };
    } finally {
      inflight--;
      const waiting = wake;
      wake = undefined;
      waiting?.();
    }
  };

  const launch = async (rows: readonly DueRecipient[], claims: readonly Claim[], owned: readonly boolean[]): Promise<void> => {
    for (let i = 0; i < rows.length; i++) {
      if (!owned[i]) continue;
      const wait = paceWait();
      if (wait > 0) await sleep(wait, opts.stop);
      if (opts.stop.aborted) {
        // claimed but never handed over: give it back untouched
        settles.push({ postId, key: rows[i]!.key, state: 'pending', reply: 'not sent: herald was stopping' });
        summary.notAttempted++;
        continue;
      }
      opts.budget.remaining--;
      inflight++;
      void start(rows[i]!, claims[i]!.messageId, throttle.episode);
    }
  };

  const batch = Math.max(1, Math.ceil((transport.capacity * 3) / 4));
  let gatherSince: number | undefined;
  let gathered: Promise<void> = Promise.resolve();
  const gathering = (): boolean => {
    if (!settles.length || settles.length >= batch || !inflight || stopping()) return false;
    if (gatherSince === undefined) {
      gatherSince = Date.now();
      gathered = sleep(GATHER_MS);
    }
    return Date.now() - gatherSince < GATHER_MS;
  };

  for (;;) {
    if (broken) throw broken.error;
    const waitForMore = gathering();
    // during a throttle pause nobody new is claimed: a claim waiting out a pause would be in doubt if herald died
    const paused = throttle.pauseUntil !== 0 && pauseLeft(throttle, Date.now()) > 0;
    const free = stopping() || waitForMore || paused ? 0 : Math.min(transport.capacity - inflight, opts.budget.remaining);
    const rows = free > 0 ? nextRows(free) : [];
    const claims: Claim[] = [];
    const claimedRows: DueRecipient[] = [];
    for (const row of rows) {
      if (!opts.subscribed.has(row.key)) {
        record.skip(postId, row.key, 'left the list before this post reached them', opts.now());
        summary.skipped++;
        continue;
      }
      claims.push({ postId, key: row.key, messageId: messageIdFor(opts.sender, postId, row.key) });
      claimedRows.push(row);
    }
    if (!waitForMore && (claims.length || settles.length)) {
      gatherSince = undefined;
      // the claims are on disk when this returns; only then do their messages go out
      const owned = record.apply(opts.runId, settles.splice(0), claims, opts.now(), { includeInDoubt: opts.includeInDoubt });
      await launch(claimedRows, claims, owned);
      continue;
    }
    if (inflight) {
      await (waitForMore ? Promise.race([settled(), gathered]) : paused ? Promise.race([settled(), pauseOver]) : settled());
      // let every reply that has already arrived settle first, so one commit records them all
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    // wait out the pause only when something may still go out after it
    if (paused && !stopping() && (retryQueue.length || buffer.length || !exhausted)) {
      await pauseOver;
      continue;
    }
    if (!rows.length && !settles.length) {
      if (stopping() || !retryQueue.length) break;
      const wait = Math.max(0, retryQueue.reduce((first, r) => Math.min(first, r.notBefore), Infinity) - Date.now());
      await sleep(Math.max(wait, 10), opts.stop);
      if (opts.stop.aborted) break;
    }
  }
  summary.notAttempted += retryQueue.length;
  // a run that stopped early (signal, deadline, cap, abort, a server that kept throttling) leaves
  // every recipient it did not reach for the next run: the summary counts them
  if (stopping()) summary.notAttempted += buffer.length + unreached();
  if (settles.length) record.apply(opts.runId, settles.splice(0), [], opts.now(), { includeInDoubt: false });
  return summary;

  /** Due recipients past those read so far (read only when a run stops early). */
  function unreached(): number {
    let count = 0;
    while (!exhausted) {
      const page = record.due(postId, opts.now(), { afterSeq, limit: PAGE, includeInDoubt: opts.includeInDoubt });
      count += page.length;
      if (page.length < PAGE) exhausted = true;
      if (page.length) afterSeq = page[page.length - 1]!.seq;
    }
    return count;
  }

  /** How long the next message must wait for the configured rate; it takes its slot. */
  function paceWait(): number {
    if (opts.messagesPerSecond <= 0) return 0;
    const nowMs = Date.now();
    const wait = Math.max(nextSlot - nowMs, 0);
    nextSlot = Math.max(nextSlot, nowMs + wait) + 1000 / opts.messagesPerSecond;
    return wait;
  }

  /** The server asked the whole session to slow down: pause the run, or give up on it when it keeps asking. */
  function slowDown(reply: string, episode: number): void {
    const before = throttle;
    throttle = onThrottle(throttle, opts.throttle, episode, Date.now());
    if (throttle.gaveUp) summary.throttled ??= reply;
    else if (throttle.episode !== before.episode) pauseOver = sleep(pauseLeft(throttle, Date.now()), opts.stop);
  }
}
