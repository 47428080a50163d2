import type * as Zod from 'zod';
import { requireDeferring } from '../fast/deferred-require';
import { feedsSchema } from './feed-settings';
import { feedbackIdSchema } from './feedback-settings';
import { bounceSchema } from './bounce-settings';
import { headerTextProblem, listIdProblem, mailboxProblem, plainAddressProblem } from './header-settings';
import { siteSettings } from './site-settings';
import { didYouMean } from './did-you-mean';
import { relaysSchema } from './relay-settings';
import { readerSettingsShape } from './reader-settings';
import { footerWithinBytesSetting } from './html-settings';

/**
 * zod, without the error messages of its forty-odd locales, which it loads with itself although
 * herald uses its English ones (about 15 ms on every run, an idle one included).
 */
const { z } = requireDeferring<typeof Zod>('zod', new Map([['../locales/index.cjs', []]]));

/**
 * The settings of herald.config.json. Secrets (SMTP password, unsubscribe secret, DKIM key) are
 * deliberately absent: they come from the environment only, see config/load.ts.
 */
/** A value that reaches a mail header is refused when it could break out of it (see header-settings.ts). */
const headerSafe = (problem: (value: string) => string | undefined) => (value: string, ctx: Zod.RefinementCtx) => {
  const found = problem(value);
  if (found) ctx.addIssue({ code: 'custom', message: found });
};

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "https://example.com/"' });

export const smtpSchema = z.strictObject({
  connections: z.int().min(1).max(50).default(5).describe('SMTP connections used in parallel'),
  messagesPerSecond: z.number().min(0).default(0).describe('upper bound on messages per second; 0 = no limit'),
  maxPerRun: z.int().min(0).default(0).describe('most messages one run hands to SMTP; 0 = no limit'),
  maxPerDay: z.int().min(0).default(0).describe('most messages accepted in any 24 hours; 0 = no limit'),
  runDeadlineMinutes: z.number().min(0).default(60).describe('a run stops taking recipients after this long, so an unattended run always ends; 0 = no deadline'),
  retries: z.int().min(0).max(10).default(3).describe('retries within a run for a transient failure'),
  retryDelayMs: z.int().min(0).default(1000).describe('first retry delay, doubled on each retry'),
  connectionTimeoutMs: z.int().min(100).default(15000),
  greetingTimeoutMs: z.int().min(100).default(15000),
  socketTimeoutMs: z.int().min(100).default(60000).describe('longest silence from the server on a connection'),
  maxMessagesPerConnection: z.int().min(1).default(100).describe('reconnect after this many messages'),
});

