import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';

/**
 * feedbackId: the parts of the Feedback-ID header, which Gmail's postmaster tools use to group
 * complaint rates ("campaign:list:newsletter:sender"; the last part identifies the sender, the
 * others are what reports are broken down by). Each part is ASCII without colons.
 */
const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

const PART = /^[A-Za-z0-9._-]+$/;
const part = (what: string) => z.string().min(1).max(64).regex(PART, { error: `${what} may hold only ASCII letters, digits, ".", "_" and "-" (no colon)` });

export const feedbackIdSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('add a Feedback-ID header to every post'),
    campaign: z
      .string()
      .min(1)
      .max(64)
      .regex(/^(?:[A-Za-z0-9._-]|\{\{id\}\})+$/, { error: 'feedbackId.campaign may hold only ASCII letters, digits, ".", "_", "-" and {{id}} (no colon)' })
      .default('{{id}}')
      .describe('the campaign part; {{id}} is the post\'s id'),
    list: part('feedbackId.list').optional().describe('the list part; default: the List-Id identifier'),
    sender: part('feedbackId.sender').optional().describe('the sender part; default: the From address\'s domain'),
  })
  .default({ enabled: true, campaign: '{{id}}' });

export type FeedbackIdSettings = Zod.output<typeof feedbackIdSchema>;

/** The resolved parts a message's Feedback-ID is made of ({{id}} still in the campaign). */
export interface FeedbackId {
  readonly campaign: string;
  readonly list: string;
  readonly sender: string;
}

/** Anything else becomes "-", so a post id such as "2026/été" still gives a valid part; no "-" or "." at either end. */
export function feedbackPart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64).replace(/^[-.]+|[-.]+$/g, '') || 'none';
}

/** The header's value for a post. */
export function feedbackIdValue(id: FeedbackId, postId: string): string {
  const campaign = feedbackPart(id.campaign.replace(/\{\{id\}\}/g, postId));
  return `${campaign}:${id.list}:newsletter:${id.sender}`;
}
