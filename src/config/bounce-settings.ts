import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';

const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

/**
 * Bounces and complaints that arrive after a send: the return path that ties a report to its
 * delivery, and the policy that turns reports into suppressions (src/bounces/).
 */
export const bounceSchema = z
  .strictObject({
    returnPath: z
      .string()
      .regex(/^[^\s@<>"(),;:\\[\]]+@[^\s@<>"(),;:\\[\]]+\.[^\s@<>"(),;:\\[\]]+$/, 'must be an address such as "bounces+{token}@example.com"')
      .refine((v) => v.split('{token}').length <= 2 && !/[{}]/.test(v.replace('{token}', '')), 'may hold {token} once and no other braces')
      .optional()
      .describe('the envelope sender (Return-Path) of every message; with {token} in it (VERP), each message gets its own signed address that names its delivery'),
    softBounces: z
      .strictObject({
        count: z.int().min(1).default(3).describe('soft bounces that suppress an address…'),
        days: z.number().positive().default(30).describe('…when they fall within this many days; older ones no longer count'),
      })
      .default({ count: 3, days: 30 }),
    keepReports: z.int().min(0).default(1000).describe('raw reports kept in STATE/bounces/reports (the oldest are deleted first)'),
    maxReportBytes: z.int().min(1024).default(5_000_000).describe('a larger message is skipped, not parsed'),
    schedule: z
      .strictObject({
        cron: z.string().min(1).describe('when `herald schedule` runs `herald bounces` (in schedule.timezone)'),
        maildir: z.string().min(1).optional().describe('read this Maildir (relative to the newsletter folder)'),
        mbox: z.string().min(1).optional().describe('read this mbox file; with neither, the IMAP mailbox at HERALD_BOUNCE_IMAP_URL'),
      })
      .refine((s) => !(s.maildir && s.mbox), 'give maildir or mbox, not both')
      .optional(),
    webhooks: z
      .strictObject({
        path: z.string().regex(/^\/[^?#\s]*$/, 'must be a path such as "/webhooks"').default('/webhooks').describe('where `herald serve` answers provider webhooks: PATH/ses, PATH/postmark, PATH/mailgun, PATH/sendgrid'),
        ses: z
          .strictObject({
            topicArns: z.array(z.string().regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN')).min(1).describe('the only SNS topics whose messages are believed'),
          })
          .optional(),
      })
      .default({ path: '/webhooks' }),
  })
  .default({ softBounces: { count: 3, days: 30 }, keepReports: 1000, maxReportBytes: 5_000_000, webhooks: { path: '/webhooks' } });

export type BounceSettings = Zod.output<typeof bounceSchema>;
