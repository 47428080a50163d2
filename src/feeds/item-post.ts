import type { Post } from '../discover/posts';
import { ErrorCode, HeraldError } from '../errors';
import type { JudgedItem } from './newness';
import { escapeHtml, plainText } from './parse';

export interface FeedContext {
  /** The feed as the author wrote it in "feeds", for messages. */
  readonly label: string;
  readonly link?: string;
  readonly fullContent: boolean;
  readonly template?: string;
}

const SUMMARY_CHARS = 300;
const TITLE_CHARS = 200;

/**
 * A feed item as a post: the full HTML when the feed has it (and the feed is not set to
 * summaries), else the summary and a link to the whole post. Sanitising happens at render time,
 * exactly as for markdown, against the item's own base URL.
 */
export function itemPost(judged: JudgedItem, feed: FeedContext): Post {
  const { item } = judged;
  const link = item.link ?? feed.link;
  const contentText = item.contentHtml ? plainText(item.contentHtml) : '';
  const summaryText = item.summaryHtml ? plainText(item.summaryHtml) : '';
  let html: string;
  if (feed.fullContent && item.contentHtml?.trim()) {
    html = item.contentHtml;
  } else {
    const summary = item.summaryHtml && summaryText ? item.summaryHtml : contentText ? `<p>${escapeHtml(shorten(contentText, SUMMARY_CHARS))}</p>` : '';
    const more = link ? `<p><a href="${escapeHtml(link)}">Read the whole post</a></p>` : '';
    html = `${summary}\n${more}`.trim();
  }
  const file = item.link ?? `${feed.label}#${item.id ?? ''}`;
  if (!plainText(html) && !/<img\b/i.test(html)) {
    throw new HeraldError(ErrorCode.EFEED, 'has no content, summary or link to mail', { location: { file: feed.label }, hint: `The item is "${item.title || file}"; it is not sent.` });
  }
  const title = shorten(item.title || contentText || summaryText || 'Untitled', TITLE_CHARS);
  const preheader = summaryText || contentText;
  return {
    id: judged.postId,
    file,
    format: 'none',
    title,
    date: item.date,
    slug: judged.postId.split('/').pop() ?? judged.postId,
    summary: preheader ? shorten(preheader, 200) : undefined,
    draft: false,
    optedOut: false,
    template: feed.template,
    url: link,
    body: plainText(html),
    bodyLine: 1,
    html,
    baseUrl: item.baseUrl,
    source: feed.label,
    author: item.author,
    categories: item.categories,
  };
}

function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
