import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
import { type ErrorCode as Code, ErrorCode, HeraldError, type Location, type Problem, warning } from '../errors';
import { isTemplateName } from '../discover/fields';
import { allowedUrl } from '../url';
import { markdownToHtml } from './markdown';
import { compileMjml } from './mjml';
import { type PostValues, type PreparedTemplate, type RecipientValues, type Segments, fill, prepareTemplate, splitSegments } from './template';
import { htmlToPlainText } from './text';
import { contentMarkers, describeFaults, type Fault, verifyEmail, withoutMarkers } from './verify';

/** Gmail clips a message whose HTML is larger than about 102 KB. */
export const GMAIL_CLIP_BYTES = 102 * 1024;
const WORDS_PER_MINUTE = 230;

/** A post rendered once, ready to be filled in for each subscriber without recompiling. */
export interface RenderedPost {
  readonly post: Post;
  readonly templateFile: string;
  readonly subject: Segments;
  readonly html: Segments;
  readonly text: Segments;
  readonly url: string;
  readonly warnings: readonly Problem[];
}

export interface FilledMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export function fillMessage(rendered: RenderedPost, recipient: RecipientValues): FilledMessage {
  const plain = (s: string): string => s;
  return {
    subject: fill(rendered.subject, recipient, plain),
    html: fill(rendered.html, recipient),
    text: fill(rendered.text, recipient, plain),
  };
}

const TEXT_TEMPLATE = `{{ title }}
{{ date }}{{#reading_time}} · {{ reading_time }}{{/reading_time}}

{{{ content }}}

--
Read it on the website: {{ url }}
{{ newsletter_name }}{{#postal_address}}
{{ postal_address }}{{/postal_address}}
You are receiving this because you subscribed with {{ email }}.
Unsubscribe: {{ unsubscribe_url }}
`;

export function templatePath(settings: Settings, name: string, forPost?: Post): string {
  if (!isTemplateName(name)) {
    throw new HeraldError(ErrorCode.ETEMPLATE, `"${name}" is not a template name`, {
      ...(forPost ? { location: { file: forPost.file } } : {}),
      hint: 'Name a file in templates/ without its extension, e.g. template: minimal.',
    });
  }
  return path.join(settings.templatesDir, name.endsWith('.mjml') ? name : `${name}.mjml`);
}

export function readTemplate(settings: Settings, name: string, forPost?: Post): { file: string; absPath: string; source: string } {
  const abs = templatePath(settings, name, forPost);
  const file = path.relative(settings.root, abs).split(path.sep).join('/');
  try {
    return { file, absPath: abs, source: fs.readFileSync(abs, 'utf8').replace(/^\uFEFF/, '') };
  } catch {
    throw new HeraldError(ErrorCode.ETEMPLATE, `template "${name}" does not exist (${file})`, {
      location: forPost ? { file: forPost.file } : { file },
      hint: `Create ${file}, or change the post's template.`,
    });
  }
}

export function postValues(post: Post, settings: Settings, contentHtml: string, now: Date): PostValues {
  const words = post.body.split(/\s+/).filter(Boolean).length;
  return {
    title: post.title,
    summary: post.summary ?? '',
    date: post.date ? longDate(post.date) : '',
    date_iso: post.date ? isoDay(post.date) : '',
    reading_time: `${Math.max(1, Math.round(words / WORDS_PER_MINUTE))} min read`,
    url: postUrl(post, settings),
    newsletter_name: settings.name,
    site_url: allowedUrl(settings.siteUrl, settings.siteUrl) ?? '',
    postal_address: settings.postalAddress ?? '',
    logo_url: (settings.logoUrl && allowedUrl(settings.logoUrl, settings.siteUrl, { image: true })) || '',
    year: String(now.getFullYear()),
    content: contentHtml,
  };
}

/** The post's link on the site, through the one URL allowlist (discovery has already refused a bad `url:`). */
export function postUrl(post: Post, settings: Settings): string {
  const written = post.url ?? settings.postUrl.replace(/\{\{\s*slug\s*\}\}/g, encodeURIComponent(post.slug)).replace(/\{\{\s*id\s*\}\}/g, post.id);
  const url = allowedUrl(written, settings.siteUrl);
  if (url === undefined || url.startsWith('#')) {
    throw new HeraldError(ErrorCode.EPOST, `its link "${written}" is not an http(s) or mailto URL; it is not sent`, {
      location: { file: post.file },
      hint: post.url ? 'Give url: an http(s) address or a path on the site.' : 'Fix "postUrl" in the config: a path relative to siteUrl, e.g. "{{slug}}/".',
    });
  }
  return url;
}

