import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';

const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

/** How many new items one read of a feed may bring before herald holds them all (see src/feeds/newness.ts). */
export const DEFAULT_FEED_FLOOD_GUARD = 3;

const feedObject = z.strictObject({
  url: z.string().min(1).describe('the feed: an http(s) URL, a file: URL, or a path relative to the newsletter folder'),
  name: z.string().min(1).max(60).optional().describe('a short name for the feed in messages and post ids (default: its host name)'),
  template: z.string().min(1).optional().describe('template for this feed\'s items (templates/NAME.mjml)'),
  fullContent: z.boolean().default(true).describe('mail the item\'s full HTML when the feed has it; false mails its summary and a link'),
  floodGuard: z.int().min(0).default(DEFAULT_FEED_FLOOD_GUARD).describe('more new items than this in one read are held, none sent; 0 = no guard'),
  timeoutSeconds: z.number().positive().max(300).default(30).describe('give up on a read after this long; it is read again on the next run'),
  allowPrivate: z.boolean().default(false).describe('allow a file, or an address on this machine or the local network'),
});

/** `feeds`: URLs or file paths, each also as an object with its options. */
export const feedsSchema = z
  .array(z.union([z.string().min(1).transform((url) => feedObject.parse({ url })), feedObject]))
  .default([])
  .describe('feeds (RSS, Atom, JSON Feed) whose new items are mailed like new posts');

export type FeedSetting = Zod.output<typeof feedObject>;
