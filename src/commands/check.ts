import fs from 'node:fs';
import type { App } from '../app';
import type { Settings } from '../config/load';
import { scheduleProblems } from '../config/schedule-settings';
import { redactSmtpUrl } from '../deliver/smtp-pool';
import { tlsFailure } from '../deliver/smtp-url';
import { ErrorCode, type Problem, problem, problemFromError, warning } from '../errors';
import { readTemplate } from '../render/post';
import { probeTemplate } from '../render/template-probe';
import { checkFeeds } from '../pipeline/feed-posts';
import { readInputs } from '../pipeline/inputs';
import { ExitCode, hasErrors, type Output, plural, reportProblems } from '../output';
import { signingSecretProblems } from '../pipeline/signing-secret';
import { settingsPlaceholderProblems } from '../render/settings-placeholders';
import { postFolders } from '../config/site-settings';
import { detectGenerator } from '../discover/generators';
import { readSiteConfig } from '../discover/site-config';
import { publishedPrivateFolders } from '../discover/site-publish';
import type { DkimSigner } from '../render/dkim';
import { quotedTxt } from '../deliverability/txt';
import { deliverabilityProblems } from './deliverability';
import { subscriberFolder } from '../subscribers/files';

/**
 * Validates everything a send depends on, and proves the SMTP settings by logging in. Bulk-sender
 * readiness (deliverability.ts) is warned about, or with --deliverability / --dns checked.
 */
export async function runCheck(app: App, opts: { smtp: boolean; json: boolean; spam?: string; deliverability?: boolean; dns?: boolean }): Promise<number> {
  const { settings, io } = app;
  const inputs = readInputs(settings);
  const problems: Problem[] = [...inputs.problems];
  const print = opts.json ? undefined : io;
  try {
    const sender = app.sender({ requireSecret: true });
    const dkim = checkDkim(settings, print);
    problems.push(...dkim.problems);
    const ready = { deliverability: Boolean(opts.deliverability), dns: Boolean(opts.dns) };
    problems.push(...(await deliverabilityProblems(settings, sender.from.address, dkim, ready, print)));
  } catch (err) {
    problems.push(problemFromError(err));
  }
  problems.push(...signingSecretProblems(app, new Date()));
  problems.push(...scheduleProblems(settings.schedule, settings.configPath));
  problems.push(...settingsPlaceholderProblems(settings, settings.configPath));
  problems.push(...emptyInputWarnings(settings, inputs.posts.length, inputs.subscribers.length));
  problems.push(...siteLayoutProblems(settings));
  const feeds = await checkFeeds(app);
  problems.push(...feeds.problems);
  if (!opts.json) for (const line of feeds.lines) io.out(line);
  const templateProblems = await checkTemplates(settings);
  problems.push(...templateProblems);
  // a template reported above is not reported again for each post that uses it
  const failedTemplates = new Set(templateProblems.map((p) => p.location?.file));
  const now = new Date();
  // the send's own render thread, so a runaway post is stopped and named here too
  const renderer = app.renderer();
  try {
    for (const post of inputs.posts) {
      if (post.draft) continue;
      try {
        const rendered = await renderer.render(post, now);
        problems.push(...rendered.warnings);
      } catch (err) {
        const p = problemFromError(err);
        if (p.code !== ErrorCode.ETEMPLATE || !failedTemplates.has(p.location?.file)) problems.push(p);
      }
    }
  } finally {
    renderer.end();
  }
  if (opts.spam) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { checkSpam } = require('./spam-check') as typeof import('./spam-check');
    problems.push(...(await checkSpam(settings, opts.spam, inputs.subscribers[0], io)));
  }
  let smtp = 'not checked';
  if (opts.smtp && settings.relays) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const relays = await (require('./check-relays') as typeof import('./check-relays')).checkRelays(app);
    smtp = relays.smtp;
    problems.push(...relays.problems);
  } else if (opts.smtp) {
    if (!settings.env.smtpUrl) {
      problems.push(warning(ErrorCode.ECONFIG, 'HERALD_SMTP_URL is not set, so the SMTP connection was not checked', undefined, 'Set it, or pass --no-smtp.'));
    } else {
      try {
        const tls = await app.smtp().verify();
        smtp = `connected to ${redactSmtpUrl(settings.env.smtpUrl)}, ${tls}`;
      } catch (err) {
        const e = err as { message?: string; response?: string };
        const tls = tlsFailure(err as { code?: string });
        problems.push(problem(ErrorCode.ESMTP, `cannot use the SMTP server ${redactSmtpUrl(settings.env.smtpUrl)}: ${tls?.message ?? e.response ?? e.message}`, undefined, tls?.hint));
      }
    }
  }
  if (opts.json) {
    io.out(JSON.stringify({ ok: !hasErrors(problems), posts: inputs.posts.length, subscribers: inputs.subscribers.length, smtp, problems }, null, 2));
  } else {
    reportProblems(io, problems.filter((p) => !inputs.problems.includes(p)));
    reportProblems(io, inputs.problems);
    io.out(`${plural(inputs.posts.length, 'post')}, ${plural(inputs.subscribers.length, 'subscriber')}; SMTP: ${smtp}`);
    const warnings = problems.filter((p) => p.severity === 'warning').length;
    io.out(hasErrors(problems) ? 'check found problems (see above).' : warnings ? `everything checks out, but see the ${plural(warnings, 'warning')} above.` : 'everything checks out.');
  }
  return hasErrors(problems) ? ExitCode.FAILED : ExitCode.OK;
}

