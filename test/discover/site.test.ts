import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverSite } from '../../src/discover/site';
import { detectGenerator } from '../../src/discover/generators';
import { planSend } from '../../src/plan/plan';

describe('posts from a site generator\'s folders', () => {
  let root: string;
  beforeEach(() => (root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-site-')))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };

  test('Jekyll: _posts with dates from file names, _drafts never read, published: false held', () => {
    write('_config.yml', 'title: Site\n');
    write('_posts/2024-01-02-first.md', '---\ntitle: First\n---\ntext\n');
    write('_posts/2024-02-03-hidden.md', '---\ntitle: Hidden\npublished: false\n---\ntext\n');
    write('_drafts/wip.md', '---\ntitle: WIP\n---\ntext\n');
    expect(detectGenerator(root)).toBe('jekyll');
    const found = discoverSite({ root, postsDirs: [path.join(root, '_posts')] });
    expect(found.problems).toEqual([]);
    expect(found.posts.map((p) => [p.id, p.file, p.slug, p.date?.toISOString().slice(0, 10), p.draft])).toEqual([
      ['2024-01-02-first', '_posts/2024-01-02-first.md', 'first', '2024-01-02', false],
      ['2024-02-03-hidden', '_posts/2024-02-03-hidden.md', 'hidden', '2024-02-03', true],
    ]);
  });

  test('Hugo: page bundles are one post named by their folder, _index.md is skipped, publishDate, expiryDate and [params] are read', () => {
    write('hugo.toml', 'baseURL = "https://example.org/"\n');
    write('content/posts/_index.md', '---\ntitle: Posts\n---\nlist\n');
    write('content/posts/my-trip/index.md', '+++\ntitle = "My trip"\npublishDate = 2024-03-01\n[params]\nsummary = "Where we went"\n+++\n![Map](map.png)\n');
    write('content/posts/my-trip/map.png', 'png');
    write('content/posts/old-offer.md', '---\ntitle: Offer\nexpiryDate: 2020-01-01\n---\ntext\n');
    const found = discoverSite({ root, postsDirs: [path.join(root, 'content/posts')] });
    expect(found.problems).toEqual([]);
    const trip = found.posts.find((p) => p.id === 'my-trip')!;
    expect(trip).toMatchObject({ file: 'content/posts/my-trip/index.md', slug: 'my-trip', summary: 'Where we went' });
    expect(trip.date?.getFullYear()).toBe(2024);
    const plan = planSend(found.posts, { initialized: true, posts: new Map(), counts: new Map() }, { named: [], includeExisting: false, resendInDoubt: false, now: new Date('2026-01-01T00:00:00Z') });
    expect(plan.fresh.map((p) => p.id)).toEqual(['my-trip']);
    expect(plan.held.map((h) => `${h.post.id}:${h.status}`)).toEqual(['old-offer:opted-out']);
  });

  test('Eleventy: eleventyExcludeFromCollections keeps a post out; several folders are read, and an identity in two of them is refused', () => {
    write('eleventy.config.js', 'module.exports = {};\n');
    write('blog/a.md', '---\ntitle: A\npermalink: /blog/a-post/\n---\ntext\n');
    write('blog/b.md', '---\ntitle: B\neleventyExcludeFromCollections: true\n---\ntext\n');
    write('notes/a.md', '---\ntitle: Also A\n---\ntext\n');
    write('notes/c.md', '---\ntitle: C\n---\ntext\n');
    const found = discoverSite({ root, postsDirs: [path.join(root, 'blog'), path.join(root, 'notes')] });
    expect(found.posts.map((p) => [p.id, p.optedOut, p.url])).toEqual([['b', true, undefined], ['c', false, undefined]]);
    expect(found.problems.map((p) => p.location?.file)).toEqual(['blog/a.md', 'notes/a.md']);
  });

  test('Astro: .md and .mdx in a content collection, bundles by folder', () => {
    write('astro.config.mjs', 'export default {};\n');
    write('src/content/blog/one.md', '---\ntitle: One\n---\ntext\n');
    write('src/content/blog/two.mdx', '---\ntitle: Two\n---\ntext\n');
    write('src/content/blog/three/index.md', '---\ntitle: Three\n---\ntext\n');
    const found = discoverSite({ root, postsDirs: [path.join(root, 'src/content/blog')] });
    expect(found.posts.map((p) => p.id).sort()).toEqual(['one', 'three', 'two']);
  });

  test('Pelican: content/ with Status: draft and hidden, and Slug', () => {
    write('pelicanconf.py', "SITEURL = 'https://example.net'\n");
    write('content/a.md', 'Title: A\nDate: 2024-01-01\nSlug: the-a\n\ntext\n');
    write('content/b.md', 'Title: B\nStatus: draft\n\ntext\n');
    write('content/c.md', 'Title: C\nStatus: hidden\n\ntext\n');
    const found = discoverSite({ root, postsDirs: [path.join(root, 'content')] });
    expect(found.posts.map((p) => [p.id, p.slug, p.draft])).toEqual([['the-a', 'the-a', false], ['b', 'b', true], ['c', 'c', true]]);
  });
});
