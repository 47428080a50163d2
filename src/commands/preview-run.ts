import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
import { readPosts } from '../pipeline/inputs';
import { ErrorCode, HeraldError } from '../errors';
import { findFeedItem } from '../pipeline/feed-posts';
import { planSend, type RecordView } from '../plan/plan';
import { resolveSender, unsubscribeLinks } from '../render/envelope';
import { fillMessage, renderPost } from '../render/post';
import { servePreview } from '../preview/live';
// cheap to load: screenshot.ts requires playwright-core only when it takes a screenshot
import { screenshotEmail, siteFiles } from '../preview/screenshot';
import { lintEmail } from '../spam/lint';
import { ExitCode, type Output, reportProblems } from '../output';
import { nextStopSignal } from '../signals';
import { SAMPLE_RECIPIENT, writePreview } from '../preview/write';


const PREVIEW_HOST = '127.0.0.1';

export interface PreviewOptions {
  readonly screenshots: boolean;
  /** Dark-mode screenshots too (email-dark-375.png, email-dark-600.png). */
  readonly dark?: boolean;
  readonly serve: boolean;
  readonly port: number;
  /** Resolves when the live preview should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<void>;
  /** Called with the live preview's address once it listens (tests). */
  readonly onServing?: (url: string) => void;
}

const EMPTY_RECORD: RecordView = { initialized: false, posts: new Map(), counts: new Map() };

/**
 * Finds one post by the names `herald send POST` accepts (identity, path under posts/, slug),
 * drafts and future posts included: previewing them is the point.
 */
export function findPost(settings: Settings, name: string, io?: Output): Post {
  const found = readPosts(settings);
  const plan = planSend(found.posts, EMPTY_RECORD, { named: [name], includeExisting: true, resendInDoubt: false, now: new Date() });
  const post = plan.fresh[0] ?? plan.held[0]?.post;
  if (post) {
    if (io) for (const p of plan.problems) io.err(`note: ${p.location ? `${p.location.file}: ` : ''}${p.message}`);
    return post;
  }
  // the file may exist but not parse: that problem says more than "no post named"
  const wanted = name.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^posts\//, '');
  const broken = found.problems.find((p) => p.location?.file === `posts/${wanted}` || p.location?.file.replace(/\.[^./]+$/, '') === `posts/${wanted}`);
  if (broken) throw new HeraldError(broken.code, broken.message, { location: broken.location, hint: broken.hint });
  const missing = plan.problems[0];
  throw new HeraldError(ErrorCode.EUSAGE, missing?.message ?? `no post named "${name}"`, { hint: missing?.hint });
}

/** A post, else (when feeds are set) a feed item by its link, id or post id. */
async function findPostOrItem(settings: Settings, name: string, io: Output): Promise<Post> {
  try {
    return findPost(settings, name, io);
  } catch (err) {
    if (!settings.feeds.length) throw err;
    const item = await findFeedItem(settings, name, new Date());
    if (item) return item;
    throw err;
  }
}

export async function runPreview(loadSettings: () => Settings, name: string, opts: PreviewOptions, io: Output): Promise<number> {
  const settings = loadSettings();
  const post = await findPostOrItem(settings, name, io);
  const sender = resolveSender(settings, { requireSecret: false });
  if (settings.unsubscribe.url && !settings.env.secret) {
    io.err('note: HERALD_SECRET is not set, so the preview carries a placeholder unsubscribe token.');
  }
  const rendered = await renderPost(post, settings, new Date());
  reportProblems(io, rendered.warnings);
  const files = await writePreview(settings.previewDir, rendered, sender, SAMPLE_RECIPIENT);
  const shown = (file: string): string => path.relative(process.cwd(), file) || file;
  io.out(`"${post.title}" (${post.file})`);
  io.out(`  preview: ${shown(files.html)}, email.txt and message.eml beside it`);

  const html = fs.readFileSync(files.html, 'utf8');
  const text = fs.readFileSync(path.join(files.dir, 'email.txt'), 'utf8');
  // the clipping warning already came with the rendering
  const subject = rendered.subject.parts.map((p) => (typeof p === 'string' ? p : p.fallback)).join('');
  const lint = lintEmail({ html, text, postalAddress: settings.postalAddress, file: post.file, subject, markdown: post.body }).filter((p) => !/Gmail clips/.test(p.message));
  reportProblems(io, lint);

  let code: number = ExitCode.OK;
  if (opts.screenshots) {
    const schemes = opts.dark ? (['light', 'dark'] as const) : (['light'] as const);
    for (const colorScheme of schemes) {
      const prefix = colorScheme === 'dark' ? 'email-dark' : 'email';
      const shot = await screenshotEmail(files.html, files.dir, { localFile: siteFiles(settings.siteUrl, [...settings.postsDirs, settings.root]), colorScheme, prefix });
      if ('unavailable' in shot) {
        io.err(`error: no screenshots: Chromium was not found (${shot.unavailable}).`);
        code = ExitCode.FAILED;
        break;
      }
      io.out(`  screenshots${colorScheme === 'dark' ? ' (dark mode)' : ''}: ${shot.files.map(shown).join(', ')}`);
      if (shot.overflowAt375 && colorScheme === 'light') {
        io.err(`warning: ${post.file}: the email is wider than a 375 px phone screen, so it scrolls sideways there (see ${path.basename(shot.files[0] ?? '')})`);
      }
    }
  }

  if (opts.serve) {
    const render = async (): Promise<string> => {
      const current = loadSettings();
      const again = post.source !== undefined ? post : findPost(current, post.file);
      const result = await renderPost(again, current, new Date());
      const currentSender = resolveSender(current, { requireSecret: false });
      const links = unsubscribeLinks(currentSender, SAMPLE_RECIPIENT);
      return fillMessage(result, { name: SAMPLE_RECIPIENT.name, email: SAMPLE_RECIPIENT.email, unsubscribe_url: links.visible }).html;
    };
    const server = await servePreview({
      render,
      watch: [path.join(settings.root, ...post.file.split('/')), settings.templatesDir, settings.configPath],
      host: PREVIEW_HOST,
      port: opts.port,
      log: (line) => io.err(line),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        throw new HeraldError(ErrorCode.EUSAGE, `port ${opts.port} on ${PREVIEW_HOST} is in use`, { hint: 'Pick another with --port N (0 picks a free one).' });
      }
      throw err;
    });
    io.out(`  live preview: ${server.url} (reloads when the post, a template or the settings change; Ctrl-C stops it)`);
    opts.onServing?.(server.url);
    try {
      await (opts.until ?? nextStopSignal());
    } finally {
      await server.close();
    }
    io.err('live preview stopped.');
  }
  return code;
}
