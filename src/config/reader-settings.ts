import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';

const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

/**
 * What readers choose: the topics a post and a subscriber are matched on, and the local time of
 * day mail goes out at. Every key is optional, and without them herald mails every post to every
 * subscriber at once, as it always has.
 */

const topicSchema = z.strictObject({
  label: z.string().min(1).optional().describe('how the topic is named to readers; the topic\'s key when absent'),
  match: z.array(z.string().min(1)).default([]).describe('post tags, categories and subscriber tags that mean this topic (besides its key and label)'),
});

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const readerSettingsShape = {
  topics: z
    .record(z.string().min(1), topicSchema)
    .optional()
    .describe('the topics posts are routed by, e.g. { "rust": { "label": "Rust", "match": ["rust", "cargo"] } }; without it every post goes to every subscriber'),
  noTopics: z
    .enum(['everything', 'nothing'])
    .default('everything')
    .describe('what a subscriber who chose no topic receives of the posts that have one'),
  welcome: z
    .union([z.string().regex(/^posts\/[^\\]+\.(md|markdown|mdown|mkd|mkdn)$/i, { error: 'must be a post\'s path under posts/, e.g. "posts/welcome.md", or false' }), z.literal(false)])
    .default('posts/welcome.md')
    .describe('the post each new subscriber receives once (after confirming, or `subscribers add --welcome`); it never goes to the whole list; false for none'),
  deliverAt: z
    .string()
    .regex(HH_MM, { error: 'must be a time of day "HH:MM", e.g. "08:00"' })
    .optional()
    .describe('each subscriber receives a new post once their local time passes this; without it, at once'),
};

export type TopicSettings = Readonly<Record<string, { readonly label?: string; readonly match: readonly string[] }>>;
