import crypto from 'node:crypto';
import type { BounceEvent, DeliveryMatch, EventKind } from '../record/sqlite';
import type { SuppressionReason } from '../subscribers/status';
import { bounceKind, isComplaintType } from './policy';
import { type BouncedRecipient, type ParsedReport, parseReport } from './report';
import { messageIdDigest, verifyVerpToken } from './verp';

/** The record's part this stage reads and writes (record/bounces.ts fits it). */
export interface BounceStore {
  byDigest(digest: string): DeliveryMatch[];
  byMessageId(messageId: string): DeliveryMatch | undefined;
  record(event: BounceEvent, now: Date): boolean;
  has(eventKey: string): boolean;
  softBounces(key: string, since: Date): number;
}

export interface BounceContext {
  readonly store: BounceStore;
  /** Puts an address on the suppression list; false when it was there already. */
  readonly suppress: (entry: { email: string; reason: SuppressionReason; at: Date; note: string }) => boolean;
  /** HERALD_SECRET first, then HERALD_SECRET_PREVIOUS. */
  readonly secrets: readonly string[];
  readonly returnPath?: string;
  readonly softBounces: { readonly count: number; readonly days: number };
  readonly maxReportBytes: number;
  readonly now: Date;
  /** Keeps the raw report in the state folder and returns its file name. */
  readonly keepReport?: (raw: Buffer, hash: string) => string | undefined;
}

/** What a batch did, for the summary; every message read lands in exactly one count. */
export interface Tally {
  read: number;
  hard: number;
  soft: number;
  complaints: number;
  suppressed: number;
  autoReplies: number;
  challenges: number;
  /** Delay warnings, success notices, feedback that is not a complaint. */
  notActionable: number;
  /** No valid token and no recorded Message-ID for the address: possibly forged, never acted on. */
  unmatched: number;
  /** Seen before: a second run over the same mailbox. */
  duplicates: number;
  /** Not a report at all. */
  other: number;
  skipped: { source: string; reason: string }[];
  /** The receiving server refused the sender (blocklist, policy): for a person to look into. */
  senderProblems: { email: string; status: string; detail: string; source: string }[];
}

export function emptyTally(): Tally {
  return { read: 0, hard: 0, soft: 0, complaints: 0, suppressed: 0, autoReplies: 0, challenges: 0, notActionable: 0, unmatched: 0, duplicates: 0, other: 0, skipped: [], senderProblems: [] };
}

/** A delivery acted on needs to have been handed to a server: a claim that never left proves nothing. */
const MADE = new Set(['sent', 'in_doubt', 'failed', 'deferred', 'sending']);

/**
 * Reads one message from a bounce mailbox and acts on it; false when it had to be skipped (too
 * large, not a message). Never throws for what the message holds.
 */
export async function processMessage(raw: Buffer, source: string, ctx: BounceContext, tally: Tally): Promise<boolean> {
  const skipped = tally.skipped.length;
  await readMessage(raw, source, ctx, tally);
  return tally.skipped.length === skipped;
}

async function readMessage(raw: Buffer, source: string, ctx: BounceContext, tally: Tally): Promise<void> {
  tally.read++;
  if (raw.length > ctx.maxReportBytes) {
    tally.skipped.push({ source, reason: `larger than ${ctx.maxReportBytes} bytes (bounces.maxReportBytes); not read` });
    return;
  }
  let report: ParsedReport;
  try {
    report = await parseReport(raw, ctx.returnPath);
  } catch (err) {
    tally.skipped.push({ source, reason: `cannot be read as a mail message: ${(err as Error).message}` });
    return;
  }
  switch (report.kind) {
    case 'auto-reply':
      tally.autoReplies++;
      return;
    case 'challenge':
      tally.challenges++;
      return;
    case 'other':
      if (report.reason.startsWith('not a mail message')) tally.skipped.push({ source, reason: report.reason });
      else tally.other++;
      return;
  }
  const hash = reportIdentity(raw, report.reportId);
  const byToken = tokenDeliveries(report.tokens, ctx);
  const byId = report.messageIds.flatMap((id) => {
    const found = ctx.store.byMessageId(id);
    return found && MADE.has(found.state) ? [found] : [];
  });
  const reportedAt = report.date && report.date < ctx.now ? report.date : ctx.now;
  const events: Omit<EventInput, 'eventKey'>[] = [];
  if (report.kind === 'complaint') {
    if (!isComplaintType(report.feedbackType)) {
      tally.notActionable++;
      return;
    }
    for (const delivery of unique([...byToken, ...byId])) {
      events.push({ delivery, kind: 'complaint', status: report.feedbackType, detail: `feedback report (${report.feedbackType})`, reportedAt });
    }
  } else {
    if (report.recipients.length && report.recipients.every((r) => bounceKind(r) === 'ignored')) {
      tally.notActionable++;
      return;
    }
    const viaToken = new Set(byToken.map((d) => d.id));
    for (const delivery of unique([...byToken, ...byId])) {
      const recipient = recipientFor(delivery, report.recipients, viaToken.has(delivery.id));
      if (!recipient) continue;
      const kind = bounceKind(recipient);
      if (kind === 'ignored') continue;
      events.push({ delivery, kind, status: recipient.status, detail: recipient.diagnostic, reportedAt });
    }
  }
  if (!events.length) {
    tally.unmatched++;
    return;
  }
  const reportFile = ctx.keepReport?.(raw, hash);
  for (const event of events) {
    actOn({ ...event, eventKey: `${hash}:${event.delivery.id}:${event.kind}` }, { ...ctx, source, reportFile }, tally);
  }
}

