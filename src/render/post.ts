import path from 'node:path';
import type { Post } from '../discover/posts';
import { ErrorCode, HeraldError, type Problem, warning } from '../errors';
import { markdownToHtml, sanitizePostHtml } from './markdown';
import { compileMjml } from './mjml';
import { neutralValues, postValues } from './post-values';
import { type RenderedPost, fillMessage } from './rendered';
import type { RenderSettings } from './settings';
import { type PreparedTemplate, prepareTemplate, splitSegments } from './template';
import { readTemplate } from './template-file';
import { htmlToPlainText } from './text';
import { contentMarkers, describeFaults, type Fault, verifyEmail, withoutMarkers } from './verify';

// the names callers have imported from here; each now lives in the module of its job
export { type FilledMessage, type RenderedPost, fillMessage } from './rendered';
export { type RenderReply, type RenderThread, renderThread } from './render-thread';
export { longDate, neutralValues, postUrl, postValues } from './post-values';
export { readTemplate, templatePath } from './template-file';

/** Gmail clips a message whose HTML is larger than about 102 KB. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

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

/** Compiles the post's template once: markdown → sanitised HTML → template → MJML → segments. */
export async function renderPost(post: Post, settings: RenderSettings, now: Date): Promise<RenderedPost> {
  const template = readTemplate(settings, post.template ?? settings.template, post);
  const linkless = postValues(post, settings, '', now);
  // relative links resolve against the post's own page, as they do on the site
  const ownPage = /^https?:/i.test(linkless.url) ? linkless.url : settings.siteUrl;
  const content = post.html !== undefined ? sanitizePostHtml(post.html, post.baseUrl ?? settings.siteUrl) : markdownToHtml(post.body, ownPage, settings.siteUrl);
  const values = { ...linkless, content };
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
export async function validateTemplate(source: string, file: string, settings: Pick<RenderSettings, 'name' | 'siteUrl' | 'logoUrl'>, absPath?: string): Promise<{ line: number; message: string }[]> {
  const prepared = prepareTemplate(source, file, neutralValues(settings));
  return (await compileMjml(prepared.source, file, absPath)).problems;
}
