/**
 * Post discovery: every front-matter shape herald reads, the real seed post, and every way a post
 * can be broken — each broken post reported with its path (and line), the others still found.
 */
import fs from 'node:fs';
import path from 'node:path';
import { discoverPosts, postFromSource, readPost, type DiscoveredPosts, type Post } from '../../src/discover/posts';
import { usePostsFolder } from '../support/posts-folder';
import { splitFrontMatter } from '../../src/discover/frontmatter';
import { parsePostDate, pickBoolean, pickString } from '../../src/discover/fields';
import { HeraldError } from '../../src/errors';

const SEED = fs.readFileSync(path.resolve(__dirname, '../fixtures/seed-post.md'), 'utf8');
const SEED_PATH = 'a-patch-long-applied-/-what-the-stack-trace-never-showed-/-it-was-in-the-logs.md';
const SEED_TITLE = 'WebAssembly on the Server: A New Frontier in Our Ops Jungle';

const folder = usePostsFolder();
const { write, discover } = folder;

/** Discovers a single file and returns its post, failing loudly with the problems otherwise. */
function only(rel: string, content: string | Buffer): Post {
  const found = discover({ [rel]: content });
  expect(found.problems).toEqual([]);
  expect(found.posts).toHaveLength(1);
  return found.posts[0]!;
}

function byId(found: DiscoveredPosts, id: string): Post | undefined {
  return found.posts.find((p) => p.id === id);
}

