import path from 'node:path';
import type { Post } from '../discover/posts';
import { ErrorCode, HeraldError, type Problem, warning } from '../errors';
import { markdownToHtml, sanitizePostHtml } from './markdown';
import { columnWidth, fitImages, scrollingTables } from './fit';
import { minifyHtml } from './minify';
import { compileMjml } from './mjml';
import { neutralValues, postValues } from './post-values';
import { blocksWithin, bytesOf, cutContent, cutWarning, FOOTER_WITHIN_BYTES, footerOffset, topLevelBlocks } from './cut';
import { type RenderedPost, fillMessage } from './rendered';
import type { RenderSettings } from './settings';
import { type PostValues, type PreparedTemplate, prepareTemplate, type Segments, splitSegments } from './template';
import { readTemplate, type TemplateFile } from './template-file';
import { htmlToPlainText, wrapText } from './text';
import { contentMarkers, describeFaults, type Fault, verifyEmail, withoutMarkers } from './verify';

// the names callers have imported from here; each now lives in the module of its job
export { type FilledMessage, type RenderedPost, fillMessage } from './rendered';
export { type RenderReply, type RenderThread, renderThread } from './render-thread';
export { longDate, neutralValues, postUrl, postValues } from './post-values';
export { readTemplate, templatePath } from './template-file';

/** Gmail clips a message whose HTML is larger than about 102 KB. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

const TEXT_FOOTER = `{{ newsletter_name }}{{#postal_address}}
{{ postal_address }}{{/postal_address}}
You are receiving this because you subscribed with
{{ email }}.
Unsubscribe: {{ unsubscribe_url }}{{#preferences_page}}
Manage your subscription: {{ preferences_url }}{{/preferences_page}}
`;

const TEXT_TEMPLATE = `{{ title }}
{{ date }}{{#reading_time}} · {{ reading_time }}{{/reading_time}}

{{{ content }}}

--
Read it on the website: {{ url }}
${TEXT_FOOTER}`;

// a digest's content has each post's own link; the site is in the footer's name line
const DIGEST_TEXT_TEMPLATE = `{{ title }}

{{{ content }}}

--
${TEXT_FOOTER}`;

/** Compiles the post's template once: markdown → sanitised HTML → template → MJML → segments. */
export async function renderPost(post: Post, settings: RenderSettings, now: Date): Promise<RenderedPost> {
  const template = readTemplate(settings, post.template ?? settings.template, post);
  const linkless = postValues(post, settings, '', now);
  // relative links resolve against the post's own page, as they do on the site
  const ownPage = /^https?:/i.test(linkless.url) ? linkless.url : settings.siteUrl;
  const source = post.html !== undefined ? sanitizePostHtml(post.html, post.baseUrl ?? settings.siteUrl) : markdownToHtml(post.body, ownPage, settings.siteUrl);
  const fitted = fitImages(source, columnWidth(template.source), post.file);
  const content = fitted.html;
  const values = { ...linkless, content };
  const limit = settings.footerWithinBytes ?? FOOTER_WITHIN_BYTES;
  const blocks = limit > 0 ? topLevelBlocks(content) : [{ html: content, close: '' }];
  const total = Buffer.byteLength(content, 'utf8');
  // a post far longer than the limit is cut before its first compile: MJML's inliner is slow on megabytes
  let keep = total > limit && limit > 0 ? blocksWithin(blocks, limit) : blocks.length;
  let html = await compileHtml(post, settings, template, { ...values, content: keep < blocks.length ? cutContent(blocks, keep, values.url) : content });
  const warnings: Problem[] = [...fitted.warnings];
  if (limit > 0 && (keep < blocks.length || (footerOffset(html) ?? 0) > limit)) {
    // what is not the post's before the footer is the template's; the post gets the rest of the limit
    for (let round = 0; round < 8 && keep > 0 && (footerOffset(html) ?? 0) > limit; round++) {
      keep = Math.min(keep - 1, blocksWithin(blocks, bytesOf(blocks, keep) - ((footerOffset(html) ?? 0) - limit)));
      html = await compileHtml(post, settings, template, { ...values, content: cutContent(blocks, keep, values.url) });
    }
    if (keep < blocks.length) warnings.push(cutWarning(post.file, bytesOf(blocks, keep), total, limit));
    const offset = footerOffset(html) ?? 0;
    if (offset > limit) {
      warnings.push(warning(ErrorCode.EPOST, `the template ${template.file} puts the footer at byte ${offset.toLocaleString('en-US')} of the HTML even with the post cut short, past "footerWithinBytes" (${limit.toLocaleString('en-US')})`,
        { file: post.file }, 'Make the template leaner (styles in <mj-style inline="inline"> are copied onto every element), or raise "footerWithinBytes".'));
    }
  }
  // the plain text has the whole post: only the HTML is clipped by Gmail; long values wrap as the content does
  const textValues = { ...values, title: wrapText(values.title), newsletter_name: wrapText(values.newsletter_name), postal_address: wrapText(values.postal_address), content: htmlToPlainText(content) };
  const textTemplate = post.digest ? DIGEST_TEXT_TEMPLATE : TEXT_TEMPLATE;
  const text = prepareTemplate(textTemplate, 'built-in text template', textValues, (s) => s);
  const textFaults = verifyText(text, textValues.content);
  if (textFaults.length) throw templateFaults(textFaults, { file: 'built-in text template', source: textTemplate }, post.file, 'This is a fault in herald itself; please report it.');
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
  return { ...rendered, warnings: [...warnings, ...sizeWarnings(rendered, limit, Buffer.byteLength(content, 'utf8'))] };
}

