/**
 * The HTML-size phase's measured program (measure/html.ts starts it in a fresh process):
 *
 *   node dist-bench/child/html-size.js --herald DIR --root DIR --posts ID,ID,… --out FILE
 *
 * renders each post with the measured build's renderPost and fillMessage for the folder's first
 * subscriber, and writes, per post, the bytes of the HTML as Gmail counts them (UTF-8), the byte
 * at which the unsubscribe link's `href` starts, and whether herald cut the post.
 */
import fs from 'node:fs';
import { loadHerald, readFolder } from '../herald/api';
import type { HtmlSizeRow } from '../results';
import { arg, argsOf, runChild } from './args';

/** The warning herald gives when it cuts a post before its footer. */
const CUT = /too long for one email/;

runChild(async () => {
  const args = argsOf(process.argv.slice(2));
  const api = loadHerald(arg(args, 'herald'));
  const root = arg(args, 'root');
  const rows: HtmlSizeRow[] = [];
  for (const id of arg(args, 'posts').split(',')) {
    const folder = readFolder(api, root, id);
    const reader = folder.subscribers[0];
    if (!reader) throw new Error(`${root} has no subscribers`);
    const sender = api.resolveSender(folder.settings, { requireSecret: false });
    // warnings: herald's RenderedPost has them; the bench's view of a rendered post is opaque
    const rendered = (await api.renderPost(folder.post, folder.settings, new Date())) as { warnings?: readonly { message: string }[] };
    const link = api.unsubscribeLinks(sender, reader).visible;
    const html = Buffer.from(api.fillMessage(rendered, { name: reader.name, email: reader.email, unsubscribe_url: link }).html, 'utf8');
    rows.push({
      post: id,
      htmlBytes: html.length,
      unsubscribeAt: html.indexOf(`href="${link.replace(/&/g, '&amp;')}"`),
      cut: (rendered.warnings ?? []).some((w) => CUT.test(w.message)),
    });
  }
  fs.writeFileSync(arg(args, 'out'), JSON.stringify(rows));
});
