/**
 * Discovery refuses what must never reach a subscriber, each refusal naming the file (and line),
 * the other posts still found: binary and non-UTF-8 files, control characters, links outside the
 * URL allowlist, slugs that are not path-safe, template names that are paths, runaway nesting;
 * and it follows symbolic links only while they stay inside posts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { discoverPosts, type Post } from '../../src/discover/posts';
import { usePostsFolder } from '../support/posts-folder';
import { MAX_NESTING } from '../../src/discover/text';
import { safeName } from '../../src/preview/write';

const folder = usePostsFolder();
const { write, discover } = folder;

const GOOD = '---\ntitle: Good\n---\nFine.\n';

/** The one problem of a folder holding this post and a good one, which must still be found. */
function refused(content: string | Buffer): { message: string; line?: number; file: string } {
  const found = discover({ 'bad.md': content, 'good.md': GOOD });
  expect(found.posts.map((p) => p.file)).toEqual(['posts/good.md']);
  expect(found.problems).toHaveLength(1);
  const [p] = found.problems;
  expect(p!.code).toBe('EPOST');
  expect(p!.severity).toBe('error');
  return { message: p!.message, line: p!.location?.line, file: p!.location!.file };
}

function only(content: string): Post {
  const found = discover({ 'p.md': content });
  expect(found.problems).toEqual([]);
  return found.posts[0]!;
}

describe('a post must be text', () => {
  test('a binary file named .md is refused by name; the good post is found', () => {
    const binary = Buffer.alloc(100 * 1024);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
    const p = refused(binary);
    expect(p.file).toBe('posts/bad.md');
    expect(p.message).toMatch(/not UTF-8 text|NUL/);
  });

  test('invalid UTF-8 (a Latin-1 é) is refused with the line of the first bad byte', () => {
    const p = refused(Buffer.concat([Buffer.from('---\ntitle: Caf'), Buffer.from([0xe9]), Buffer.from('\n---\nText.\n')]));
    expect(p.message).toMatch(/is not UTF-8 text/);
    expect(p.line).toBe(2);
  });

  test('a NUL byte in a valid UTF-8 file is refused as binary, with its line', () => {
    const p = refused('---\ntitle: A\u0000B\n---\nText.\n');
    expect(p.message).toMatch(/NUL/);
    expect(p.line).toBe(2);
  });

  test('another control character is refused with its code point and line', () => {
    const p = refused('---\ntitle: Fine\n---\nText.\n\nA bell \u0007 here.\n');
    expect(p.message).toContain('U+0007');
    expect(p.line).toBe(6);
  });

  test('tabs, form feeds, CRLF and a BOM are still text', () => {
    expect(only('\uFEFF---\r\ntitle: Tabbed\r\n---\r\n\tcode\r\n\fafter\r\n').title).toBe('Tabbed');
  });
});

describe('one-line fields carry no control characters', () => {
  test('a YAML escape that puts NUL into the title is refused at the title line', () => {
    const p = refused('---\ndate: 2026-01-01\ntitle: "Hello\\0World"\n---\nText.\n');
    expect(p.message).toMatch(/^title: .*U\+0000/);
    expect(p.line).toBe(3);
  });

  test('an escape (ESC) in the summary is refused; a C1 control in a TOML title too', () => {
    expect(refused('---\ntitle: T\nsummary: "a\\eb"\n---\nText.\n').message).toMatch(/^summary: .*U\+001B/);
    fs.rmSync(folder.postsDir, { recursive: true });
    fs.mkdirSync(folder.postsDir);
    expect(refused('+++\ntitle = "a\\u0085b"\n+++\nText.\n').message).toMatch(/^title: .*U\+0085/);
  });

  test('line breaks and tabs in a title or folded summary become single spaces', () => {
    const post = only('---\ntitle: "Two\\tparts\\nof it"\nsummary: |\n  First line\n  second line\n---\nText.\n');
    expect(post.title).toBe('Two parts of it');
    expect(post.summary).toBe('First line second line');
  });
});

describe("a post's own link passes the URL allowlist", () => {
  test.each([
    ['url: javascript:alert(1)'],
    ['url: "JavaScript:alert(document.cookie)"'],
    ['permalink: "data:text/html,<script>alert(1)</script>"'],
    ['url: "  vbscript:msgbox"'],
    ['url: file:///etc/passwd'],
    ['url: "#top"'],
  ])('%s is refused at its line', (line) => {
    const p = refused(`---\ntitle: T\n${line}\n---\nText.\n`);
    expect(p.message).toMatch(/^url: .*is not an http\(s\) or mailto link/);
    expect(p.line).toBe(3);
  });

  test('http(s) links and paths on the site are kept', () => {
    expect(only('---\ntitle: T\nurl: https://blog.example.com/x/\n---\nText.\n').url).toBe('https://blog.example.com/x/');
    fs.rmSync(path.join(folder.postsDir, 'p.md'));
    expect(only('---\ntitle: T\npermalink: /2026/x/\n---\nText.\n').url).toBe('/2026/x/');
  });
});

