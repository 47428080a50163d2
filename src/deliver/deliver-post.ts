import { type Sender, messageIdFor } from '../render/envelope';
import { needsSmtpUtf8 } from '../subscribers/address';
import { compileMessage, type MessageTemplate, personalise } from '../render/compose';
import type { RenderedPost } from '../render/post';
import type { Claim, DeliveryRecord, DueRecipient, Settle } from './delivery-record';
import { DueRecipients } from './due-recipients';
import type { Outcome } from './outcome';
import { Pacing } from './pacing';
import { Gathering, InFlight } from './replies';
import { COUNTED_AS, type DeliverySummary, emptySummary, released, settleFor } from './settle-policy';
import type { ThrottleSettings } from './throttle';
import { messageBytes, type Transport } from './transport';
import { sleep } from './wait';

export type { DeliverySummary } from './settle-policy';

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

/**
 * Sends one rendered post to its due recipients. Every claim is committed before its message is
 * handed to the transport, and outcomes are committed in the same transaction as the next claims,
 * so at any moment at most `transport.capacity` recipients are between "claimed" and "recorded".
 * Recipients it does not reach are left pending for the next run.
 */
export async function deliverPost(rendered: RenderedPost, record: DeliveryRecord, transport: Transport, opts: DeliveryOptions): Promise<DeliverySummary> {
  return new PostDelivery(rendered, record, transport, opts).run();
}

/** One post's delivery in one run: the loop that claims, hands over and commits. */
class PostDelivery {
  private readonly postId: string;
  /** The MIME message is assembled once per post; each recipient only adds their own bytes. */
  private readonly template: MessageTemplate;
  private readonly summary = emptySummary();
  /** Outcomes waiting for the next commit. */
  private readonly settles: Settle[] = [];
  private readonly due: DueRecipients;
  private readonly pacing: Pacing;
  private readonly inFlight = new InFlight();
  private readonly gathering: Gathering;
  /** An error from settling a message (a throwing onOutcome), rethrown by the loop. */
  private broken: { error: unknown } | undefined;

  constructor(
    rendered: RenderedPost,
    private readonly record: DeliveryRecord,
    private readonly transport: Transport,
    private readonly opts: DeliveryOptions,
  ) {
    this.postId = rendered.post.id;
    this.template = compileMessage(rendered, opts.sender, opts.now());
    this.due = new DueRecipients(record, this.postId, opts);
    this.pacing = new Pacing(opts.messagesPerSecond, opts.throttle, opts.stop);
    this.gathering = new Gathering(transport.capacity);
  }

