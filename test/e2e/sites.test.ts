/**
 * herald meets the blog a writer already has: `herald init` in a real-shaped Jekyll and Hugo site,
 * a first run, a new post added the generator's way, and the site built with the real generator
 * (Debian's jekyll and hugo; each test says it is skipped where its binary is missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { heraldEnv } from './helpers';

const FIXTURES = path.join(__dirname, '../fixtures/sites');
const has = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const withBinary = (bin: string, name: string): [string, boolean] => (has(bin) ? [name, true] : [`${name} — skipped: no ${bin} here (apt-get install ${bin})`, false]);
const READER = 'reader.one@example.com';
const ENV = { HERALD_FROM: 'Dispatch <news@example.com>' };

function copyFixture(name: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `herald-${name}-`)));
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const herald = (root: string, args: string[], server?: TestSmtpServer, extra: Record<string, string | undefined> = {}) =>
  runCli([...args, '--root', root], { env: heraldEnv(server, { ...ENV, ...extra }), timeoutMs: 90_000 });

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** The built site holds no subscriber address and none of herald's state; every post URL herald mails is a page it built. */
function expectSafeBuild(out: string, siteUrl: string, postUrls: readonly string[]): void {
  const files = filesUnder(out);
  for (const file of files) {
    expect(fs.readFileSync(path.join(out, file)).toString('latin1')).not.toContain(READER);
    expect(file).not.toMatch(/\.(db|db-wal|db-shm|csv|eml|lock)$|herald\.db|subscribers/);
  }
  for (const url of postUrls) {
    expect(url.startsWith(siteUrl)).toBe(true);
    const page = path.join(out, url.slice(siteUrl.length), 'index.html');
    expect(fs.existsSync(page)).toBe(true);
  }
}

