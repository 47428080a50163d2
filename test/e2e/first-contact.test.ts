import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_PATH } from '../support/cli';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, heraldEnv } from './helpers';

const LIST = { 'list.csv': 'email,name\nada@example.com,Ada\nalan@example.org,Alan\n' };

describe('safer first contact', () => {
  let server: TestSmtpServer | undefined;
  let nl: TempNewsletter;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    nl?.remove();
  });

  const newsletter = (config: Record<string, unknown> = {}, posts: Record<string, string> = { 'old.md': '# Old\n\ntext\n' }): TempNewsletter =>
    makeNewsletter({ config: { smtp: FAST_SMTP, ...config }, posts, subscribers: LIST });

  test('more new posts than floodGuard: none is sent, each is named, renames are pointed out, exit 1; --accept-new records them, ID sends one', async () => {
    server = await startSmtpServer();
    nl = newsletter({}, { '2024-01-02-hello.md': '---\ntitle: Hello\n---\ntext\n' });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    // the site moved: the old post under a new path, and six more posts
    fs.rmSync(path.join(nl.root, 'posts/2024-01-02-hello.md'));
    nl.write('posts/2024/hello.md', '---\ntitle: Hello\n---\ntext\n');
    for (let i = 1; i <= 6; i++) nl.write(`posts/2024/p${i}.md`, `# Post ${i}\n\ntext\n`);

    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(server.messages).toHaveLength(0);
    expect(res.stderr).toContain('7 new posts at once, more than floodGuard (5), so none of them was sent');
    expect(res.stderr).toContain('2024/hello  posts/2024/hello.md (likely a rename of "2024-01-02-hello": same URL)');
    expect(res.stderr).toContain('2024/p6  posts/2024/p6.md');
    expect(res.stderr).toContain('herald send --accept-new');
    expect(res.stdout).toContain('nothing was sent (see the problems above).');
    expect(res.stdout).not.toContain('nothing to send');

    const dry = await herald(nl, ['send', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('more than floodGuard (5)');

    const one = await herald(nl, ['send', '2024/p3'], server);
    expect(one.code).toBe(0);
    expect(server.messages.map((m) => m.parsed.subject)).toEqual(['Post 3', 'Post 3']);

    const accept = await herald(nl, ['send', '--accept-new'], server);
    expect(accept.code).toBe(0);
    expect(accept.stderr).toContain('6 new posts were recorded as already published and not mailed');
    expect(accept.stderr).toContain('2024/p1  posts/2024/p1.md');
    expect(accept.stdout).toContain('nothing was mailed: 6 new posts were recorded as already published.');
    expect(server.messages).toHaveLength(2);
    const status = JSON.parse((await herald(nl, ['status', '--json'])).stdout) as { posts: { id: string; status: string }[] };
    expect(status.posts.find((p) => p.id === '2024/p1')?.status).toBe('baseline');
    expect((await herald(nl, ['send'], server)).stdout).toContain('nothing to send: no new posts.');
  });

  test('files renamed without slugs: the guard names each as a likely rename of its old identity, by its URL or its text', async () => {
    server = await startSmtpServer();
    const text = (n: number): string => `Paragraph ${n} of a post that was written once and sent once.\n\nA second paragraph, ${n}.\n`;
    nl = newsletter({}, {
      'first.md': `# First\n\n${text(1)}`,
      'second.md': `---\ntitle: Second\n---\n${text(2)}`,
      'third.md': `---\ntitle: Third\nurl: /notes/third/\n---\n${text(3)}`,
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    // edited after the first run: the record keeps what the post says now
    nl.write('posts/second.md', `---\ntitle: Second\n---\n${text(2)}\nAn update, written later.\n`);
    expect((await herald(nl, ['send'], server)).stdout).toContain('nothing to send: no new posts.');
    // renamed, none of them with a slug: each is "new"; the third was edited too, but keeps its URL
    for (const name of ['first', 'second', 'third']) fs.rmSync(path.join(nl.root, `posts/${name}.md`));
    nl.write('posts/2024/one.md', `# First\r\n\r\n${text(1).replace(/\n/g, '\r\n')}`);
    nl.write('posts/2024/two.md', `---\ntitle: The second, retitled\n---\n${text(2)}\nAn update, written later.\n`);
    nl.write('posts/2024/three.md', `---\ntitle: Third\nurl: https://blog.example.com/notes/third/\n---\nRewritten.\n`);
    for (let i = 1; i <= 3; i++) nl.write(`posts/2024/p${i}.md`, `# Post ${i}\n\nSomething new, ${i}.\n`);

    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(server.messages).toHaveLength(0);
    expect(res.stderr).toContain('6 new posts at once, more than floodGuard (5)');
    expect(res.stderr).toContain('2024/one  posts/2024/one.md (likely a rename of "first": same content)');
    expect(res.stderr).toContain('2024/two  posts/2024/two.md (likely a rename of "second": same content)');
    expect(res.stderr).toContain('2024/three  posts/2024/three.md (likely a rename of "third": same URL)');
    expect(res.stderr).toMatch(/2024\/p1 {2}posts\/2024\/p1\.md\n/);
    const dry = await herald(nl, ['send', '--dry-run']);
    expect(dry.stderr).toContain('2024/one  posts/2024/one.md (likely a rename of "first": same content)');

    // accepted as published: the renamed posts are known under their new names, by their text too
    expect((await herald(nl, ['send', '--accept-new'], server)).code).toBe(0);
    for (const name of ['one', 'p1']) fs.renameSync(path.join(nl.root, `posts/2024/${name}.md`), path.join(nl.root, `posts/${name}-again.md`));
    for (let i = 4; i <= 7; i++) nl.write(`posts/2024/p${i}.md`, `# Post ${i}\n\nSomething new, ${i}.\n`);
    const again = await herald(nl, ['send'], server);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('one-again  posts/one-again.md (likely a rename of "2024/one": same content)');
    expect(again.stderr).toContain('p1-again  posts/p1-again.md (likely a rename of "2024/p1": same content)');
    expect(server.messages).toHaveLength(0);
  });

  test('floodGuard is a setting: a higher value lets a larger batch through', async () => {
    server = await startSmtpServer();
    nl = newsletter({ floodGuard: 10 });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    for (let i = 1; i <= 7; i++) nl.write(`posts/p${i}.md`, `# Post ${i}\n\ntext\n`);
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    expect(server.messages).toHaveLength(14);
  });

  test('a send that cannot send exits 2 before it touches the record, so the baseline waits for a run that can', async () => {
    nl = newsletter({ unsubscribe: { url: 'https://blog.example.com/unsubscribe' } });
    const noSmtp = await herald(nl, ['send']);
    expect(noSmtp.code).toBe(2);
    expect(noSmtp.stderr).toContain('HERALD_SMTP_URL is not set');
    server = await startSmtpServer();
    const noSecret = await herald(nl, ['send'], server, { HERALD_SECRET: undefined });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('HERALD_SECRET is not set');
    expect(fs.existsSync(path.join(nl.root, '.herald', 'herald.db'))).toBe(false);
    expect(fs.readdirSync(nl.root)).not.toContain('.herald');
    // now a run that could send: the post written since the failed runs is part of the baseline
    nl.write('posts/later.md', '# Later\n\ntext\n');
    const ok = await herald(nl, ['send'], server);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('2 existing posts were recorded as already published');
  });

  test('--include-existing after the first run is a usage error that says what to do', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    for (const args of [['send', '--include-existing'], ['send', '--dry-run', '--include-existing']]) {
      const res = await herald(nl, args, server);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--include-existing only applies to the first run');
      expect(res.stderr).toContain('herald send ID');
    }
    expect(server.messages).toHaveLength(0);
  });

  test('schedule refuses to start when a send could not work', async () => {
    nl = newsletter();
    const res = await herald(nl, ['schedule']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('HERALD_SMTP_URL is not set');
  });

  test('check fails on unknown placeholders and settings with a did-you-mean, and warns about 0 posts and 0 subscribers', async () => {
    nl = makeNewsletter({ config: { subject: '{{ titel }} from {{newsletter_name}}', postUrl: '{{year}}/{{slugg}}/', templte: 'default' } });
    const bad = await herald(nl, ['check', '--no-smtp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown setting "templte" (did you mean "template"?)');
    nl.write('herald.config.json', JSON.stringify({ name: 'T', siteUrl: 'https://blog.example.com/', from: 'T <t@example.com>', subject: '{{ titel }}', postUrl: '{{year}}/{{slugg}}/', smtp: { conections: 2 } }));
    expect((await herald(nl, ['check', '--no-smtp'])).stderr).toContain('smtp: unknown setting "conections" (did you mean "connections"?)');
    nl.write('herald.config.json', JSON.stringify({ name: 'T', siteUrl: 'https://blog.example.com/', from: 'T <t@example.com>', subject: '{{ titel }}', postUrl: '{{year}}/{{slugg}}/' }));
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('subject names an unknown placeholder "{{ titel }}" (did you mean {{title}}?)');
    expect(res.stderr).toContain('postUrl names an unknown placeholder "{{slugg}}" (did you mean {{slug}}?)');
    expect(res.stderr).toContain('herald.config.json: no posts found; herald looked in posts/');
    expect(res.stderr).toContain('warning: subscribers/: no subscribers');
  });

  test('output piped into a reader that closes early ends quietly', async () => {
    nl = newsletter();
    const child = spawn(process.execPath, [CLI_PATH, 'send', '--help', '--root', nl.root], { env: { ...process.env, ...heraldEnv() } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).not.toMatch(/EPIPE|at .*\(/);
    expect(code).toBe(0);
  });
});