/** herald's private folders must not be where the site's generator publishes. */
function siteLayoutProblems(settings: Settings): Problem[] {
  const generator = detectGenerator(settings.root);
  if (!generator) return [];
  try {
    const site = readSiteConfig(settings.root, generator);
    const folders = [{ setting: 'subscribers', dir: settings.subscribersDir }, { setting: 'stateDir', dir: settings.stateDir }, { setting: 'previewDir', dir: settings.previewDir }];
    return publishedPrivateFolders(settings.root, generator, folders, site);
  } catch (err) {
    return [problemFromError(err)];
  }
}

/** Nothing to send or nobody to send to is not an error, but rarely what the author meant. */
function emptyInputWarnings(settings: Settings, posts: number, subscribers: number): Problem[] {
  const out: Problem[] = [];
  if (!posts) {
    const folders = postFolders(settings.posts).map((f) => `${f}/`).join(', ');
    out.push(warning(ErrorCode.EPOST, `no posts found; herald looked in ${folders}`, { file: settings.configPath },
      'Set "posts" in herald.config.json to the folder (or list of folders) your posts are in, e.g. "_posts" or "content/posts".'));
  }
  if (!subscribers) {
    out.push(warning(ErrorCode.ESUBSCRIBER, 'no subscribers: the subscriber files list nobody, so a send mails no one', { file: `${subscriberFolder(settings.root, settings.subscribersDir)}/` },
      'Add subscribers with herald subscribers add ADDRESS, or import a list with herald subscribers import FILE.'));
  }
  return out;
}

async function checkTemplates(settings: Settings): Promise<Problem[]> {
  const problems: Problem[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(settings.templatesDir).filter((n) => n.endsWith('.mjml'));
  } catch {
    // no templates/ at all: the built-in default is used, unless the settings name another
    names = [];
  }
  // the template the settings name must exist even before a post uses it
  if (!names.some((name) => name === `${settings.template}.mjml` || name === settings.template)) names.push(settings.template);
  for (const name of names) {
    try {
      problems.push(...(await probeTemplate(readTemplate(settings, name.replace(/\.mjml$/, '')), settings)));
    } catch (err) {
      problems.push(problemFromError(err));
    }
  }
  return problems;
}

interface DkimCheck {
  readonly configured: boolean;
  readonly signer?: DkimSigner;
  readonly record?: { name: string; value: string };
  readonly problems: Problem[];
}

/**
 * A configured DKIM key must load; the DNS record to publish is shown, split into strings of at
 * most 255 bytes as DNS needs (alignment with From is a deliverability finding).
 */
function checkDkim(settings: Settings, io: Output | undefined): DkimCheck {
  if (!settings.dkim) return { configured: false, problems: [] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dkim = require('../render/dkim') as typeof import('../render/dkim');
  try {
    const signer = dkim.loadDkim(settings);
    if (!signer) return { configured: false, problems: [] };
    const record = dkim.dkimDnsRecord(signer);
    io?.out(`DKIM: signing as d=${signer.domain} s=${signer.selector}; publish TXT ${record.name} ${quotedTxt(record.value)}`);
    return { configured: true, signer, record, problems: [] };
  } catch (err) {
    return { configured: true, problems: [problemFromError(err)] };
  }
}
