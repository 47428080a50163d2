import type { App } from '../app';
import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
import type { Problem } from '../errors';
import { currentPeriod } from '../plan/digest-period';
import { DIGEST_PREFIX } from '../record/digests';
import type { SendRecord } from '../record/sqlite';
import { markdownToHtml } from '../render/markdown';
import { longDate, postUrl } from '../render/post-values';
import { escapeHtml } from '../render/template';
import { snapshotPost } from './feed-posts';
import { readPosts, readSubscribersApart } from './inputs';
import { deliverToList, type ListDelivery, type ListDeliveryOptions } from './list-delivery';
import { renderPosts } from './render-posts';

/**
 * The digest stage of a send, after the posts: each digest reader whose period has ended gets
 * their digest formed (once: record/digests.ts), then every digest with recipients still due is
 * rendered, once per distinct content, and delivered through the same loop as a post.
 */
export async function deliverDigests(app: App, record: SendRecord, opts: Omit<ListDeliveryOptions, 'fresh'>): Promise<ListDelivery> {
  const { settings, now } = app;
  const waiting = record.digests.waitingReaders();
  if (waiting.size) {
    const inputs = await readSubscribersApart(settings);
    // a list that cannot be read whole forms no digest: the send stage has reported it
    if (!inputs.subscriberFileBroken) {
      for (const s of inputs.subscribers) {
        if (!waiting.has(s.key)) continue;
        // a reader back on instant receives what was owed to them in one last daily digest
        const period = currentPeriod(s.frequency ?? 'daily', now(), s.timeZone ?? settings.schedule.timezone, settings.deliverAt ?? '08:00');
        if (period) record.digests.form(s, period.period, period.dueAt, now());
      }
    }
  }
  const ids = [...record.openCounts()]
    .filter(([id, c]) => id.startsWith(DIGEST_PREFIX) && c.pending + c.deferred + c.sending + (opts.resendInDoubt ? c.in_doubt : 0) > 0)
    .map(([id]) => id);
  // every posts folder as discovery reads it (a site's too), once for all the digests
  const onDisk = new Map(ids.length ? readPosts(settings).posts.map((p) => [p.id, p]) : []);
  const open = ids.map((id) => digestPost(id, record, settings, onDisk));
  if (!open.length) return { reports: [], capped: false };
  const ready = await renderPosts(app.renderer(), open, { io: app.io, problems: opts.problems as Problem[], now, stop: opts.stop });
  return ready.length ? deliverToList(app, record, ready, { ...opts, fresh: [] }) : { reports: [], capped: false };
}

/**
 * A digest as a post, in the digest layout (templates/digest.mjml): for each post in order its
 * title linked to its page, its date, its summary or first paragraph, and a "Read more" link.
 * The content is HTML made here: titles and summaries escaped, first paragraphs through the same
 * markdown and sanitiser as a post, relative links resolved against each post's own page.
 */
export function digestPost(id: string, record: SendRecord, settings: Settings, onDisk: ReadonlyMap<string, Post>): Post {
  const items: Post[] = [];
  for (const postId of record.digests.contents(id)) {
    // a post deleted or broken since it was queued is left out of the digest
    // a feed item is not on disk: it is put in the digest as it was first read
    const post = onDisk.get(postId) ?? snapshotPost(record.feeds(), postId);
    if (post) items.push(post);
  }
  return digestOf(id, items, settings);
}

/** The digest post `id` holding `items`, in their order. */
export function digestOf(id: string, items: readonly Post[], settings: DigestSettings): Post {
  const title = `${settings.name}: ${items.length === 1 ? 'a new post' : `${items.length} new posts`}`;
  const html = items.map((p) => digestItem(p, settings)).join('\n<hr>\n') || '<p>The posts of this digest are no longer on the site.</p>';
  const period = id.slice(DIGEST_PREFIX.length).split('/')[0] ?? '';
  return {
    id, file: `(digest ${period})`, format: 'none', title, template: 'digest', digest: true, slug: period, summary: items.map((p) => p.title).join(' · ').slice(0, 200),
    // the digest has no page of its own: a cut digest's "read the rest" link goes to the site
    url: settings.siteUrl, draft: false, optedOut: false, body: '', bodyLine: 1, html, baseUrl: settings.siteUrl,
  };
}

type DigestSettings = Pick<Settings, 'name' | 'siteUrl' | 'postUrl'>;

/** One post of a digest: the title linked, the date, the summary or first paragraph, "Read more". */
function digestItem(post: Post, settings: DigestSettings): string {
  const url = escapeHtml(postUrl(post, settings));
  const date = post.date ? `<p><small>${longDate(post.date)}</small></p>\n` : '';
  const text = post.summary ? `<p>${escapeHtml(post.summary)}</p>` : markdownToHtml(firstParagraph(post.body), postUrl(post, settings), settings.siteUrl);
  return `<div>\n<h2><a href="${url}">${escapeHtml(post.title)}</a></h2>\n${date}${text}\n<p><a href="${url}">Read more</a></p>\n</div>`;
}

const FIRST_PARAGRAPH_CHARS = 400;

/**
 * The first paragraph of text (not a heading, image, code, table, quote or raw HTML), with its
 * markdown; one longer than FIRST_PARAGRAPH_CHARS is cut at a word, as plain text, since a cut
 * could fall inside a link.
 */
export function firstParagraph(markdown: string): string {
  const block = markdown.split(/\n\s*\n/).map((b) => b.trim()).find((b) => b && !/^(#|!\[|```|~~~|<|\||>)/.test(b)) ?? '';
  const flat = block.replace(/\s+/g, ' ');
  if (flat.length <= FIRST_PARAGRAPH_CHARS) return flat;
  const plain = flat.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`\\]/g, '');
  return `${plain.slice(0, FIRST_PARAGRAPH_CHARS - 1).replace(/\s+\S*$/, '')}…`;
}
