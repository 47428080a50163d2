import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app';
import type { Settings } from '../config/load';
import { type Post, readPost } from '../discover/posts';
import type { Problem } from '../errors';
import { currentPeriod } from '../plan/digest-period';
import { DIGEST_PREFIX } from '../record/digests';
import type { SendRecord } from '../record/sqlite';
import { postUrl } from '../render/post-values';
import { readSubscribersApart } from './inputs';
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
  const open = [...record.openCounts()]
    .filter(([id, c]) => id.startsWith(DIGEST_PREFIX) && c.pending + c.deferred + c.sending + (opts.resendInDoubt ? c.in_doubt : 0) > 0)
    .map(([id]) => digestPost(id, record, settings));
  if (!open.length) return { reports: [], capped: false };
  const ready = await renderPosts(app.renderer(), open, { io: app.io, problems: opts.problems as Problem[], now, stop: opts.stop });
  return ready.length ? deliverToList(app, record, ready, { ...opts, fresh: [] }) : { reports: [], capped: false };
}

/** A digest as a post: each post's title, its summary or first paragraph, and its link, in order. */
export function digestPost(id: string, record: SendRecord, settings: Settings): Post {
  const known = record.posts();
  const items: Post[] = [];
  for (const postId of record.digests.contents(id)) {
    const file = known.get(postId)?.file;
    if (!file) continue;
    try {
      items.push(readPost(path.join(settings.postsDir, file.replace(/^posts\//, '')), file.replace(/^posts\//, '')));
    } catch {
      // a post deleted or broken since it was queued is left out of the digest
    }
  }
  const title = `${settings.name}: ${items.length === 1 ? 'a new post' : `${items.length} new posts`}`;
  const body = items
    .map((p) => {
      const url = postUrl(p, settings);
      return `## [${p.title.replace(/[[\]]/g, '')}](${url})\n\n${p.summary ?? firstParagraph(p.body)}\n\n[Read it on the website](${url})\n`;
    })
    .join('\n') || 'The posts of this digest are no longer on the site.\n';
  const period = id.slice(DIGEST_PREFIX.length).split('/')[0] ?? '';
  // the template's digest layout: templates/digest.mjml when there is one, else the newsletter's template
  const template = fs.existsSync(path.join(settings.templatesDir, 'digest.mjml')) ? 'digest' : undefined;
  return {
    id, file: `(digest ${period})`, format: 'none', title, template, slug: period, summary: items.map((p) => p.title).join(' · ').slice(0, 200),
    // the digest has no page of its own: its "read on the website" links go to the site
    url: settings.siteUrl, draft: false, optedOut: false, body, bodyLine: 1,
  };
}

/** The first paragraph of text (not a heading, image or code), at most 400 characters. */
function firstParagraph(markdown: string): string {
  const block = markdown.split(/\n\s*\n/).map((b) => b.trim()).find((b) => b && !/^(#|!\[|```|<|\||>)/.test(b)) ?? '';
  const flat = block.replace(/\s+/g, ' ');
  return flat.length > 400 ? `${flat.slice(0, 399).replace(/\s+\S*$/, '')}…` : flat;
}
