import { loadSettings } from '../../src/config/load';
import { createApp } from '../../src/app';
import { runSend } from '../../src/commands/send';
import { spawnCli } from '../support/cli';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, heraldEnv, output, recordRows, SECRET, until } from './helpers';

describe('a run stopped early, and what status shows', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  async function setUp(subscribers: number, posts: Record<string, string> = {}): Promise<void> {
    nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'old.md': '# Old\n\nold\n' }, subscribers: { 'list.csv': subscribersCsv(subscribers) } });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    for (const [file, text] of Object.entries(posts)) nl.write(`posts/${file}`, text);
  }

  test('a send stopped before any post went out says so, not that there was nothing to send', async () => {
    server = await startSmtpServer();
    await setUp(3, { 'new.md': '# New\n\nnews\n' });
    const out: string[] = [];
    const stop = new AbortController();
    stop.abort();
    const settings = loadSettings(nl.root, { HERALD_SMTP_URL: server.url, HERALD_SECRET: SECRET });
    const result = await runSend(createApp(settings, { out: (l) => out.push(l), err: () => undefined }, { stop: stop.signal }), { posts: [], includeExisting: false, resendInDoubt: false, json: false, waitMs: 0, progress: 'quiet' });
    expect(result.code).toBe(1);
    expect(out.join('\n')).not.toContain('nothing to send');
    expect(out.join('\n')).toContain('stopped before sending: 1 post was still to go out.');
    expect(out.join('\n')).toContain('stopped before the end; run herald send again to finish.');
    expect(server.messages).toHaveLength(0);
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(3);
  });

  test('SIGTERM early in a run through the CLI never prints "nothing to send"', async () => {
    server = await startSmtpServer();
    // the broken post is reported before rendering starts: the signal comes while the run prepares
    await setUp(3, { 'new.md': '# New\n\nnews\n', 'broken.md': '---\ntitle: [oops\n---\nbody\n' });
    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => io.stderr().includes('YAML front matter is broken'), 'the broken post to be reported');
    child.kill('SIGTERM');
    expect(await io.exit).toBe(1);
    expect(io.stdout()).not.toContain('nothing to send');
    expect(io.stdout()).toContain('stopped before');
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'sending' || r.state === 'in_doubt')).toHaveLength(0);
  });

  test('status shows recipients handed to SMTP as in flight, apart from pending (text and --json)', async () => {
    server = await startSmtpServer({ onData: () => 'stall' });
    await setUp(8);
    nl.write('posts/new.md', '# New\n\nnews\n');
    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => server.droppedAfterData.length >= 1, 'a message to stall');
    child.kill('SIGKILL');
    await io.exit;
    const rows = await recordRows(nl, 'new');
    const sending = rows.filter((r) => r.state === 'sending').length;
    const pending = rows.filter((r) => r.state === 'pending').length;
    expect(sending).toBeGreaterThanOrEqual(1);
    expect(sending + pending).toBe(8);

    const text = await herald(nl, ['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`pending ${pending}, deferred 0, in flight ${sending}`);
    const json = await herald(nl, ['status', '--json']);
    const post = (JSON.parse(json.stdout) as { posts: { id: string; counts: Record<string, number> }[] }).posts.find((p) => p.id === 'new')!;
    expect(post.counts.sending).toBe(sending);
    expect(post.counts.pending).toBe(pending);
  });
});
