/**
 * The render thread (renderThread), in a real Node process with the built code: Jest's module
 * system does not run worker threads of the built files.
 */
import path from 'node:path';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { nodeJson } from '../support/node';

const DIST = path.resolve(__dirname, '../../dist');

let nl: TempNewsletter;
afterEach(() => nl?.remove());

test('one thread renders every post in turn; a post that fails does not stop the ones after it', () => {
  nl = makeNewsletter({
    posts: {
      'a.md': '---\ntitle: First\n---\nOne.\n',
      'b.md': '---\ntitle: Broken\ntemplate: broken\n---\nTwo.\n',
      'c.md': '---\ntitle: Third\n---\nThree.\n',
    },
    templates: { 'broken.mjml': '<mjml><mj-body><mj-section><mj-column><mj-text>{{ nope }}</mj-text></mj-column></mj-section></mj-body></mjml>' },
  });
  const results = nodeJson<unknown[]>(`
    const { loadSettings } = require(${JSON.stringify(`${DIST}/config/load.js`)});
    const { discoverPosts } = require(${JSON.stringify(`${DIST}/discover/posts.js`)});
    const { renderThread } = require(${JSON.stringify(`${DIST}/render/post.js`)});
    const settings = loadSettings(${JSON.stringify(nl.root)}, {});
    const posts = discoverPosts(settings.postsDir).posts.sort((x, y) => x.file.localeCompare(y.file));
    (async () => {
      const renderer = renderThread(settings);
      const out = [];
      for (const post of posts) {
        try {
          const r = await renderer.render(post, new Date('2026-01-01T00:00:00Z'));
          out.push({ title: r.post.title, html: r.html.parts.join('').includes(post.body.trim()) });
        } catch (err) {
          out.push({ error: err.code, message: err.message });
        }
      }
      renderer.end();
      process.stdout.write(JSON.stringify(out));
    })();`);
  expect(results).toEqual([
    { title: 'First', html: true },
    { error: 'ETEMPLATE', message: expect.stringContaining('unknown variable "nope"') },
    { title: 'Third', html: true },
  ]);
});

test('a post whose thread is ended meanwhile fails, named; the next post gets a thread of its own', () => {
  nl = makeNewsletter({ posts: { 'a.md': '---\ntitle: First\n---\nOne.\n', 'b.md': '---\ntitle: Second\n---\nTwo.\n' } });
  const results = nodeJson<unknown[]>(`
    const { loadSettings } = require(${JSON.stringify(`${DIST}/config/load.js`)});
    const { discoverPosts } = require(${JSON.stringify(`${DIST}/discover/posts.js`)});
    const { renderThread } = require(${JSON.stringify(`${DIST}/render/post.js`)});
    const settings = loadSettings(${JSON.stringify(nl.root)}, {});
    const [a, b] = discoverPosts(settings.postsDir).posts.sort((x, y) => x.file.localeCompare(y.file));
    (async () => {
      const renderer = renderThread(settings);
      const out = [];
      const first = renderer.render(a, new Date());
      renderer.end();
      await first.then((r) => out.push(r.post.title), (err) => out.push(err.location.file + ': ' + err.message));
      await renderer.render(b, new Date()).then((r) => out.push(r.post.title), (err) => out.push(err.message));
      renderer.end();
      process.stdout.write(JSON.stringify(out));
    })();`);
  expect(results).toEqual([expect.stringMatching(/^posts\/a\.md: .*the render thread stopped/), 'Second']);
});

test('a post that renders past renderTimeoutSeconds is stopped and named; the posts after it render', () => {
  nl = makeNewsletter({
    config: { renderTimeoutSeconds: 3 },
    posts: {
      // marked is quadratic on an unclosed emphasis run: minutes of work, far past the limit
      'a-runaway.md': '---\ntitle: Runaway\n---\n' + '*a'.repeat(200_000) + '\n',
      'b.md': '---\ntitle: Second\n---\nTwo.\n',
      'c.md': '---\ntitle: Third\n---\nThree.\n',
    },
  });
  const results = nodeJson<unknown[]>(`
    const { loadSettings } = require(${JSON.stringify(`${DIST}/config/load.js`)});
    const { discoverPosts } = require(${JSON.stringify(`${DIST}/discover/posts.js`)});
    const { renderThread } = require(${JSON.stringify(`${DIST}/render/post.js`)});
    const settings = loadSettings(${JSON.stringify(nl.root)}, {});
    const posts = discoverPosts(settings.postsDir).posts.sort((x, y) => x.file.localeCompare(y.file));
    (async () => {
      const renderer = renderThread(settings);
      const out = [];
      for (const post of posts) {
        await renderer.render(post, new Date()).then((r) => out.push(r.post.title), (err) => out.push({ code: err.code, file: err.location.file, message: err.message }));
      }
      renderer.end();
      process.stdout.write(JSON.stringify(out));
    })();`);
  expect(results).toEqual([
    { code: 'EPOST', file: 'posts/a-runaway.md', message: expect.stringContaining('took longer than 3 s to render and was stopped') },
    'Second',
    'Third',
  ]);
});
