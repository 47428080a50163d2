import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';
import { FOOTER_WITHIN_BYTES } from '../render/cut';

const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

/**
 * footerWithinBytes: Gmail shows only the first ~102 KB of an email's HTML, so a post that would
 * push the footer and its unsubscribe link past this many bytes is cut (see render/cut.ts).
 */
export const footerWithinBytesSetting = z
  .int()
  .min(0)
  .default(FOOTER_WITHIN_BYTES)
  .describe('a post is cut, with a "Read the rest on the site" link, so the footer and its unsubscribe link start within this many bytes of the email\'s HTML; 0 = never cut');
