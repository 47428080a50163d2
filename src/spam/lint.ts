import { ErrorCode, type Problem, warning } from '../errors';
import { clipWarning } from '../render/post';
import { stripComments, tags, visibleText } from './html-parts';
import { imageOnlyProblem, linkProblems, subjectProblems } from './rules';

export interface LintInput {
  /** One recipient's filled HTML part. */
  readonly html: string;
  /** The same recipient's plain-text part. */
  readonly text: string;
  /** `postalAddress` from the settings, if any. */
  readonly postalAddress?: string;
  /** What the warnings point at: the post's file (e.g. posts/notes/fridays.md). */
  readonly file: string;
  /** The recipient's subject line, when the caller has it. */
  readonly subject?: string;
  /** The post's markdown, for the image-only rule (the email's own words would count the template's). */
  readonly markdown?: string;
}

/** Link schemes that work from a mail client; anything else (relative, #anchor, javascript:) does not. */
const ABSOLUTE_LINK = /^(?:https?:\/\/[^\s/]|mailto:|tel:)/i;
const ABSOLUTE_IMAGE = /^(?:https?:\/\/[^\s/]|cid:|data:image\/)/i;

/**
 * Checks an email for what makes mail clients and spam filters treat it worse, and readers
 * trust it less. Every finding is a warning: the message can still be sent.
 */
export function lintEmail(input: LintInput): Problem[] {
  const problems: Problem[] = [];
  const where = { file: input.file };
  const add = (message: string, hint?: string): void => {
    problems.push(warning(ErrorCode.EPOST, message, where, hint));
  };
  const html = stripComments(input.html);

  const clipped = clipWarning(input.html, input.file);
  if (clipped) problems.push(clipped);

  const images = tags(html, 'img');
  const noAlt = images.filter((img) => !(img.attrs.get('alt') ?? '').trim());
  if (noAlt.length) {
    add(`${count(noAlt.length, 'image has', 'images have')} no alt text (${list(noAlt.map((i) => i.attrs.get('src') ?? '(no src)'))}); with images off, as many clients start, the reader sees nothing there`,
      'Describe each image in markdown: ![what it shows](file.png).');
  }
  const relativeImages = images.map((i) => i.attrs.get('src') ?? '').filter((src) => !ABSOLUTE_IMAGE.test(src.trim()));
  if (relativeImages.length) {
    add(`${count(relativeImages.length, 'image is', 'images are')} not at an absolute http(s) address (${list(relativeImages)}); mail clients cannot load them`,
      'Set siteUrl so relative paths resolve, or use full https:// addresses.');
  }

  const badLinks = tags(html, 'a')
    .map((a) => a.attrs.get('href'))
    .filter((href): href is string => href !== undefined && !ABSOLUTE_LINK.test(href.trim()));
  if (badLinks.length) {
    add(`${count(badLinks.length, 'link is', 'links are')} not absolute (${list(badLinks.map((h) => h || '(empty)'))}); in an email only http(s):// and mailto: links work`,
      'Link to full https:// addresses; relative links resolve against siteUrl only in the post body.');
  }

  if (!input.text.trim()) {
    add('the message has no plain-text part; spam filters score HTML-only mail higher, and some readers only read text',
      'Every herald message gets one from the post; a custom pipeline must keep it.');
  }

  if (!/unsubscribe/i.test(visibleText(html)) && !tags(html, 'a').some((a) => /unsubscribe/i.test(a.attrs.get('href') ?? ''))) {
    add('the email has no visible unsubscribe link', 'Add <a href="{{ unsubscribe_url }}">Unsubscribe</a> to the template\'s footer.');
  }

  for (const found of linkProblems(html)) add(found.message, found.hint);
  const imageOnly = input.markdown === undefined ? undefined : imageOnlyProblem(input.markdown);
  if (imageOnly) add(imageOnly.message, imageOnly.hint);
  for (const found of subjectProblems(input.subject ?? '')) add(found.message, found.hint);

  const address = input.postalAddress?.trim();
  if (!address) {
    add('there is no postal address in the footer; anti-spam laws (CAN-SPAM and others) require one in bulk email, and filters look for it',
      'Set "postalAddress" in herald.config.json (a PO box will do).');
  } else if (!normalise(visibleText(html)).includes(normalise(address))) {
    add('the postal address is not in the email\'s footer (the template does not show postal_address)',
      'Add {{#postal_address}}<p>{{ postal_address }}</p>{{/postal_address}} to the template\'s footer.');
  }
  return problems;
}

const normalise = (s: string): string => s.replace(/[\s\u00a0]+/g, ' ').trim().toLowerCase();
const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
function list(items: readonly string[]): string {
  const shown = items.slice(0, 3).map((s) => (s.length > 60 ? `${s.slice(0, 57)}…` : s));
  return shown.join(', ') + (items.length > 3 ? `, and ${items.length - 3} more` : '');
}