const configSchema = z.strictObject({
  name: z.string().min(1).superRefine(headerSafe(headerTextProblem)).default('Newsletter').describe('the newsletter name, shown in the email and in List-Id'),
  siteUrl: httpUrl.describe('base URL of the website; relative links and images in posts are resolved against it'),
  from: z.string().min(3).superRefine(headerSafe(mailboxProblem)).optional().describe('sender, e.g. "The Dispatch <news@example.com>"; HERALD_FROM overrides it'),
  replyTo: z.string().min(3).superRefine(headerSafe(mailboxProblem)).optional().describe('one Reply-To address, "Name <address>" or just the address'),
  subject: z.string().min(1).superRefine(headerSafe(headerTextProblem)).default('{{title}}').describe('subject format; {{title}} and {{newsletter_name}} are filled in'),
  template: z.string().min(1).default('default').describe('template used when a post names none (templates/NAME.mjml)'),
  postUrl: z.string().min(1).default('{{slug}}/').describe('where a post lives on the site, relative to siteUrl'),
  listId: z.string().min(3).superRefine(headerSafe(listIdProblem)).optional().describe('List-Id header value; derived from name and siteUrl when absent'),
  postalAddress: z.string().optional().describe('postal address printed in the footer'),
  feedbackId: feedbackIdSchema.describe('the parts of the Feedback-ID header (campaign, list, sender)'),
  unsubscribe: z
    .strictObject({
      url: httpUrl.optional().describe('public URL of the unsubscribe endpoint; HERALD_PUBLIC_URL overrides it'),
      mailto: z.string().min(3).superRefine(headerSafe(plainAddressProblem)).optional().describe('address that receives unsubscribe requests by mail'),
    })
    .default({}),
  smtp: smtpSchema.default(smtpSchema.parse({})),
  relays: relaysSchema,
  deferral: z
    .strictObject({
      giveUpAfterHours: z.number().min(0).default(72).describe('a recipient deferred (4xx) for longer than this is failed'),
      firstRetryMinutes: z.number().min(0).default(5).describe('wait before a deferred recipient is tried again, doubled each time'),
    })
    .default({ giveUpAfterHours: 72, firstRetryMinutes: 5 }),
  schedule: z
    .strictObject({
      cron: z.string().min(1).default('*/10 * * * *'),
      timezone: z.string().min(1).default('UTC'),
    })
    .default({ cron: '*/10 * * * *', timezone: 'UTC' }),
  renderTimeoutSeconds: z.number().positive().default(60).describe('a post that takes longer to render is stopped and reported; the others go on'),
  footerWithinBytes: footerWithinBytesSetting,
  logoUrl: httpUrl.optional().describe('an image shown in the email header (absolute https URL)'),
  dkim: z
    .strictObject({
      domain: z.string().min(3).describe('the signing domain (d=)'),
      selector: z.string().min(1).describe('the DNS selector (s=)'),
      keyFile: z.string().min(1).optional().describe('path of the PEM private key; HERALD_DKIM_KEY_FILE overrides it'),
    })
    .optional(),
  serve: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8025),
      subscribeForm: z.boolean().default(false).describe('offer a subscribe form with double opt-in'),
      trustProxy: z.boolean().default(false).describe('count the subscribe limit per client by the last X-Forwarded-For address (behind a reverse proxy)'),
    })
    .default({ host: '127.0.0.1', port: 8025, subscribeForm: false, trustProxy: false }),
  stateDir: z.string().min(1).default('.herald').describe('folder for the record, the lock and previews'),
  previewDir: z.string().min(1).optional().describe('where --dry-run writes previews; default STATE/preview'),
  feeds: feedsSchema,
  bounces: bounceSchema,
  ...readerSettingsShape,
  ...siteSettings(z),
});

export type RawConfig = Zod.input<typeof configSchema>;
export type ConfigFile = Zod.output<typeof configSchema>;
export type SmtpSettings = ConfigFile['smtp'];

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Pure: validates parsed JSON and reports every issue at once. */
export function validateConfig(raw: unknown): { ok: true; config: ConfigFile } | { ok: false; issues: ConfigIssue[] } {
  const result = configSchema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path);
      const named = issue.keys.map((k) => {
        const near = didYouMean(k, known);
        return near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`;
      });
      return { path, message: `unknown setting ${named.join(', ')}` };
    }
    return { path, message: issue.message };
  });
  return { ok: false, issues };
}

/** The setting names allowed at a place in the file, for suggesting one in place of a typo. */
function knownKeysAt(at: readonly PropertyKey[]): string[] {
  let current: unknown = configSchema;
  for (const key of at) {
    const node = unwrap(current) as { shape?: Record<string, unknown>; element?: unknown } | undefined;
    current = typeof key === 'number' || /^\d+$/.test(String(key)) ? node?.element : node?.shape?.[String(key)];
  }
  const shape = (unwrap(current) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { unwrap?: () => unknown; shape?: unknown; element?: unknown } | undefined;
  for (let i = 0; i < 5 && current && !current.shape && !current.element && typeof current.unwrap === 'function'; i++) current = current.unwrap() as typeof current;
  return current;
}

/** The settings as a JSON Schema (draft 2020-12), for editors; shipped as schema/herald.config.schema.json. */
export function settingsJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }), title: 'herald.config.json' } as Record<string, unknown>;
}
