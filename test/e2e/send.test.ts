import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald, recordRows, treeHashes } from './helpers';

const SEED = fs.readFileSync(path.join(__dirname, '../fixtures/seed-post.md'));
const SEED_PATH = 'a-patch-long-applied-/-what-the-stack-trace-never-showed-/-it-was-in-the-logs.md';

const POSTS: Record<string, string | Buffer> = {
  '2026-01-10-yaml.md': '---\ntitle: "A YAML post"\nsummary: The preheader text\n---\nHello **YAML** readers. [Archive](/archive/)\n\n![Chart](img/chart.png)\n',
  'deep/nested/toml.md': '+++\ntitle = "A TOML post"\ndate = 2026-01-11T10:00:00Z\nslug = "toml-post"\n+++\nHello TOML readers.\n',
  'pelican.md': 'Title: A Pelican post\nDate: 2026-01-12\nSummary: Pelican summary\n\nHello Pelican readers.\n',
  'bare.md': '# A bare post\n\nNo metadata at all; {{ name }} stays literal.\n',
  'windows.md': Buffer.from('\uFEFF---\r\ntitle: A CRLF post\r\n---\r\nWritten on Windows.\r\n', 'utf8'),
  [SEED_PATH]: SEED,
};

describe('herald send, end to end through the CLI and a real SMTP server', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  function newsletter(subscribers = 'email,name\nada@example.com,Ada Lovelace\nalan@example.org,Alan Turing\ngrace@example.net,"Hopper, Grace"\n', config: Record<string, unknown> = {}): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, ...config },
      posts: { 'old.md': '---\ntitle: An old post\ndate: 2020-01-01\n---\nFrom before herald.\n' },
      subscribers: { 'list.csv': subscribers },
    });
  }

  test('the first run records existing posts as published and mails none of them', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/first run.*1 existing post was recorded as already published and not mailed/s);
    expect(res.stderr).toContain('herald send --include-existing');
    expect(server.messages).toHaveLength(0);
    const status = JSON.parse((await herald(nl, ['status', '--json'])).stdout);
    expect(status.posts[0]).toMatchObject({ id: 'old', status: 'baseline' });
  });

  test('naming an existing post on the first run sends it, and only it', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    nl.write('posts/other.md', '# Another old one\n\ntext\n');
    const res = await herald(nl, ['send', 'old'], server);
    expect(res.code).toBe(0);
    expect(server.messages.map((m) => m.parsed.subject)).toEqual(['An old post', 'An old post', 'An old post']);
  });

  test('--include-existing on the first run mails the existing posts', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    const res = await herald(nl, ['send', '--include-existing'], server);
    expect(res.code).toBe(0);
    expect(server.messages).toHaveLength(3);
  });

  test('new posts in every format are sent once to each subscriber, each alone in its envelope, and a second run sends nothing', async () => {
    server = await startSmtpServer();
    nl = newsletter(undefined, { floodGuard: 10 });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    for (const [file, content] of Object.entries(POSTS)) nl.write(path.join('posts', file), content);

    const res = await herald(nl, ['send'], server);
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/total: sent 18, failed 0, deferred 0, in doubt 0/);
    // not on a terminal: structured progress lines, with counts and never an address or a secret
    expect(res.stderr).toMatch(/^time=\S+ level=info event=post-end post=\S+ done=3 total=3 sent=3 failed=0/m);
    expect(res.stdout + res.stderr).not.toMatch(/@example\.(com|org|net)/);
    expect(res.stdout + res.stderr).not.toContain(server.url);
    expect(server.messages).toHaveLength(6 * 3);
    for (const m of server.messages) {
      expect(m.envelopeTo).toHaveLength(1);
      const to = m.parsed.to;
      const toList = Array.isArray(to) ? to : [to];
      expect(toList).toHaveLength(1);
      expect(toList[0]!.value).toHaveLength(1);
      expect(toList[0]!.value[0]!.address!.toLowerCase()).toBe(m.envelopeTo[0]!.toLowerCase());
      expect(m.parsed.cc).toBeUndefined();
      expect(m.parsed.bcc).toBeUndefined();
      expect(m.parsed.text).toBeTruthy();
      expect(m.parsed.html).toBeTruthy();
    }
    const subjects = new Set(server.messages.map((m) => m.parsed.subject));
    expect(subjects).toEqual(
      new Set(['A YAML post', 'A TOML post', 'A Pelican post', 'A bare post', 'A CRLF post', 'WebAssembly on the Server: A New Frontier in Our Ops Jungle']),
    );
    expect([...copiesByRecipient(server).values()]).toEqual([6, 6, 6]);

    const again = await herald(nl, ['send'], server);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to send');
    expect(server.messages).toHaveLength(18);
  });

  test('messages carry the list headers, a stable Message-ID, absolute links and literal post text', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/2026-01-10-yaml.md', POSTS['2026-01-10-yaml.md']!);
    nl.write('posts/bare.md', POSTS['bare.md']!);
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const yaml = server.messages.find((m) => m.parsed.subject === 'A YAML post' && m.envelopeTo[0] === 'ada@example.com')!;
    expect(String(yaml.raw)).toMatch(/^List-ID: Test Letter <test-letter\.blog\.example\.com>\r$/m);
    expect(String(yaml.raw)).toMatch(/List-Unsubscribe:\s*<https:\/\/blog\.example\.com\/unsubscribe\?token=[^>]+>,\s*<mailto:/);
    expect(String(yaml.raw)).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(yaml.parsed.messageId).toMatch(/^<[0-9a-f]{40}@example\.com>$/);
    expect(yaml.parsed.html).toContain('href="https://blog.example.com/archive/"');
    expect(yaml.parsed.html).toContain('src="https://blog.example.com/yaml/img/chart.png"');
    expect(yaml.parsed.html).toContain('The preheader text');
    expect(yaml.parsed.text).toContain('https://blog.example.com/unsubscribe?token=');
    const ids = server.messages.filter((m) => m.parsed.subject === 'A YAML post').map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(3);
    const bare = server.messages.find((m) => m.parsed.subject === 'A bare post')!;
    expect(bare.parsed.html).toContain('{{ name }} stays literal');
  });

  test('a 550 for one recipient fails only that one; the others are sent and the run exits non-zero', async () => {
    server = await startSmtpServer({ onRcpt: (addr) => (addr === 'alan@example.org' ? '550 5.1.1 No such user' : undefined) });
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# Fresh\n\nnews\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/sent 2, failed 1/);
    expect(server.messages.map((m) => m.envelopeTo[0]).sort()).toEqual(['ada@example.com', 'grace@example.net']);
    const rows = await recordRows(nl, 'new');
    const alan = rows.find((r) => r.email === 'alan@example.org')!;
    expect(alan.state).toBe('failed');
    expect(alan.reply).toContain('550 5.1.1 No such user');
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(2);
    const rerun = await herald(nl, ['send'], server);
    expect(rerun.code).toBe(0);
    expect(server.messages).toHaveLength(2);
  });

  test('--dry-run sends nothing, leaves the state folder byte-identical and writes a complete preview', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '---\ntitle: Preview me\n---\nBody text.\n');
    const before = treeHashes(path.join(nl.root, '.herald'));
    const res = await herald(nl, ['send', '--dry-run'], server);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('would send "Preview me" (posts/new.md) to 3 subscribers');
    expect(res.stdout).not.toContain('ada@example.com');
    expect(server.messages).toHaveLength(0);
    expect(server.connectionsOpened).toBe(0);
    const after = treeHashes(path.join(nl.root, '.herald'));
    for (const [file, hash] of Object.entries(before)) expect(after[file]).toBe(hash);
    expect(Object.keys(after).filter((f) => !f.startsWith('preview')).sort()).toEqual(Object.keys(before).filter((f) => !f.startsWith('preview')).sort());
    const eml = await simpleParser(fs.readFileSync(path.join(nl.root, '.herald/preview/new/message.eml')));
    expect(eml.subject).toBe('Preview me');
    expect(eml.html).toContain('Body text.');
    expect(eml.text).toContain('Body text.');
    expect(fs.readFileSync(path.join(nl.root, '.herald/preview/new/email.html'), 'utf8')).toContain('Preview me');
    const listed = await herald(nl, ['send', '--dry-run', '--show-recipients'], server);
    expect(listed.stdout).toContain('ada@example.com');
    const real = await herald(nl, ['send'], server);
    expect(real.code).toBe(0);
    expect(server.messages).toHaveLength(3);
  });

  test('a dry run before any run creates no record at all', async () => {
    nl = newsletter();
    const res = await herald(nl, ['send', '--dry-run', '--include-existing']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('would send "An old post"');
    expect(fs.existsSync(path.join(nl.root, '.herald/herald.db'))).toBe(false);
  });

  test('--to sends a marked test copy to one address and records nothing', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    const res = await herald(nl, ['send', 'old', '--to', 'me@example.com'], server);
    expect(res.code).toBe(0);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.envelopeTo).toEqual(['me@example.com']);
    expect(server.messages[0]!.parsed.subject).toBe('[test] An old post');
    expect(fs.existsSync(path.join(nl.root, '.herald/herald.db'))).toBe(false);
  });

  test('drafts never send and a future date waits', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/draft.md', '---\ntitle: Draft\ndraft: true\n---\nnot yet\n');
    nl.write('posts/later.md', '---\ntitle: Later\ndate: 2999-01-01\n---\nnot yet\n');
    nl.write('posts/private.md', '---\ntitle: Private\nnewsletter: false\n---\nweb only\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    expect(server.messages).toHaveLength(0);
    const named = await herald(nl, ['send', 'draft'], server);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('posts/draft.md: is a draft');
    expect(server.messages).toHaveLength(0);
  });

  test('a broken post is reported with its file and line and the others still go out', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/broken.md', '---\ntitle: [unclosed\n---\nbody\n');
    nl.write('posts/empty.md', '');
    nl.write('posts/notes.txt', 'not markdown');
    nl.write('posts/good.md', '# Good\n\nfine\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/posts\/broken\.md:\d+: YAML front matter is broken/);
    expect(res.stderr).toContain('posts/empty.md: is empty');
    expect(res.stderr).not.toContain('notes.txt');
    expect(server.messages.map((m) => m.parsed.subject)).toEqual(['Good', 'Good', 'Good']);
  });

  test('invalid and duplicate subscribers are reported by file and line; the rest get one copy each', async () => {
    server = await startSmtpServer();
    nl = newsletter('Email Address,Name,Status\nada@example.com,Ada,subscribed\n"x@example.com, y@example.com",Two,subscribed\nADA@EXAMPLE.COM,Ada again,subscribed\ngone@example.com,Gone,unsubscribed\nnot-an-address,Bad,subscribed\n');
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\ntext\n');
    const res = await herald(nl, ['send'], server);
    expect(res.stderr).toMatch(/subscribers\/list\.csv:3: .*more than one address/);
    expect(res.stderr).toMatch(/subscribers\/list\.csv:4: .*listed already at subscribers\/list\.csv:2/);
    expect(res.stderr).toMatch(/subscribers\/list\.csv:6: .*not a valid email address/);
    expect(server.messages.map((m) => m.envelopeTo[0])).toEqual(['ada@example.com']);
    expect(res.code).toBe(1);
  });

  test('an authentication failure aborts the run at once, marks nobody failed and prints no secret', async () => {
    server = await startSmtpServer({ auth: { user: 'herald', pass: 'right-password' } });
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\ntext\n');
    const url = server.url.replace('right-password', 'wrong-password');
    const res = await herald(nl, ['send'], server, { HERALD_SMTP_URL: url });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/authentication failed/i);
    expect(res.stderr + res.stdout).not.toContain('wrong-password');
    const rows = await recordRows(nl, 'new');
    expect(rows.every((r) => r.state === 'pending')).toBe(true);
    const ok = await herald(nl, ['send'], server);
    expect(ok.code).toBe(0);
    expect(server.messages).toHaveLength(3);
  });

  test('two runs at once: the second exits with a clear message and nobody gets two copies', async () => {
    server = await startSmtpServer({ dataDelayMs: 30 });
    nl = newsletter(subscribersCsv(60));
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '# New\n\ntext\n');
    const [a, b] = await Promise.all([herald(nl, ['send'], server), herald(nl, ['send'], server)]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 75]);
    expect((a.code === 75 ? a : b).stderr).toContain('another herald is already running here');
    expect(server.messages).toHaveLength(60);
    expect(Math.max(...copiesByRecipient(server).values())).toBe(1);
  });

  test('editing a post after it was sent does not send it again; a new file claiming its identity is refused', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await herald(nl, ['send'], server);
    nl.write('posts/new.md', '---\ntitle: Once\nslug: once\n---\nfirst version\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(3);
    nl.write('posts/new.md', '---\ntitle: Once (fixed typo)\nslug: once\n---\nsecond version, longer\n');
    nl.write('posts/old.md', '---\ntitle: An old post, edited\ndate: 2020-01-01\n---\nFrom before herald, edited.\n');
    const edited = await herald(nl, ['send'], server);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain('nothing to send');
    nl.write('posts/copy.md', '---\ntitle: Copy\nslug: once\n---\nsame identity\n');
    const dup = await herald(nl, ['send'], server);
    expect(dup.stderr).toMatch(/posts\/copy\.md: has the identity "once", as does posts\/new\.md/);
    expect(server.messages).toHaveLength(3);
  });

  test('herald check validates the folder and verifies the SMTP login', async () => {
    server = await startSmtpServer({ auth: { user: 'herald', pass: 'pw' } });
    nl = newsletter();
    const ok = await herald(nl, ['check'], server);
    expect(ok.stdout).toContain('everything checks out');
    expect(ok.code).toBe(0);
    const bad = await herald(nl, ['check'], server, { HERALD_SMTP_URL: server.url.replace(':pw@', ':nope@') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot use the SMTP server');
    expect(bad.stderr).not.toContain('nope');
  });
});