/** What a reader got, checked for the site's template syntax and relative links. */
function expectClean(server: TestSmtpServer): void {
  for (const m of server.messages) {
    // the head's CSS (minified: "100%}") is the template's, not the post's
    const parts = `${(m.parsed.html || '').replace(/<style[^>]*>[^<]*<\/style>/g, '')}\n${m.parsed.text || ''}`;
    expect(parts).not.toMatch(/\{%|%\}|\{\{[<%]|[>%]\}\}|\{\{\s*(site|page)\.|\[\^1\]/);
    for (const [, url] of parts.matchAll(/(?:href|src)="([^"]+)"/g)) expect(url).toMatch(/^(https?:|mailto:|#footnote)/);
  }
}

const postUrlOf = (text: string | undefined): string => /Read it on the website: (\S+)/.exec(text ?? '')![1]!;

describe('herald with a Jekyll site', () => {
  let root: string;
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('init puts subscribers and state under _herald/, a first run records the posts, a new post in _posts/ is mailed clean', async () => {
    root = copyFixture('jekyll');
    const init = await runCli(['init', root], { env: heraldEnv(undefined, ENV) });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('found a Jekyll site (_config.yml): posts in _posts/, post URLs {{year}}/{{month}}/{{day}}/{{slug}}/, siteUrl https://user.github.io/repo/');
    expect(init.stdout).toMatch(/next:\n {2}herald subscribers add .*\n {2}herald send --dry-run.*\n {2}HERALD_SMTP_URL=\S+ herald send/);
    const config = JSON.parse(fs.readFileSync(path.join(root, 'herald.config.json'), 'utf8')) as Record<string, string>;
    expect(config).toMatchObject({ posts: '_posts', subscribers: '_herald/subscribers', stateDir: '_herald/state', siteUrl: 'https://user.github.io/repo/' });
    expect(fs.existsSync(path.resolve(root, config['$schema']!))).toBe(true);
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toContain('_herald/state/');
    expect((await herald(root, ['subscribers', 'add', READER])).code).toBe(0);

    server = await startSmtpServer();
    const first = await herald(root, ['send'], server);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('2 existing posts were recorded as already published');
    expect(server.messages).toHaveLength(0);

    // a new post, the Jekyll way; and a draft, which is never sent
    fs.copyFileSync(path.join(root, '_posts/2024-02-03-second-post.md'), path.join(root, '_posts/2026-03-01-third-post.md'));
    fs.writeFileSync(path.join(root, '_drafts/another.md'), '---\ntitle: Another draft\n---\ntext\n');
    const dry = await herald(root, ['send', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would send "Second post" (_posts/2026-03-01-third-post.md) to 1 subscriber');
    expect(dry.stderr).toContain('_posts/2026-03-01-third-post.md:15: the site\'s template tag {% include signup.html %}');
    const sent = await herald(root, ['send'], server);
    expect(sent.code).toBe(0);
    expect(server.messages).toHaveLength(1);
    const mail = server.messages[0]!.parsed;
    expectClean(server);
    expect(postUrlOf(mail.text)).toBe('https://user.github.io/repo/2026/03/01/third-post/');
    expect(mail.html).toContain('href="https://user.github.io/repo/2024/01/02/first-post/"');
    expect(mail.html).toContain('href="https://user.github.io/repo/2026/03/01/notes/"');
    expect(mail.html).toContain('href="https://user.github.io/repo/about/"');
    expect(mail.html).toContain('src="https://user.github.io/repo/assets/logo.png"');
    expect(mail.html).toMatch(/<code class="language-js"[^>]*>const x = 1;/);
    expect(mail.html).toContain('{{ kept }}');
    expect(mail.text).toContain('☑ done');

    const [name, available] = withBinary('jekyll', 'the Jekyll build');
    if (!available) return console.warn(name);
    execFileSync('jekyll', ['build', '--quiet'], { cwd: root, stdio: 'pipe' });
    expectSafeBuild(path.join(root, '_site'), 'https://user.github.io/repo/', [postUrlOf(mail.text), 'https://user.github.io/repo/2024/01/02/first-post/']);
  });

  test('check refuses subscribers where Jekyll would publish them; init never overwrites without --force', async () => {
    root = copyFixture('jekyll');
    expect((await runCli(['init', root], { env: heraldEnv() })).code).toBe(0);
    const again = await runCli(['init', root], { env: heraldEnv() });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('herald init would overwrite herald.config.json, _herald/subscribers/subscribers.csv; nothing was written');
    expect((await runCli(['init', root, '--force'], { env: heraldEnv() })).code).toBe(0);

    const config = JSON.parse(fs.readFileSync(path.join(root, 'herald.config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(root, 'herald.config.json'), JSON.stringify({ ...config, subscribers: 'subscribers' }));
    const check = await herald(root, ['check', '--no-smtp']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('subscribers: subscribers/ would be published with the jekyll site');
    fs.appendFileSync(path.join(root, '_config.yml'), 'exclude:\n  - subscribers\n');
    expect((await herald(root, ['check', '--no-smtp'])).stderr).not.toContain('would be published');
  });
});

describe('herald with a Hugo site', () => {
  let root: string;
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('init reads hugo.toml, a page bundle added later is mailed with its image, shortcodes converted or removed with a warning', async () => {
    root = copyFixture('hugo');
    const init = await runCli(['init', root], { env: heraldEnv() });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('found a Hugo site (hugo.toml): posts in content/posts/, post URLs {{year}}/{{month}}/{{slug}}/, siteUrl https://example.org/');
    expect((await herald(root, ['subscribers', 'add', READER])).code).toBe(0);
    server = await startSmtpServer();
    expect((await herald(root, ['send'], server)).stderr).toContain('2 existing posts were recorded');

    // a new page bundle, the Hugo way: a folder with index.md and its image
    fs.cpSync(path.join(root, 'content/posts/my-trip'), path.join(root, 'content/posts/second-trip'), { recursive: true });
    const index = path.join(root, 'content/posts/second-trip/index.md');
    fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('title: My trip', 'title: Second trip').replace('slug: my-trip', 'slug: second-trip').replace('2024-02-03', '2026-03-01'));
    const sent = await herald(root, ['send'], server);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('content/posts/second-trip/index.md:10: the site\'s template tag {{< newsletter-signup >}}');
    expect(server.messages.map((m) => m.parsed.subject)).toEqual(['Second trip']);
    const mail = server.messages[0]!.parsed;
    expectClean(server);
    expect(postUrlOf(mail.text)).toBe('https://example.org/2026/03/second-trip/');
    expect(mail.html).toContain('src="https://example.org/2026/03/second-trip/map.png"');
    expect(mail.html).toContain('Where we went');
    expect(mail.html).toContain('href="https://example.org/2024/01/first/"');
    expect(mail.html).toContain('href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"');

    const [name, available] = withBinary('hugo', 'the Hugo build');
    if (!available) return console.warn(name);
    execFileSync('hugo', ['--quiet'], { cwd: root, stdio: 'pipe' });
    expectSafeBuild(path.join(root, 'public'), 'https://example.org/', [postUrlOf(mail.text), 'https://example.org/2024/01/first/']);
    expect(fs.existsSync(path.join(root, 'public/2026/03/second-trip/map.png'))).toBe(true);
  });
});

describe('herald init in an empty folder', () => {
  test('writes a working newsletter that checks out and previews, using the default template', async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-init-')));
    try {
      const init = await runCli(['init', root], { env: heraldEnv(undefined, { HERALD_NOW: '2026-03-01T08:00:00Z' }) });
      expect(init.code).toBe(0);
      expect(filesUnder(root).sort()).toEqual(['.gitignore', 'herald.config.json', 'posts/2026-03-01-welcome.md', 'subscribers/subscribers.csv', 'templates/default.mjml']);
      expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('.herald/\n');
      const check = await herald(root, ['check', '--no-smtp']);
      expect(check.code).toBe(0);
      expect(check.stderr).toContain('no subscribers');
      fs.rmSync(path.join(root, 'templates'), { recursive: true });
      const dry = await herald(root, ['send', '--dry-run', '--include-existing']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('would send "Welcome"');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.each([
  { name: 'eleventy', found: 'found an Eleventy site (eleventy.config.js): posts in posts/, post URLs posts/{{slug}}/', sent: ['First note'], url: 'posts/first/', warns: '{% include "signup.njk" %}' },
  { name: 'astro', found: 'found an Astro site (astro.config.mjs): posts in src/content/blog/, post URLs blog/{{slug}}/, siteUrl https://astro.example.com/', sent: ['First Astro post', 'With a chart'], url: 'blog/with-images/', warns: 'the component <Chart' },
  { name: 'pelican', found: 'found a Pelican site (pelicanconf.py): posts in content/, post URLs posts/{{year}}/{{slug}}/, siteUrl https://pelican.example.com/', sent: ['First Pelican article'], url: 'posts/2024/first-article/', warns: undefined },
])('herald init in a $name site', ({ name, found, sent, url, warns }) => {
  test('reads the site\'s configuration and previews its posts with no template syntax left', async () => {
    const root = copyFixture(name);
    try {
      const init = await runCli(['init', root], { env: heraldEnv() });
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(found);
      if (name === 'eleventy') {
        const config = JSON.parse(fs.readFileSync(path.join(root, 'herald.config.json'), 'utf8')) as Record<string, unknown>;
        fs.writeFileSync(path.join(root, 'herald.config.json'), JSON.stringify({ ...config, siteUrl: 'https://eleventy.example.com/' }));
      }
      expect((await herald(root, ['subscribers', 'add', READER])).code).toBe(0);
      const dry = await herald(root, ['send', '--dry-run', '--include-existing']);
      expect(dry.code).toBe(0);
      expect([...dry.stdout.matchAll(/would send "([^"]+)"/g)].map((m) => m[1])).toEqual(sent);
      if (warns) expect(dry.stderr).toContain(warns);
      const previews = filesUnder(path.join(root, '.herald/preview')).filter((f) => f.endsWith('.html'));
      const html = previews.map((f) => fs.readFileSync(path.join(root, '.herald/preview', f), 'utf8')).join('\n');
      expect(html).not.toMatch(/\{%|\{\{\s*site|<Chart|import Chart/);
      expect(html).toContain(url);
      if (name === 'astro') expect(html).toContain('src="https://astro.example.com/blog/with-images/photo.jpg"');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