describe('slugs and ids are path-safe', () => {
  test.each([['slug: ..'], ['slug: .'], ['slug: ../escape'], ['slug: a/b'], ['slug: .hidden'], ['id: ../../etc'], ['id: a/../b'], ['slug: "two words"']])(
    '%s is refused at its line',
    (line) => {
      const p = refused(`---\ntitle: T\n${line}\n---\nText.\n`);
      expect(p.message).toMatch(/^(slug|id): .*is not a usable (slug|id)/);
      expect(p.line).toBe(3);
    },
  );

  test('letters of any script, digits, - _ . ~ and an id with / between parts are kept', () => {
    expect(only('---\ntitle: T\nslug: café-ünïcode_2.0~x\n---\nText.\n').slug).toBe('café-ünïcode_2.0~x');
    fs.rmSync(path.join(folder.postsDir, 'p.md'));
    expect(only('---\ntitle: T\nid: 2026/spring-issue\n---\nText.\n').id).toBe('2026/spring-issue');
  });

  test('a post without a slug keeps its path under posts/ as its identity', () => {
    const found = discover({ 'nested/deep/My Post.md': GOOD });
    expect(found.problems).toEqual([]);
    expect(found.posts[0]!.id).toBe('nested/deep/My Post');
  });

  test('the preview folder name of any identity is one plain name', () => {
    for (const id of ['..', '.', '../../x', '/etc/passwd', '.hidden', '', 'a/b']) {
      const name = safeName(id);
      expect(name).not.toMatch(/^\.|[/\\]/);
      expect(path.dirname(path.join('/preview', name))).toBe('/preview');
    }
  });
});

test('template: ../../etc/passwd is refused naming the post and line', () => {
  const p = refused('---\ntitle: T\ntemplate: ../../etc/passwd\n---\nText.\n');
  expect(p.file).toBe('posts/bad.md');
  expect(p.line).toBe(3);
  expect(p.message).toMatch(/^template: .*is not a template name/);
});

describe('nesting is bounded', () => {
  test('a 200,000-level blockquote is refused with its line, not a stack overflow', () => {
    const p = refused('---\ntitle: T\n---\nIntro.\n\n' + '>'.repeat(200_000) + ' deep\n');
    expect(p.message).toContain(`more than ${MAX_NESTING} levels`);
    expect(p.line).toBe(6);
  });

  test('list items opened on one line (- - - …) and mixed markers count too', () => {
    expect(refused('- '.repeat(MAX_NESTING + 1) + 'x\n').message).toContain('levels');
    fs.rmSync(folder.postsDir, { recursive: true });
    fs.mkdirSync(folder.postsDir);
    expect(refused('> 1. - '.repeat(40) + 'x\n').line).toBe(1);
  });

  test('ordinary nesting and a * * * rule are fine', () => {
    only('Intro.\n\n> quote\n> > reply\n\n- a\n  - b\n    1. c\n\n* * *\n\n' + '> '.repeat(MAX_NESTING) + 'x\n');
  });
});

describe('symbolic links', () => {
  test('a link to a post inside posts/ is followed; a post reached twice is read once, under its own path', () => {
    write('real/a.md', GOOD);
    write('real/b.md', '---\ntitle: B\n---\nB.\n');
    fs.symlinkSync(path.join(folder.postsDir, 'real'), path.join(folder.postsDir, 'alias'));
    fs.symlinkSync('real/b.md', path.join(folder.postsDir, 'b-link.md'));
    const found = discoverPosts(folder.postsDir);
    expect(found.problems).toEqual([]);
    expect(found.posts.map((p) => p.file).sort()).toEqual(['posts/real/a.md', 'posts/real/b.md']);
  });

  test('a linked folder inside posts/ is read under the link name', () => {
    fs.mkdirSync(path.join(folder.postsDir, '_store'));
    write('_store/x.md', GOOD);
    fs.symlinkSync(path.join(folder.postsDir, '_store'), path.join(folder.postsDir, 'issues'));
    expect(discoverPosts(folder.postsDir).posts.map((p) => p.file)).toEqual(['posts/issues/x.md']);
  });

  test('a link that loops back up the tree does not loop', () => {
    write('a.md', GOOD);
    fs.symlinkSync('..', path.join(folder.postsDir, 'up'));
    fs.mkdirSync(path.join(folder.postsDir, 'sub'));
    fs.symlinkSync(folder.postsDir, path.join(folder.postsDir, 'sub', 'again'));
    const found = discoverPosts(folder.postsDir);
    expect(found.posts.map((p) => p.file)).toEqual(['posts/a.md']);
  });

  test('a link to a file outside posts/ is skipped with a warning naming it; the rest goes on', () => {
    fs.writeFileSync(path.join(folder.root, 'secret.md'), '---\ntitle: Private\n---\nSecret.\n');
    fs.symlinkSync(path.join(folder.root, 'secret.md'), path.join(folder.postsDir, 'leak.md'));
    fs.symlinkSync('/etc', path.join(folder.postsDir, 'etc'));
    write('good.md', GOOD);
    const found = discoverPosts(folder.postsDir);
    expect(found.posts.map((p) => p.file)).toEqual(['posts/good.md']);
    expect(found.problems.map((p) => [p.severity, p.location?.file])).toEqual([
      ['warning', 'posts/etc'],
      ['warning', 'posts/leak.md'],
    ]);
    expect(found.problems[1]!.message).toMatch(/symbolic link to .*secret\.md, outside the posts folder; skipped/);
  });

  test('a dangling link named .md is reported', () => {
    fs.symlinkSync(path.join(folder.root, 'gone.md'), path.join(folder.postsDir, 'gone.md'));
    expect(discoverPosts(folder.postsDir).problems.map((p) => [p.severity, p.location?.file, p.message])).toEqual([
      ['warning', 'posts/gone.md', expect.stringContaining('leads nowhere')],
    ]);
  });
});