/** The template filled with the post's values, compiled by MJML, checked, and split at the recipient values. */
async function compileHtml(post: Post, settings: RenderSettings, template: TemplateFile, values: PostValues): Promise<Segments> {
  const markers = contentMarkers();
  const prepared = prepareTemplate(template.source, template.file, { ...values, content: markers.start + scrollingTables(values.content) + markers.end });
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
  const mailed = minifyHtml(compiled.html);
  const faults = verifyEmail(mailed, markers, unsubscribeMarkers(prepared));
  if (faults.length) throw templateFaults(faults, template, post.file, `Fix the template; ${post.file} is not sent until then.`);
  return splitSegments(withoutMarkers(mailed, markers), prepared);
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

function sizeWarnings(rendered: RenderedPost, limit: number, contentBytes: number): Problem[] {
  const sample = fillMessage(rendered, { name: 'Subscriber Name', email: 'subscriber@example.com', unsubscribe_url: 'https://example.com/u?t=' + 'x'.repeat(60) });
  const clipped = clipWarning(sample.html, rendered.post.file, { contentBytes, templateFile: rendered.templateFile, limit });
  return clipped ? [clipped] : [];
}

/** What a clip warning can blame: how much of the HTML is the post's, and which template made the rest. */
export interface ClipCause {
  readonly contentBytes: number;
  readonly templateFile: string;
  /** footerWithinBytes; 0 when posts are never cut. */
  readonly limit: number;
}

/**
 * The warning for an email whose HTML Gmail would clip, if this one's would be. Its hint blames
 * what made the HTML large: the post when most of it is the post's own, else the template.
 */
export function clipWarning(html: string, file: string, cause?: ClipCause): Problem | undefined {
  const bytes = Buffer.byteLength(html, 'utf8');
  if (bytes <= GMAIL_CLIP_BYTES) return undefined;
  const kb = (n: number): number => Math.round(n / 1024);
  const message = `its email HTML is ${kb(bytes)} KB; Gmail clips messages over ~102 KB and hides the rest (and the unsubscribe link)`;
  if (!cause) return warning(ErrorCode.EPOST, message, { file }, 'Shorten the post, or split it in two.');
  if (cause.contentBytes * 2 >= bytes) {
    const cut = cause.limit > 0 ? '' : ', or let herald cut it: "footerWithinBytes" is 0, which never cuts';
    return warning(ErrorCode.EPOST, `${message}: ${kb(cause.contentBytes)} KB of it is the post`, { file }, `Shorten the post, or split it in two${cut}.`);
  }
  return warning(ErrorCode.EPOST, `${message}: the post is ${kb(cause.contentBytes)} KB of it, the template ${cause.templateFile} the other ${kb(bytes - cause.contentBytes)} KB`, { file },
    `Make the template leaner: styles in <mj-style inline="inline"> are copied onto every element they match (each table cell, each paragraph); keep there only what clients without <style> support need, and put the rest in a plain <mj-style>.`);
}

/** Compiles a template with neutral one-line values, so problems carry the template's own line numbers. */
export async function validateTemplate(source: string, file: string, settings: Pick<RenderSettings, 'name' | 'siteUrl' | 'logoUrl'>, absPath?: string): Promise<{ line: number; message: string }[]> {
  const prepared = prepareTemplate(source, file, neutralValues(settings));
  return (await compileMjml(prepared.source, file, absPath)).problems;
}
