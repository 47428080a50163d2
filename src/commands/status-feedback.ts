import type { PostFeedback } from '../record/sqlite';

/** What reports said about one post after it was sent, for `herald status`. */
export interface FeedbackSummary {
  readonly bounced: { readonly hard: number; readonly soft: number };
  readonly complained: number;
  /** Sender refusals (blocklists, policy): a sending problem, not the readers' */
  readonly senderRefused: number;
  /** Complaints per message accepted; 0 before anything was sent. */
  readonly complaintRate: number;
  /** warning above 0.1%, error above 0.3% (the threshold Gmail and Yahoo act on). */
  readonly level: 'ok' | 'warning' | 'error';
}

export const COMPLAINT_WARNING = 0.001;
export const COMPLAINT_ERROR = 0.003;

export function feedbackSummary(f: PostFeedback | undefined, sent: number): FeedbackSummary {
  const complained = f?.complained ?? 0;
  const complaintRate = sent > 0 ? complained / sent : 0;
  const level = complaintRate > COMPLAINT_ERROR ? 'error' : complaintRate > COMPLAINT_WARNING ? 'warning' : 'ok';
  return { bounced: { hard: f?.hard ?? 0, soft: f?.soft ?? 0 }, complained, senderRefused: f?.sender ?? 0, complaintRate, level };
}

export function feedbackLine(f: FeedbackSummary): string {
  if (!f.bounced.hard && !f.bounced.soft && !f.complained && !f.senderRefused) return '';
  const parts = [
    `bounced ${f.bounced.hard + f.bounced.soft} (hard ${f.bounced.hard}, soft ${f.bounced.soft})`,
    `complained ${f.complained} (${(f.complaintRate * 100).toFixed(2)}% of sent)`,
  ];
  if (f.senderRefused) parts.push(`sender refused by ${f.senderRefused}`);
  return parts.join(', ');
}