/** Compiles the post's template once: markdown → sanitised HTML → template → MJML → segments. */
export async function renderPost(post: Post, settings: Settings, now: Date): Promise<RenderedPost> {
  const template = readTemplate(settings, post.template ?? settings.template, post);
  const content = markdownToHtml(post.body, settings.siteUrl);
  const values = postValues(post, settings, content, now);
  const markers = contentMarkers();
  const prepared = prepareTemplate(template.source, template.file, { ...values, content: markers.start + content + markers.end });
  const compiled = await compileMjml(prepared.source, template.file, template.absPath);
  if (compiled.problems.length) {
    // content shifts line numbers; the template alone, with one-line values, gives the real ones
    const exact = await validateTemplate(template.source, template.file, settings, template.absPath);
    const list = (exact.length ? exact : compiled.problems).map((p) => `line ${p.line}: ${p.message}`).join('; ');
    throw new HeraldError(ErrorCode.ETEMPLATE, `MJML reports problems: ${list}`, {
      location: { file: template.file, line: (exact[0] ?? compiled.problems[0])?.line },
      hint: `Fix the template; ${post.file} is not sent until it compiles cleanly.`,
    });
  }
  const faults = verifyEmail(compiled.html, markers, unsubscribeMarkers(prepared));
  if (faults.length) throw templateFaults(faults, template, post.file, `Fix the template; ${post.file} is not sent until then.`);
  const html = splitSegments(withoutMarkers(compiled.html, markers), prepared);
  const textValues = { ...values, content: htmlToPlainText(content) };
  const text = prepareTemplate(TEXT_TEMPLATE, 'built-in text template', textValues, (s) => s);
  const textFaults = verifyText(text, textValues.content);
  if (textFaults.length) throw templateFaults(textFaults, { file: 'built-in text template', source: TEXT_TEMPLATE }, post.file, 'This is a fault in herald itself; please report it.');
  const subject = prepareTemplate(settings.subject, `${path.basename(settings.configPath)} "subject"`, values, (s) => s);
  const rendered: RenderedPost = {
    post,
    templateFile: template.file,
    subject: splitSegments(subject.source.replace(/\s+/g, ' ').trim(), subject),
    html,
    text: splitSegments(text.source, text),
    url: values.url,
    warnings: [],
  };
  return { ...rendered, warnings: sizeWarnings(rendered) };
}

/** The markers that stand for {{ unsubscribe_url }} in a prepared template. */
export function unsubscribeMarkers(prepared: PreparedTemplate): string[] {
  return [...prepared.slots].filter(([, slot]) => slot.name === 'unsubscribe_url').map(([marker]) => marker);
}

/** The plain-text part must carry the content and the unsubscribe link as well. */
function verifyText(text: PreparedTemplate, content: string): Fault[] {
  const faults: Fault[] = [];
  if (!text.source.includes(content)) faults.push({ kind: 'content' });
  if (!unsubscribeMarkers(text).some((marker) => text.source.includes(marker))) faults.push({ kind: 'unsubscribe' });
  return faults;
}

function templateFaults(faults: readonly Fault[], template: { file: string; source: string }, subject: string, hint: string): HeraldError {
  const report = describeFaults(faults, template.source, subject);
  return new HeraldError(ErrorCode.ETEMPLATE, report.message, { location: { file: template.file, line: report.line }, hint: `${report.hint} ${hint}` });
}

function sizeWarnings(rendered: RenderedPost): Problem[] {
  const sample = fillMessage(rendered, { name: 'Subscriber Name', email: 'subscriber@example.com', unsubscribe_url: 'https://example.com/u?t=' + 'x'.repeat(60) });
  const clipped = clipWarning(sample.html, rendered.post.file);
  return clipped ? [clipped] : [];
}

/** The warning for an email whose HTML Gmail would clip, if this one's would be. */
export function clipWarning(html: string, file: string): Problem | undefined {
  const bytes = Buffer.byteLength(html, 'utf8');
  if (bytes <= GMAIL_CLIP_BYTES) return undefined;
  return warning(ErrorCode.EPOST, `its email HTML is ${Math.round(bytes / 1024)} KB; Gmail clips messages over ~102 KB and hides the rest (and the unsubscribe link)`,
    { file }, 'Shorten the post, or split it in two.');
}

/** Compiles a template with neutral one-line values, so problems carry the template's own line numbers. */
export async function validateTemplate(source: string, file: string, settings: Settings, absPath?: string): Promise<{ line: number; message: string }[]> {
  const prepared = prepareTemplate(source, file, neutralValues(settings));
  return (await compileMjml(prepared.source, file, absPath)).problems;
}

