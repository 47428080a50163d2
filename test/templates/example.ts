/**
 * The repository's own example newsletter (herald.config.json, posts/, templates/), rendered the
 * way `herald send` renders it: shared by the template, preview and spam tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/load';
import { discoverPosts, postFromSource, type Post } from '../../src/discover/posts';
import { resolveSender, unsubscribeLinks, type Sender } from '../../src/render/envelope';
import type { Recipient } from '../../src/render/rendered-message';
import { fillMessage, renderPost, type FilledMessage, type RenderedPost } from '../../src/render/post';

export const REPO = path.resolve(__dirname, '../..');
export const NOW = new Date('2026-06-01T12:00:00Z');
export const SECRET = 'example-test-secret-0123456789abcdef';
export const READER: Recipient = { email: 'zoe@example.org', key: 'zoe@example.org', name: 'Zoë Ångström', smtputf8: false };

/** The example's settings, from the file only: nothing from this machine's HERALD_* variables. */
export function exampleSettings(): Settings {
  return loadSettings(REPO, { HERALD_SECRET: SECRET });
}

export function examplePosts(settings: Settings): Post[] {
  const found = discoverPosts(settings.postsDir);
  if (found.problems.length) throw new Error(`example posts have problems: ${found.problems.map((p) => p.message).join('; ')}`);
  return [...found.posts];
}

/** The example post the README shows: it has a table, an image, code, a quote and a summary. */
export function welcomePost(settings: Settings): Post {
  const post = examplePosts(settings).find((p) => p.slug === 'welcome');
  if (!post) throw new Error('the example post posts/2026-03-02-welcome.md is missing');
  return post;
}

export interface Rendered {
  readonly rendered: RenderedPost;
  readonly filled: FilledMessage;
  readonly sender: Sender;
  readonly unsubscribeUrl: string;
}

export async function renderWith(settings: Settings, post: Post, template = 'default'): Promise<Rendered> {
  const rendered = await renderPost({ ...post, template }, settings, NOW);
  const sender = resolveSender(settings, { requireSecret: true });
  const unsubscribeUrl = unsubscribeLinks(sender, READER).visible;
  const filled = fillMessage(rendered, { name: READER.name, email: READER.email, unsubscribe_url: unsubscribeUrl });
  return { rendered, filled, sender, unsubscribeUrl };
}

/** A post built to break a careless layout on a phone: wide table, long words, long code, big image. */
export function stressPost(): Post {
  const long = 'x'.repeat(180);
  return postFromSource(
    [
      '---',
      'title: A post that tries hard to be wider than a phone',
      'date: 2026-05-01',
      'summary: Wide tables, long words and long lines of code.',
      '---',
      '',
      `A very long word: Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen${long}.`,
      '',
      `A very long link: https://blog.example.com/${'segment/'.repeat(30)}end`,
      '',
      '| one | two | three | four | five | six | seven | eight |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      `| ${'alpha '.repeat(8)} | ${long} | 3 | 4 | 5 | 6 | 7 | 8 |`,
      '',
      '```js',
      `const aVeryLongVariableNameThatKeepsGoing = someFunction(${'argument, '.repeat(20)}last); // ${long}`,
      '```',
      '',
      `Inline code too: \`${long}\``,
      '',
      '<img src="https://blog.example.com/images/pipeline.png" alt="A wide picture" width="1600" height="300">',
      '',
      `> A quotation with a long word in it: ${long}`,
      '',
    ].join('\n'),
    'stress.md',
  );
}

/** A copy of the example newsletter in a temporary folder, for tests that write previews. */
export function copyExample(): { root: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-example-'));
  for (const item of ['herald.config.json', 'posts', 'templates']) {
    fs.cpSync(path.join(REPO, item), path.join(root, item), { recursive: true });
  }
  return { root, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