function problemFor(found: DiscoveredPosts, file: string) {
  const matches = found.problems.filter((p) => p.location?.file === file);
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

describe('YAML front matter', () => {
  test('title, date, summary and body are read from a --- block', () => {
    const post = only('hello.md', '---\ntitle: "Hello: world"\ndate: 2024-05-13\nsummary: A short one\n---\nThe body.\n');
    expect(post.format).toBe('yaml');
    expect(post.title).toBe('Hello: world');
    expect(post.date).toEqual(new Date(2024, 4, 13));
    expect(post.summary).toBe('A short one');
    expect(post.body.trim()).toBe('The body.');
    expect(post.id).toBe('hello');
    expect(post.slug).toBe('hello');
    expect(post.file).toBe('posts/hello.md');
    expect(post.draft).toBe(false);
    expect(post.optedOut).toBe(false);
  });

  test('the YAML block may also be closed with "..."', () => {
    const post = only('dots.md', '---\ntitle: Dots\n...\nBody text.\n');
    expect(post.title).toBe('Dots');
    expect(post.body.trim()).toBe('Body text.');
  });

  test('bodyLine points at the first line after the closing fence', () => {
    const post = only('lines.md', '---\ntitle: T\ndate: 2024-01-02\n---\nBody.\n');
    expect(post.bodyLine).toBe(5);
  });

  test('a date with time and zone is honoured exactly', () => {
    const post = only('zoned.md', '---\ntitle: Z\ndate: 2024-05-13T09:30:00+02:00\n---\nBody.\n');
    expect(post.date?.toISOString()).toBe('2024-05-13T07:30:00.000Z');
  });

  test('a date with a local time is read in the machine time zone', () => {
    const post = only('local.md', '---\ntitle: L\ndate: 2024-05-13 09:30\n---\nBody.\n');
    expect(post.date).toEqual(new Date(2024, 4, 13, 9, 30, 0));
  });

  test('a YAML "!!js/function" tag is never executed', () => {
    const marker = path.join(folder.root, 'yaml-pwned');
    const found = discover({
      'tagged.md': `---\ntitle: Tagged\nsummary: !!js/function "function () { require('fs').writeFileSync(${JSON.stringify(marker)}, 'x') }"\n---\nBody.\n`,
    });
    // Read as plain data (the tag is unknown to the core schema) or reported; never run.
    for (const post of found.posts) expect(typeof post.summary).toBe('string');
    expect(found.posts.length + found.problems.length).toBe(1);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe('TOML front matter', () => {
  test('title, date, slug and draft are read from a +++ block', () => {
    const post = only('toml.md', '+++\ntitle = "TOML post"\ndate = 2024-05-13\nslug = "from-toml"\ndraft = false\n+++\nTOML body.\n');
    expect(post.format).toBe('toml');
    expect(post.title).toBe('TOML post');
    expect(post.slug).toBe('from-toml');
    expect(post.id).toBe('from-toml');
    expect(post.draft).toBe(false);
    expect(post.body.trim()).toBe('TOML body.');
  });

  test('a TOML date without a zone means the start of that day in local time, as in YAML', () => {
    const toml = only('t/a.md', '+++\ntitle = "A"\ndate = 2024-05-13\n+++\nBody.\n');
    fs.rmSync(folder.postsDir, { recursive: true });
    fs.mkdirSync(folder.postsDir);
    const yaml = only('y/a.md', '---\ntitle: A\ndate: 2024-05-13\n---\nBody.\n');
    expect(toml.date).toEqual(new Date(2024, 4, 13));
    expect(toml.date).toEqual(yaml.date);
  });

  test('a TOML offset date-time is honoured exactly', () => {
    const post = only('t.md', '+++\ntitle = "T"\ndate = 2024-05-13T09:30:00+02:00\n+++\nBody.\n');
    expect(post.date?.toISOString()).toBe('2024-05-13T07:30:00.000Z');
  });
});

describe('Pelican "Key: Value" metadata', () => {
  test('keys are read case-insensitively and removed from the body', () => {
    const post = only('pelican.md', 'Title: Pelican post\nDate: 2024-05-13\nSummary: Just a summary\nSlug: peli\n\nThe body starts here.\n');
    expect(post.format).toBe('pelican');
    expect(post.title).toBe('Pelican post');
    expect(post.date).toEqual(new Date(2024, 4, 13));
    expect(post.summary).toBe('Just a summary');
    expect(post.slug).toBe('peli');
    expect(post.body.trim()).toBe('The body starts here.');
    expect(post.body).not.toContain('Title:');
  });

  test('Status: draft marks the post as a draft', () => {
    const post = only('d.md', 'Title: Draft\nStatus: draft\n\nBody.\n');
    expect(post.draft).toBe(true);
  });

  test('Status: published is not a draft', () => {
    const post = only('p.md', 'Title: Out\nStatus: published\n\nBody.\n');
    expect(post.draft).toBe(false);
  });

  test('an ordinary "Word: text" line in a post without known keys is body text, not metadata', () => {
    const post = only('note.md', 'Note: this is not metadata\n\nBody.\n');
    expect(post.format).toBe('none');
    expect(post.body).toContain('Note: this is not metadata');
  });
});

describe('no metadata', () => {
  test('the title is the first "#" heading, which is then removed from the body', () => {
    const post = only('plain.md', '# The heading title\n\nFirst paragraph.\n\n## A subheading\n');
    expect(post.format).toBe('none');
    expect(post.title).toBe('The heading title');
    expect(post.body).not.toContain('The heading title');
    expect(post.body.trim().startsWith('First paragraph.')).toBe(true);
    expect(post.body).toContain('## A subheading');
  });

  test('a heading after leading blank lines still gives the title', () => {
    const post = only('blank.md', '\n\n## Deeper heading ##\n\nText.\n');
    expect(post.title).toBe('Deeper heading');
    expect(post.body.trim()).toBe('Text.');
  });

  test('a setext heading (underlined with =) gives the title and leaves the body', () => {
    const post = only('setext.md', 'Setext title\n============\n\nText.\n');
    expect(post.title).toBe('Setext title');
    expect(post.body.trim()).toBe('Text.');
  });

  test('without a heading the first line is the title (markdown emphasis stripped) and stays in the body', () => {
    const post = only('line.md', 'A **bold** first line\n\nSecond paragraph.\n');
    expect(post.title).toBe('A bold first line');
    expect(post.body).toContain('A **bold** first line');
  });

  test('when no title can be taken from the text, the file name is the title', () => {
    const post = only('my-fine_post.md', '---\ndate: 2024-05-13\n---\n***\n\nText after a rule.\n');
    expect(post.title).toBe('my fine post');
  });

  test('a metadata title equal to the first heading removes that heading from the body', () => {
    const post = only('same.md', '---\ntitle: Same\n---\n# Same\n\nText.\n');
    expect(post.title).toBe('Same');
    expect(post.body.trim()).toBe('Text.');
  });

  test('a metadata title different from the first heading keeps the heading in the body', () => {
    const post = only('diff.md', '---\ntitle: Meta title\n---\n# Other heading\n\nText.\n');
    expect(post.title).toBe('Meta title');
    expect(post.body).toContain('# Other heading');
  });
});

describe('the seed post (breadcrumb line, blank lines, Title:, body)', () => {
  test('is discovered at its nested path with the right title, identity and body', () => {
    write(SEED_PATH, SEED);
    const found = discoverPosts(folder.postsDir);
    expect(found.problems).toEqual([]);
    expect(found.posts).toHaveLength(1);
    const post = found.posts[0]!;
    expect(post.title).toBe(SEED_TITLE);
    expect(post.id).toBe('a-patch-long-applied-/-what-the-stack-trace-never-showed-/-it-was-in-the-logs');
    expect(post.file).toBe(`posts/${SEED_PATH}`);
    expect(post.format).toBe('pelican');
    expect(post.draft).toBe(false);
    expect(post.optedOut).toBe(false);
    expect(post.body).not.toContain('a patch long applied / what the stack trace never showed / it was in the logs');
    expect(post.body).not.toContain('Title:');
    expect(post.body.trimStart().startsWith('May 13, 2024 feels like')).toBe(true);
    expect(post.body).toContain('Stay tuned for more updates');
  });

  test('with a BOM and CRLF line endings it gives the same post as with LF', () => {
    const lf = only(SEED_PATH, SEED);
    fs.rmSync(folder.postsDir, { recursive: true });
    fs.mkdirSync(folder.postsDir);
    const crlf = only(SEED_PATH, Buffer.from('\uFEFF' + SEED.replace(/\n/g, '\r\n'), 'utf8'));
    expect(crlf).toEqual(lf);
  });
});

describe('BOM and CRLF', () => {
  const variants: [string, string][] = [
    ['YAML', '---\ntitle: Same everywhere\ndate: 2024-05-13\nsummary: S\n---\n# Heading\n\nBody line one.\nBody line two.\n'],
    ['TOML', '+++\ntitle = "Same everywhere"\ndate = "2024-05-13"\n+++\nBody line one.\nBody line two.\n'],
    ['Pelican', 'Title: Same everywhere\nDate: 2024-05-13\n\nBody line one.\nBody line two.\n'],
    ['no metadata', '# Same everywhere\n\nBody line one.\nBody line two.\n'],
  ];
  test.each(variants)('%s: BOM, CRLF and BOM+CRLF give the same post as plain LF', (_kind, text) => {
    const lf = readPost(write('lf.md', text), 'p.md');
    const bom = readPost(write('bom.md', '\uFEFF' + text), 'p.md');
    const crlf = readPost(write('crlf.md', text.replace(/\n/g, '\r\n')), 'p.md');
    const both = readPost(write('both.md', '\uFEFF' + text.replace(/\n/g, '\r\n')), 'p.md');
    expect(lf.title).toBe('Same everywhere');
    expect(lf.body).not.toContain('\r');
    expect(bom).toEqual(lf);
    expect(crlf).toEqual(lf);
    expect(both).toEqual(lf);
  });
});

describe('Jekyll file names and identity', () => {
  test('the date comes from a YYYY-MM-DD- file name; the slug drops it; the identity keeps the path', () => {
    const post = only('2024/2024-05-13-my-slug.md', '# Jekyll\n\nBody.\n');
    expect(post.date).toEqual(new Date(2024, 4, 13));
    expect(post.slug).toBe('my-slug');
    expect(post.id).toBe('2024/2024-05-13-my-slug');
  });

  test('a date in the metadata wins over the date in the file name', () => {
    const post = only('2024-05-13-slug.md', '---\ntitle: J\ndate: 2024-06-01\n---\nBody.\n');
    expect(post.date).toEqual(new Date(2024, 5, 1));
    expect(post.slug).toBe('slug');
  });

  test('without a title, a heading or text the Jekyll slug gives the title', () => {
    const post = only('2024-05-13-the-slug-title.md', '---\ndate: 2024-05-13\n---\n***\n\nText.\n');
    expect(post.title).toBe('the slug title');
  });

  test('slug in the metadata overrides the identity and the slug', () => {
    const post = only('nested/2024-05-13-name.md', '---\ntitle: S\nslug: chosen-slug\n---\nBody.\n');
    expect(post.id).toBe('chosen-slug');
    expect(post.slug).toBe('chosen-slug');
  });

  test('id in the metadata overrides the identity (and wins over slug) without changing the slug', () => {
    const post = only('nested/name.md', '---\ntitle: S\nid: stable-id-1\nslug: the-slug\n---\nBody.\n');
    expect(post.id).toBe('stable-id-1');
    expect(post.slug).toBe('the-slug');
  });

  test('a numeric id is accepted as the identity', () => {
    const post = only('n.md', '---\ntitle: N\nid: 42\n---\nBody.\n');
    expect(post.id).toBe('42');
  });

  test('a post without a date has no date', () => {
    const post = only('undated.md', '# Undated\n\nBody.\n');
    expect(post.date).toBeUndefined();
  });
});

describe('draft, opt-out, template, summary', () => {
  test.each([
    { name: 'draft: true', text: '---\ntitle: D\ndraft: true\n---\nBody.\n', draft: true },
    { name: 'draft: yes', text: '---\ntitle: D\ndraft: "yes"\n---\nBody.\n', draft: true },
    { name: 'draft: false', text: '---\ntitle: D\ndraft: false\n---\nBody.\n', draft: false },
    { name: 'published: false', text: '---\ntitle: D\npublished: false\n---\nBody.\n', draft: true },
    { name: 'published: true', text: '---\ntitle: D\npublished: true\n---\nBody.\n', draft: false },
    { name: 'TOML draft = true', text: '+++\ntitle = "D"\ndraft = true\n+++\nBody.\n', draft: true },
    { name: 'Pelican Status: draft', text: 'Title: D\nStatus: draft\n\nBody.\n', draft: true },
    { name: 'Pelican Status: hidden', text: 'Title: D\nStatus: hidden\n\nBody.\n', draft: true },
    { name: 'Pelican Status: Draft (any case)', text: 'Title: D\nStatus: Draft\n\nBody.\n', draft: true },
    { name: 'no draft key', text: '---\ntitle: D\n---\nBody.\n', draft: false },
  ])('$name → draft is $draft', ({ text, draft }) => {
    expect(only('d.md', text).draft).toBe(draft);
  });

  test('newsletter: false opts the post out of the newsletter without making it a draft', () => {
    const post = only('o.md', '---\ntitle: O\nnewsletter: false\n---\nBody.\n');
    expect(post.optedOut).toBe(true);
    expect(post.draft).toBe(false);
  });

  test('newsletter: true does not opt out', () => {
    expect(only('o.md', '---\ntitle: O\nnewsletter: true\n---\nBody.\n').optedOut).toBe(false);
  });

  test('Pelican Newsletter: no opts out', () => {
    expect(only('o.md', 'Title: O\nNewsletter: no\n\nBody.\n').optedOut).toBe(true);
  });

  test('template names the template to use', () => {
    expect(only('t.md', '---\ntitle: T\ntemplate: minimal\n---\nBody.\n').template).toBe('minimal');
    fs.rmSync(folder.postsDir, { recursive: true });
    fs.mkdirSync(folder.postsDir);
    expect(only('t.md', '---\ntitle: T\n---\nBody.\n').template).toBeUndefined();
  });

  test.each([
    ['summary', 'summary: From summary'],
    ['excerpt', 'excerpt: From excerpt'],
    ['description', 'description: From description'],
  ])('%s gives the summary', (key, line) => {
    const expected = line.slice(key.length + 2);
    expect(only('s.md', `---\ntitle: S\n${line}\n---\nBody.\n`).summary).toBe(expected);
  });

  test('summary wins over excerpt and description', () => {
    const post = only('s.md', '---\ntitle: S\ndescription: D\nexcerpt: E\nsummary: S1\n---\nBody.\n');
    expect(post.summary).toBe('S1');
  });

  test('an empty summary is no summary', () => {
    expect(only('s.md', '---\ntitle: S\nsummary: "  "\n---\nBody.\n').summary).toBeUndefined();
  });

  test('url or permalink gives the explicit link', () => {
    expect(only('u.md', '---\ntitle: U\npermalink: /p/u/\n---\nBody.\n').url).toBe('/p/u/');
  });
});

describe('broken posts are reported and the others still discovered', () => {
  const GOOD = '---\ntitle: Good\n---\nGood body.\n';

  function expectGoodStillFound(found: DiscoveredPosts): void {
    expect(byId(found, 'good')?.title).toBe('Good');
  }

  test('an empty file', () => {
    const found = discover({ 'good.md': GOOD, 'empty.md': '' });
    const p = problemFor(found, 'posts/empty.md');
    expect(p.code).toBe('EPOST');
    expect(p.severity).toBe('error');
    expect(p.message).toMatch(/empty/);
    expect(found.posts).toHaveLength(1);
    expectGoodStillFound(found);
  });

  test('a file of only whitespace and a BOM is empty', () => {
    const found = discover({ 'good.md': GOOD, 'blank.md': '\uFEFF \r\n\r\n  \n' });
    expect(problemFor(found, 'posts/blank.md').message).toMatch(/empty/);
    expectGoodStillFound(found);
  });

  test('metadata with no text after it', () => {
    const found = discover({ 'good.md': GOOD, 'nobody.md': '---\ntitle: Nobody\n---\n\n\n' });
    const p = problemFor(found, 'posts/nobody.md');
    expect(p.code).toBe('EPOST');
    expect(p.location?.line).toBe(4);
    expectGoodStillFound(found);
  });

  test('front matter that is never closed (reported at line 1)', () => {
    const found = discover({ 'good.md': GOOD, 'open.md': '---\ntitle: Open\n\nBody without a closing fence.\n' });
    const p = problemFor(found, 'posts/open.md');
    expect(p.code).toBe('EPOST');
    expect(p.message).toMatch(/never closed/);
    expect(p.location?.line).toBe(1);
    expectGoodStillFound(found);
  });

  test('TOML front matter that is never closed', () => {
    const found = discover({ 'good.md': GOOD, 'open.md': '+++\ntitle = "Open"\n\nBody.\n' });
    expect(problemFor(found, 'posts/open.md').message).toMatch(/never closed/);
    expectGoodStillFound(found);
  });

  test('broken YAML, with the line of the file where it breaks', () => {
    // line 1 ---, line 2 title, line 3 date, line 4 the broken one
    const found = discover({ 'good.md': GOOD, 'bad-yaml.md': '---\ntitle: Fine\ndate: 2024-05-13\ntitle: Part 2: the return\n---\nBody.\n' });
    const p = problemFor(found, 'posts/bad-yaml.md');
    expect(p.code).toBe('EPOST');
    expect(p.message).toMatch(/YAML/);
    expect(p.location?.line).toBe(4);
    expect(p.hint).toBeTruthy();
    expectGoodStillFound(found);
  });

  test('broken YAML (unclosed flow sequence) reports a line inside the front matter', () => {
    const found = discover({ 'good.md': GOOD, 'bad.md': '---\ntitle: ok\ntags: [unclosed\nother: y\n---\nBody.\n' });
    const p = problemFor(found, 'posts/bad.md');
    expect(p.location?.line).toBeGreaterThanOrEqual(3);
    expect(p.location?.line).toBeLessThanOrEqual(4);
    expectGoodStillFound(found);
  });

  test('YAML front matter that is a list, not key/value pairs', () => {
    const found = discover({ 'good.md': GOOD, 'list.md': '---\n- a\n- b\n---\nBody.\n' });
    expect(problemFor(found, 'posts/list.md').code).toBe('EPOST');
    expectGoodStillFound(found);
  });

  test('broken TOML, with the line of the file where it breaks', () => {
    // line 1 +++, line 2 title, line 3 the unquoted string
    const found = discover({ 'good.md': GOOD, 'bad-toml.md': '+++\ntitle = "Fine"\nsummary = not quoted\n+++\nBody.\n' });
    const p = problemFor(found, 'posts/bad-toml.md');
    expect(p.code).toBe('EPOST');
    expect(p.message).toMatch(/TOML/);
    expect(p.location?.line).toBe(3);
    expectGoodStillFound(found);
  });

  test('---js front matter is refused and never executed', () => {
    const marker = path.join(folder.root, 'pwned-by-js-front-matter');
    const code = `---js\n{ title: (require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), 'JS') }\n---\nBody.\n`;
    const found = discover({ 'good.md': GOOD, 'js.md': code });
    const p = problemFor(found, 'posts/js.md');
    expect(p.code).toBe('EPOST');
    expect(p.message).toMatch(/js/);
    expect(p.location?.line).toBe(1);
    expect(byId(found, 'js')).toBeUndefined();
    expect(fs.existsSync(marker)).toBe(false);
    expectGoodStillFound(found);
  });

  test('"--- javascript" front matter is refused too', () => {
    const marker = path.join(folder.root, 'pwned-2');
    const found = discover({ 'good.md': GOOD, 'js2.md': `--- javascript\nrequire('fs').writeFileSync(${JSON.stringify(marker)}, 'x')\n---\nBody.\n` });
    expect(problemFor(found, 'posts/js2.md').code).toBe('EPOST');
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('an unparseable date, at the line of the date', () => {
    const found = discover({ 'good.md': GOOD, 'bad-date.md': '---\ntitle: Bad date\ndate: next tuesday-ish\n---\nBody.\n' });
    const p = problemFor(found, 'posts/bad-date.md');
    expect(p.code).toBe('EPOST');
    expect(p.message).toMatch(/next tuesday-ish/);
    expect(p.location?.line).toBe(3);
    expectGoodStillFound(found);
  });

  test('an unparseable date is reported at its own line even when draft: comes first', () => {
    const found = discover({ 'good.md': GOOD, 'bad-date.md': '---\ntitle: Bad date\ndraft: false\ndate: not-a-date\n---\nBody.\n' });
    const p = problemFor(found, 'posts/bad-date.md');
    expect(p.message).toMatch(/not-a-date/);
    expect(p.location?.line).toBe(4);
  });

  test('an unparseable Pelican date is reported at its line', () => {
    const found = discover({ 'good.md': GOOD, 'bad-date.md': 'Title: P\nDate: someday\n\nBody.\n' });
    const p = problemFor(found, 'posts/bad-date.md');
    expect(p.message).toMatch(/someday/);
    expect(p.location?.line).toBe(2);
    expectGoodStillFound(found);
  });

  test('an impossible calendar date (2024-02-30) is reported, not rolled over to March', () => {
    const found = discover({ 'good.md': GOOD, 'feb.md': '---\ntitle: Feb\ndate: 2024-02-30\n---\nBody.\n' });
    expect(byId(found, 'feb')).toBeUndefined();
    expect(problemFor(found, 'posts/feb.md').code).toBe('EPOST');
    expectGoodStillFound(found);
  });

  test('an impossible date in a Jekyll file name (2024-02-30-x.md) is reported, not rolled over', () => {
    const found = discover({ 'good.md': GOOD, '2024-02-30-x.md': '# X\n\nBody.\n' });
    expect(found.posts.map((p) => p.id)).toEqual(['good']);
    expect(problemFor(found, 'posts/2024-02-30-x.md').code).toBe('EPOST');
  });

  test('a draft value that is not a boolean is reported at its line', () => {
    const found = discover({ 'good.md': GOOD, 'maybe.md': '---\ntitle: M\ndraft: maybe\n---\nBody.\n' });
    const p = problemFor(found, 'posts/maybe.md');
    expect(p.message).toMatch(/draft/);
    expect(p.location?.line).toBe(3);
    expectGoodStillFound(found);
  });

  test('a post over 1 MiB is refused', () => {
    const found = discover({ 'good.md': GOOD, 'huge.md': '# Huge\n\n' + 'x'.repeat(1024 * 1024 + 10) });
    expect(problemFor(found, 'posts/huge.md').message).toMatch(/KiB/);
    expectGoodStillFound(found);
  });

  test('several broken posts are each reported once, and every good post is kept', () => {
    const found = discover({
      'good.md': GOOD,
      'a/empty.md': '',
      'b/open.md': '---\ntitle: x\n',
      'c/toml.md': '+++\nx = \n+++\nBody\n',
      'd/another-good.md': '# Another\n\nFine.\n',
    });
    expect(found.problems.map((p) => p.location?.file).sort()).toEqual(['posts/a/empty.md', 'posts/b/open.md', 'posts/c/toml.md']);
    expect(found.posts.map((p) => p.id).sort()).toEqual(['d/another-good', 'good']);
  });
});

describe('which files are posts', () => {
  test('non-markdown files and names starting with "." or "_" are ignored; other markdown extensions are read', () => {
    const found = discover({
      'post.md': '# Post\n\nText.\n',
      'other.markdown': '# Other\n\nText.\n',
      'UPPER.MD': '# Upper\n\nText.\n',
      'notes.txt': '# Not a post\n',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      '.hidden.md': '# Hidden\n\nText.\n',
      '_index.md': '# Index\n\nText.\n',
      '_drafts/draft.md': '# Draft folder\n\nText.\n',
      '.git/HEAD.md': '# Git\n\nText.\n',
      'sub/.swp.md': '',
    });
    expect(found.problems).toEqual([]);
    expect(found.posts.map((p) => p.id).sort()).toEqual(['UPPER', 'other', 'post']);
  });

  test('a missing posts folder gives no posts and no problems', () => {
    expect(discoverPosts(path.join(folder.root, 'no-such-folder'))).toEqual({ posts: [], problems: [] });
  });

  test('posts at any depth are found, with forward-slash identities', () => {
    const found = discover({
      'top.md': '# Top\n\nText.\n',
      'a/one.md': '# One\n\nText.\n',
      'a/b/two.md': '# Two\n\nText.\n',
      'a/b/c/d/e/f/deep.md': '# Deep\n\nText.\n',
    });
    expect(found.problems).toEqual([]);
    expect(found.posts.map((p) => p.id).sort()).toEqual(['a/b/c/d/e/f/deep', 'a/b/two', 'a/one', 'top']);
    expect(byId(found, 'a/b/c/d/e/f/deep')?.file).toBe('posts/a/b/c/d/e/f/deep.md');
  });

  test('posts are returned in a stable, sorted order', () => {
    const found = discover({ 'b.md': '# B\n\nx\n', 'a.md': '# A\n\nx\n', 'c/a.md': '# CA\n\nx\n' });
    expect(found.posts.map((p) => p.file)).toEqual(['posts/a.md', 'posts/b.md', 'posts/c/a.md']);
  });
});

describe('duplicate identities', () => {
  test('two posts with the same slug are both reported and neither is returned', () => {
    const found = discover({
      'one.md': '---\ntitle: One\nslug: same\n---\nBody.\n',
      'two/other.md': '---\ntitle: Two\nslug: same\n---\nBody.\n',
      'unique.md': '# Unique\n\nBody.\n',
    });
    expect(found.posts.map((p) => p.id)).toEqual(['unique']);
    const one = problemFor(found, 'posts/one.md');
    const two = problemFor(found, 'posts/two/other.md');
    expect(one.code).toBe('EPOST');
    expect(one.message).toContain('"same"');
    expect(one.message).toContain('posts/two/other.md');
    expect(two.message).toContain('posts/one.md');
  });

  test('an id equal to another post\'s path is a duplicate too', () => {
    const found = discover({
      'notes/first.md': '# First\n\nBody.\n',
      'elsewhere.md': '---\ntitle: E\nid: notes/first\n---\nBody.\n',
    });
    expect(found.posts).toEqual([]);
    expect(found.problems).toHaveLength(2);
  });

  test('the same name with two markdown extensions is a duplicate', () => {
    const found = discover({ 'x.md': '# X\n\nBody.\n', 'x.markdown': '# X2\n\nBody.\n' });
    expect(found.posts).toEqual([]);
    expect(found.problems.map((p) => p.location?.file).sort()).toEqual(['posts/x.markdown', 'posts/x.md']);
  });

  test('a Jekyll post and an undated post with the same slug have different identities', () => {
    const found = discover({ '2024-05-13-hello.md': '# A\n\nBody.\n', 'hello.md': '# B\n\nBody.\n' });
    expect(found.problems).toEqual([]);
    expect(found.posts.map((p) => p.id).sort()).toEqual(['2024-05-13-hello', 'hello']);
  });
});

describe('pure helpers', () => {
  test('postFromSource gives the same post as reading the file', () => {
    const text = '---\ntitle: Pure\ndate: 2024-05-13\n---\nBody.\n';
    expect(postFromSource(text, 'x/pure.md')).toEqual(readPost(write('x/pure.md', text), 'x/pure.md'));
  });

  test('splitFrontMatter throws a HeraldError with code EPOST and the file for ---js', () => {
    let caught: unknown;
    try {
      splitFrontMatter('---js\n{}\n---\nBody', 'posts/x.md');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HeraldError);
    expect((caught as HeraldError).code).toBe('EPOST');
    expect((caught as HeraldError).location).toEqual({ file: 'posts/x.md', line: 1 });
  });

  test('pickString trims, skips blanks and accepts numbers', () => {
    expect(pickString({ a: '  ', b: ' x ' }, 'a', 'b')).toBe('x');
    expect(pickString({ n: 7 }, 'n')).toBe('7');
    expect(pickString({}, 'a')).toBeUndefined();
  });

  test('pickBoolean reads yes/no/on/off/1/0 and refuses anything else', () => {
    expect(pickBoolean({ d: 'Yes' }, 'd')).toBe(true);
    expect(pickBoolean({ d: 'off' }, 'd')).toBe(false);
    expect(pickBoolean({ d: 0 }, 'd')).toBe(false);
    expect(pickBoolean({}, 'd')).toBeUndefined();
    expect(() => pickBoolean({ d: 'perhaps' }, 'd')).toThrow(/"d" must be true or false/);
  });

  test('parsePostDate: day, local time, zoned time, and a helpful error for nonsense', () => {
    expect(parsePostDate('2024-05-13')).toEqual(new Date(2024, 4, 13));
    expect(parsePostDate('2024-05-13T08:05')).toEqual(new Date(2024, 4, 13, 8, 5));
    expect(parsePostDate('2024-05-13T08:05:00Z')?.toISOString()).toBe('2024-05-13T08:05:00.000Z');
    expect(parsePostDate(undefined)).toBeUndefined();
    expect(() => parsePostDate('tomorrow')).toThrow(/YYYY-MM-DD/);
  });

  test('parsePostDate refuses impossible days and times instead of rolling them over', () => {
    expect(() => parsePostDate('2024-02-30')).toThrow();
    expect(() => parsePostDate('2024-13-01')).toThrow();
    expect(() => parsePostDate('2024-05-13 25:00')).toThrow();
  });
});