/** One-line values for a post that has every optional field (a summary, a date, a postal address). */
export function neutralValues(settings: Settings): PostValues {
  return {
    title: 'Title', summary: 'Summary', date: '1 January 2026', date_iso: '2026-01-01', reading_time: '1 min read',
    url: settings.siteUrl, newsletter_name: settings.name, site_url: settings.siteUrl, postal_address: 'Address', logo_url: settings.logoUrl ?? '', year: '2026', content: '<p>Text</p>',
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * "4 May 2026", as toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })
 * writes it, without loading the ICU locale data that call costs (~10 ms) on every render.
 */
export function longDate(date: Date): string {
  return `${date.getDate()} ${MONTHS[date.getMonth()]!} ${date.getFullYear()}`;
}

function isoDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Renders posts on a thread of its own; end() lets the thread (and MJML with it) go. */
export interface RenderThread {
  render(post: Post, now: Date): Promise<RenderedPost>;
  end(): void;
}

/**
 * renderPost on a thread of its own, for sends and dry runs: MJML (about 60 MB once loaded) stays
 * in that thread's heap and leaves when it ends, instead of weighing on a send to a long list. One
 * thread renders every post of a run in turn, so MJML is loaded once however many there are. The
 * thread starts with the first post.
 *
 * A post gets `renderTimeoutSeconds` from the moment a ready thread (MJML loaded) has it; a post
 * that takes longer (marked is quadratic on some inputs) is stopped with its thread, reported by
 * name, and the next post starts a fresh thread. Any other failure is reported with the post too.
 */
export function renderThread(settings: Settings): RenderThread {
  let worker: Worker | undefined;
  let ready = false;
  /** The post in progress, with the thread it was sent to. */
  let pending: { readonly on: Worker; readonly post: Post; timer?: NodeJS.Timeout; resolve: (rendered: RenderedPost) => void; reject: (err: Error) => void } | undefined;
  const take = (from: Worker): typeof pending => {
    if (pending?.on !== from) return undefined;
    const waiting = pending;
    pending = undefined;
    clearTimeout(waiting.timer);
    return waiting;
  };
  const watch = (): void => {
    const watched = pending;
    if (!watched || watched.timer) return;
    watched.timer = setTimeout(() => {
      if (take(watched.on) !== watched) return;
      if (worker === watched.on) worker = undefined;
      void watched.on.terminate();
      watched.reject(new HeraldError(ErrorCode.EPOST, `took longer than ${settings.renderTimeoutSeconds} s to render and was stopped; it is not sent`, {
        location: { file: watched.post.file },
        hint: 'Look for a very long run of *, _, [ or ` in it (marked slows down on those); "renderTimeoutSeconds" sets the limit.',
      }));
    }, settings.renderTimeoutSeconds * 1000);
  };
  const start = (): Worker => {
    const started = new Worker(path.join(__dirname, 'render-worker.js'), { workerData: { settings } });
    ready = false;
    started.on('message', (reply: RenderReply) => {
      if (reply.ready) {
        if (worker === started) ready = true;
        if (pending?.on === started) watch();
        return;
      }
      const waiting = take(started);
      if (reply.rendered) waiting?.resolve(reply.rendered);
      else if (reply.error?.code) waiting?.reject(new HeraldError(reply.error.code, reply.error.message, { location: reply.error.location, hint: reply.error.hint }));
      else waiting?.reject(new Error(reply.error?.message ?? 'rendering failed'));
    });
    const fail = (err: Error): void => {
      if (worker === started) worker = undefined;
      take(started)?.reject(err);
    };
    started.once('error', fail);
    started.once('exit', () => fail(new Error('the render thread stopped')));
    return started;
  };
  return {
    render(post, now) {
      if (pending) return Promise.reject(new Error('one post at a time'));
      const on = (worker ??= start());
      return new Promise<RenderedPost>((resolve, reject) => {
        pending = { on, post, resolve, reject };
        if (ready) watch();
        on.postMessage({ post, now });
      }).catch((err: unknown) => {
        if (err instanceof HeraldError) throw err;
        // a stack overflow or a crashed thread still names the post
        throw new HeraldError(ErrorCode.EPOST, `could not be rendered: ${err instanceof Error ? err.message : String(err)}; it is not sent`, { location: { file: post.file }, cause: err });
      });
    },
    end() {
      const ending = worker;
      worker = undefined;
      if (ending) void ending.terminate();
    },
  };
}

/** What the render thread answers for each post. */
export interface RenderReply {
  /** Sent once, when the thread has loaded what rendering needs: a post's time starts then. */
  readonly ready?: true;
  readonly rendered?: RenderedPost;
  readonly error?: { code?: Code; message: string; location?: Location; hint?: string };
}
