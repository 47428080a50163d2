/**
 * Posts that must never reach a subscriber, end to end through the built CLI and a real SMTP
 * server: each is named on stderr, the good post beside it is still mailed, the run exits 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald } from './helpers';

const GOOD = '---\ntitle: Good news\n---\nA fine post with a [link](https://example.org/page).\n';
const SUBSCRIBERS = 'email,name\nada@example.com,Ada\nalan@example.org,Alan\n';

let server: TestSmtpServer | undefined;
let nl: TempNewsletter | undefined;

afterEach(async () => {
  await server?.close();
  nl?.remove();
  server = undefined;
  nl = undefined;
});

function newsletter(posts: Record<string, string | Buffer>, config: Record<string, unknown> = {}): TempNewsletter {
  return makeNewsletter({
    config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, ...config },
    posts: { 'good.md': GOOD, ...posts },
    subscribers: { 'list.csv': SUBSCRIBERS },
  });
}

/** Sends on a first run with every post included; returns the CLI result. */
async function sendAll(posts: Record<string, string | Buffer>, config: Record<string, unknown> = {}): Promise<Awaited<ReturnType<typeof herald>>> {
  server = await startSmtpServer();
  nl = newsletter(posts, config);
  return herald(nl, ['send', '--include-existing'], server);
}

function subjects(): string[] {
  return server!.messages.map((m) => m.parsed.subject ?? '');
}

test('a binary file named .md is refused by name and mailed to nobody; the good post is sent', async () => {
  const binary = Buffer.alloc(100 * 1024);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919 + 13) % 256;
  const res = await sendAll({ 'photo.md': binary, 'latin1.md': Buffer.from('---\ntitle: Caf\xe9\n---\nText.\n', 'latin1') });
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/error: posts\/photo\.md(:\d+)?: (is not UTF-8 text|contains a NUL byte)/);
  expect(res.stderr).toMatch(/error: posts\/latin1\.md:2: is not UTF-8 text/);
  expect(subjects()).toEqual(['Good news', 'Good news']);
});

test('url: javascript: never reaches any part of any message; the post is named and the others sent', async () => {
  const res = await sendAll({
    'evil.md': '---\ntitle: Evil\nurl: javascript:alert(1)\n---\nClick the title.\n',
    'body.md': '---\ntitle: Body links\n---\n[a](javascript:alert(2)) <a href="JaVaScRiPt:alert(3)">b</a> ![c](javascript:alert(4))\n',
  });
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('error: posts/evil.md:3: url: "javascript:alert(1)" is not an http(s) or mailto link');
  expect(subjects().sort()).toEqual(['Body links', 'Body links', 'Good news', 'Good news']);
  for (const m of server!.messages) expect(m.raw.toString('latin1')).not.toMatch(/javascript/i);
});

test('a NUL in a title never reaches Subject: the post is refused, whether the byte or a YAML escape put it there', async () => {
  const res = await sendAll({
    'escape.md': '---\ntitle: "Hello\\0Bcc: victim@example.net"\n---\nText.\n',
    'byte.md': '---\ntitle: Hello\u0000World\n---\nText.\n',
  });
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/error: posts\/escape\.md:2: title: contains the control character U\+0000/);
  expect(res.stderr).toMatch(/error: posts\/byte\.md:2: contains a NUL byte/);
  expect(subjects()).toEqual(['Good news', 'Good news']);
  for (const m of server!.messages) expect(m.raw.includes(0)).toBe(false);
});

test('a post that renders for too long is stopped and named; the posts after it are sent', async () => {
  const res = await sendAll(
    {
      // marked is quadratic on an unclosed emphasis run: minutes of work, far past the limit
      'a-runaway.md': '---\ntitle: Runaway\n---\n' + '*a'.repeat(200_000) + '\n',
      'b-deep.md': '---\ntitle: Deep\n---\n' + '>'.repeat(200_000) + ' deep\n',
    },
    { renderTimeoutSeconds: 3 },
  );
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('error: posts/a-runaway.md: took longer than 3 s to render and was stopped; it is not sent');
  expect(res.stderr).toMatch(/error: posts\/b-deep\.md:4: nests blockquotes or lists more than 100 levels deep/);
  expect(res.stderr).not.toMatch(/Maximum call stack/);
  expect(subjects()).toEqual(['Good news', 'Good news']);
});

test('template: ../../etc/passwd is refused naming the post; the good post is sent', async () => {
  const res = await sendAll({ 'evil.md': '---\ntitle: Evil\ntemplate: ../../etc/passwd\n---\nText.\n' });
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/error: posts\/evil\.md:3: template: "\.\.\/\.\.\/etc\/passwd" is not a template name/);
  expect(subjects()).toEqual(['Good news', 'Good news']);
});

test('slug: .. is refused, and a dry run writes previews only inside the preview folder', async () => {
  nl = newsletter({ 'dots.md': '---\ntitle: Dots\nslug: ..\n---\nText.\n' });
  const res = await herald(nl, ['send', '--dry-run', '--include-existing']);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/error: posts\/dots\.md:3: slug: "\.\." is not a usable slug/);
  const state = path.join(nl.root, '.herald');
  expect(fs.readdirSync(state).filter((f) => !fs.statSync(path.join(state, f)).isDirectory())).not.toContain('email.html');
  expect(fs.readdirSync(path.join(state, 'preview'))).toEqual(['good']);
  expect(fs.existsSync(path.join(state, 'preview', 'good', 'email.html'))).toBe(true);
});

test('a symbolic link to a file outside posts/ is not mailed, and a warning names it', async () => {
  server = await startSmtpServer();
  nl = newsletter({});
  nl.write('private/notes.md', '---\ntitle: Private notes\n---\nNot for the list.\n');
  fs.symlinkSync(path.join(nl.root, 'private', 'notes.md'), path.join(nl.root, 'posts', 'notes.md'));
  const res = await herald(nl, ['send', '--include-existing'], server);
  expect(res.stderr).toMatch(/warning: posts\/notes\.md: is a symbolic link to .*notes\.md, outside the posts folder; skipped/);
  expect(res.code).toBe(0);
  expect(subjects()).toEqual(['Good news', 'Good news']);
});

test('herald check stops a runaway post at the same limit and names it', async () => {
  nl = newsletter({ 'a-runaway.md': '---\ntitle: Runaway\n---\n' + '*a'.repeat(200_000) + '\n' }, { renderTimeoutSeconds: 3 });
  const res = await herald(nl, ['check', '--no-smtp']);
  expect(res.code).toBe(1);
  expect(res.stderr + res.stdout).toContain('posts/a-runaway.md: took longer than 3 s to render and was stopped');
});
