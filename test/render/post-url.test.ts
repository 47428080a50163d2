/** The post's own link and the config's URLs pass the one URL allowlist before they reach a template. */
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource } from '../../src/discover/posts';
import { HeraldError } from '../../src/errors';
import { postUrl, postValues } from '../../src/render/post';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';

let nl: TempNewsletter;
afterEach(() => nl?.remove());

function settingsFor(config: Record<string, unknown>): Settings {
  nl = makeNewsletter({ config });
  return loadSettings(nl.root, {});
}

const post = postFromSource('---\ntitle: T\nslug: the-slug\n---\nText.\n', 'dir/t.md');

test('postUrl resolves the configured pattern against siteUrl', () => {
  expect(postUrl(post, settingsFor({ postUrl: '/notes/{{slug}}/' }))).toBe('https://blog.example.com/notes/the-slug/');
});

test('a postUrl setting with a javascript: scheme is refused, naming the post', () => {
  const settings = settingsFor({ postUrl: 'javascript:alert("{{slug}}")' });
  let error: unknown;
  try {
    postUrl(post, settings);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(HeraldError);
  expect(error).toMatchObject({ code: 'EPOST', location: { file: 'posts/dir/t.md' }, message: expect.stringContaining('is not an http(s) or mailto URL') });
});

test('site_url and logo_url reach the template only as http(s) URLs', () => {
  const values = postValues(post, settingsFor({ logoUrl: 'https://cdn.example.com/logo.png' }), '', new Date());
  expect(values.site_url).toBe('https://blog.example.com/');
  expect(values.logo_url).toBe('https://cdn.example.com/logo.png');
});