interface EventInput {
  readonly eventKey: string;
  readonly delivery: DeliveryMatch;
  readonly kind: EventKind;
  readonly status: string;
  readonly detail: string;
  readonly reportedAt: Date;
}

/**
 * Records one event and applies the policy: a hard bounce or a complaint suppresses at once, a
 * soft bounce when enough of them fell in the window, a refused sender only reports. An event
 * recorded before (the same report read again, a webhook delivered twice) changes nothing.
 */
export function actOn(event: EventInput, ctx: BounceContext & { source: string; reportFile?: string }, tally: Tally): void {
  const { delivery, kind } = event;
  if (ctx.store.has(event.eventKey)) {
    tally.duplicates++;
    return;
  }
  const at = event.reportedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const detail = oneLine(event.detail);
  const feedback = kind === 'complaint' ? `complained ${at}` : kind === 'sender' ? `sender refused ${event.status} ${at}` : `${kind} bounce ${event.status} ${at}`;
  // the suppression is written before the event is recorded: a crash in between leaves the event
  // unrecorded, so the next run acts on it again (adding an address twice changes nothing),
  // where the other order could record it and lose the suppression
  const suppress = (reason: SuppressionReason, note: string): void => {
    if (ctx.suppress({ email: delivery.email, reason, at: event.reportedAt, note: `${note} (post ${delivery.postId}${ctx.reportFile ? `, report ${ctx.reportFile}` : ''})` })) tally.suppressed++;
  };
  switch (kind) {
    case 'hard':
      tally.hard++;
      suppress('bounced', `hard bounce ${event.status}: ${detail}`);
      break;
    case 'complaint':
      tally.complaints++;
      suppress('complained', `complaint: ${detail}`);
      break;
    case 'soft': {
      tally.soft++;
      const since = new Date(ctx.now.getTime() - ctx.softBounces.days * 86_400_000);
      const count = ctx.store.softBounces(delivery.key, since) + (event.reportedAt >= since ? 1 : 0);
      if (count >= ctx.softBounces.count) suppress('bounced', `${count} soft bounces within ${ctx.softBounces.days} days, the last ${event.status}: ${detail}`);
      break;
    }
    case 'sender':
      tally.senderProblems.push({ email: delivery.email, status: event.status, detail, source: ctx.source });
      break;
  }
  ctx.store.record(
    { eventKey: event.eventKey, delivery, kind, status: event.status, detail, source: ctx.source, reportedAt: event.reportedAt.toISOString(), reportFile: ctx.reportFile, feedback },
    ctx.now,
  );
}

function tokenDeliveries(tokens: readonly string[], ctx: BounceContext): DeliveryMatch[] {
  return tokens.flatMap((token) => {
    const digest = verifyVerpToken(token, ctx.secrets);
    return digest ? ctx.store.byDigest(digest).filter((d) => MADE.has(d.state) && messageIdDigest(d.messageId)?.startsWith(digest)) : [];
  });
}

/**
 * The report's line about this delivery's address. A signed token names the delivery, so a report
 * with a single recipient (a forwarded address bouncing under another name) is about it too; a
 * Message-ID alone must come with the address it was sent to.
 */
function recipientFor(delivery: DeliveryMatch, recipients: readonly BouncedRecipient[], viaToken: boolean): BouncedRecipient | undefined {
  const email = delivery.email.toLowerCase();
  const named = recipients.find((r) => r.address === email || r.originalAddress === email);
  if (named) return named;
  return viaToken && recipients.length === 1 ? recipients[0] : undefined;
}

/**
 * What makes two copies of a report the same report, whichever mailbox or file they were read
 * from: its own Message-ID, else its text without line-ending and trailing-space differences.
 */
function reportIdentity(raw: Buffer, reportId: string | undefined): string {
  const basis = reportId ? `id\n${reportId.toLowerCase()}` : `text\n${raw.toString('latin1').replace(/[ \t]*\r?\n/g, '\n').replace(/^From [^\n]*\n/, '').trimEnd()}`;
  return crypto.createHash('sha256').update(basis, 'latin1').digest('hex');
}

function unique(deliveries: readonly DeliveryMatch[]): DeliveryMatch[] {
  return [...new Map(deliveries.map((d) => [d.id, d])).values()];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