  async run(): Promise<DeliverySummary> {
    for (;;) {
      if (this.broken) throw this.broken.error;
      const holding = this.gathering.holding(this.settles.length, this.inFlight.count, this.stopping());
      // during a throttle pause nobody new is claimed: a claim waiting out a pause would be in doubt if herald died
      const paused = this.pacing.paused();
      const rows = this.stopping() || holding || paused ? [] : this.dueNow();
      const claimedRows: DueRecipient[] = [];
      const claims = this.claim(rows, claimedRows);
      if (!holding && (claims.length || this.settles.length)) {
        const owned = this.commit(claims);
        await this.handOver(claimedRows, claims, owned);
        continue;
      }
      if (this.inFlight.count) {
        await this.nextReply(holding, paused);
        // let every reply that has already arrived settle first, so one commit records them all
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      // wait out the pause only when something may still go out after it
      if (paused && !this.stopping() && this.due.mayHaveMore()) {
        await this.pacing.pauseOver;
        continue;
      }
      if (!rows.length && !this.settles.length) {
        if (this.stopping() || !this.due.retrying) break;
        await sleep(Math.max(this.due.nextRetryIn(Date.now()), 10), this.opts.stop);
        if (this.opts.stop.aborted) break;
      }
    }
    return this.finish();
  }

  private stopping(): boolean {
    return this.opts.stop.aborted || this.summary.aborted !== undefined || this.summary.unavailable !== undefined || this.pacing.gaveUp || this.opts.budget.remaining <= 0;
  }

  /** As many due recipients as the transport has room for and the budget allows. */
  private dueNow(): DueRecipient[] {
    const free = Math.min(this.transport.capacity - this.inFlight.count, this.opts.budget.remaining);
    return free > 0 ? this.due.next(free) : [];
  }

  /** Claims for `rows`, their recipients added to `claimedRows`; those who left the list are skipped. */
  private claim(rows: readonly DueRecipient[], claimedRows: DueRecipient[]): Claim[] {
    const { postId, opts } = this;
    const claims: Claim[] = [];
    for (const row of rows) {
      if (!opts.subscribed.has(row.key)) {
        this.record.skip(postId, row.key, 'left the list before this post reached them', opts.now());
        this.summary.skipped++;
        continue;
      }
      claims.push({ postId, key: row.key, messageId: messageIdFor(opts.sender, postId, row.key) });
      claimedRows.push(row);
    }
    return claims;
  }

  /** One transaction: the outcomes gathered so far, and `claims`. Says, per claim, whether this run owns it. */
  private commit(claims: readonly Claim[]): boolean[] {
    this.gathering.committed();
    // the claims are on disk when this returns; only then do their messages go out
    return this.record.apply(this.opts.runId, this.settles.splice(0), claims, this.opts.now(), { includeInDoubt: this.opts.includeInDoubt });
  }

  /** Hands each committed claim's message to the transport, at the configured pace. */
  private async handOver(rows: readonly DueRecipient[], claims: readonly Claim[], owned: readonly boolean[]): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      if (!owned[i]) continue;
      const wait = this.pacing.slotWait();
      if (wait > 0) await sleep(wait, this.opts.stop);
      if (this.opts.stop.aborted) {
        // claimed but never handed over: give it back untouched
        this.settles.push(released(this.postId, rows[i]!.key, 'herald was stopping'));
        this.summary.notAttempted++;
        continue;
      }
      this.opts.budget.remaining--;
      this.inFlight.count++;
      void this.send(rows[i]!, claims[i]!.messageId, this.pacing.episode);
    }
  }

  /** Ends when the next message settles, or sooner when the gathering window or the throttle pause ends. */
  private nextReply(holding: boolean, paused: boolean): Promise<unknown> {
    if (holding) return Promise.race([this.inFlight.settled(), this.gathering.gathered]);
    if (paused) return Promise.race([this.inFlight.settled(), this.pacing.pauseOver]);
    return this.inFlight.settled();
  }

  /** One message, from the claim's Message-ID to its settled outcome; never rejects. */
  private async send(row: DueRecipient, messageId: string, episode: number): Promise<void> {
    let outcome: Outcome;
    try {
      // the recipient as recorded with the post's audience, under the Message-ID of their claim
      const message = personalise(this.template, { email: row.email, key: row.key, name: row.name, smtputf8: needsSmtpUtf8(row.email) }, messageId);
      outcome = await this.transport.send(this.opts.sign ? { ...message, raw: await this.opts.sign(messageBytes(message)) } : message);
    } catch (err) {
      outcome = { kind: 'retry', reply: `could not build the message: ${(err as Error).message}`, throttle: false };
    }
    try {
      this.settle(row, outcome, episode);
    } catch (error) {
      this.broken ??= { error };
    } finally {
      this.inFlight.done();
    }
  }

  /** Records an outcome for the next commit and counts it; `episode` is the throttle episode its message started in. */
  private settle(row: DueRecipient, outcome: Outcome, episode: number): void {
    this.opts.onOutcome?.(row, outcome);
    const counted = COUNTED_AS[outcome.kind];
    if (counted) this.summary[counted]++;
    this.settles.push(settleFor(this.postId, row, outcome, this.opts.deferral, this.opts.now));
    if (outcome.kind === 'accepted') this.pacing.accepted(episode);
    else if (outcome.kind === 'abort') this.summary.aborted ??= outcome.reply;
    else if (outcome.kind === 'unavailable') this.summary.unavailable ??= outcome.reply;
    else if (outcome.kind === 'retry') {
      if (outcome.throttle) {
        this.pacing.slowDown(episode);
        if (this.pacing.gaveUp) this.summary.throttled ??= outcome.reply;
      }
      if (!this.due.retryLater(row, !this.stopping())) this.summary.notAttempted++;
    }
  }

  private finish(): DeliverySummary {
    this.summary.notAttempted += this.due.retrying;
    // a run that stopped early (signal, deadline, cap, abort, a server that kept throttling) leaves
    // every recipient it did not reach for the next run: the summary counts them
    if (this.stopping()) this.summary.notAttempted += this.due.unreached();
    if (this.settles.length) this.record.apply(this.opts.runId, this.settles.splice(0), [], this.opts.now(), { includeInDoubt: false });
    return this.summary;
  }
}
