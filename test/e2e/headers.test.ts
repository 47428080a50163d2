import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_PATH } from '../support/cli';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, heraldEnv } from './helpers';
import { decodePhrase, decodeText, readHeaderSection, readMailbox } from './strict-headers';

const SUBSCRIBERS = { 'list.csv': 'email,name\nada@example.com,Ada Lovelace\nalan@example.org,Alan Turing\n' };

describe('settings that reach a header', () => {
  let nl: TempNewsletter;
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    nl?.remove();
  });

  async function refused(config: Record<string, unknown>, setting: string, env: Record<string, string> = {}): Promise<string> {
    server = await startSmtpServer();
    nl = makeNewsletter({ config: { smtp: FAST_SMTP, ...config }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: SUBSCRIBERS });
    const check = await herald(nl, ['check', '--no-smtp'], undefined, env);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(setting);
    const send = await herald(nl, ['send', '--include-existing'], server, env);
    expect(send.code).toBe(2);
    expect(server.messages).toHaveLength(0);
    return check.stderr;
  }

  test('a replyTo with a line break and a Bcc line is refused by check and send, naming the setting and the file; nothing is sent', async () => {
    const stderr = await refused({ replyTo: 'Editor <ed@example.com>\r\nBcc: everyone@attacker.example' }, 'replyTo: ');
    expect(stderr).toContain('herald.config.json');
    expect(stderr).toContain('contains a line break or another control character');
  });

  test('a replyTo holding two addresses is refused: Reply-To carries one address', async () => {
    const stderr = await refused({ replyTo: 'ed@example.com, other@attacker.example' }, 'replyTo: ');
    expect(stderr).toContain('more than one address');
  });

  test('a listId with a line break is refused by check and send, naming the setting', async () => {
    await refused({ listId: 'News <news.example.com>\nBcc: everyone@attacker.example' }, 'listId: ');
  });

  test('a listId that is not "Name <id>" is refused with the form to write', async () => {
    const stderr = await refused({ listId: 'My list <not an id>' }, 'listId: ');
    expect(stderr).toContain('write "Name <list.example.com>"');
  });

  test('a name, subject or unsubscribe.mailto with a control character is refused, each named', async () => {
    const stderr = await refused({ name: 'News\u0000letter', subject: '{{title}}\r\nBcc: x@attacker.example', unsubscribe: { mailto: 'u@example.com\nBcc: x@attacker.example' } }, 'name: ');
    expect(stderr).toContain('subject: ');
    expect(stderr).toContain('unsubscribe.mailto: ');
  });

  test('HERALD_FROM with a line break is refused as strictly as "from", naming HERALD_FROM', async () => {
    const stderr = await refused({}, 'HERALD_FROM: ', { HERALD_FROM: 'News <news@example.com>\nBcc: everyone@attacker.example' });
    expect(stderr).toContain('control character');
  });

  test('HERALD_FROM with two addresses is refused', async () => {
    await refused({}, 'HERALD_FROM: ', { HERALD_FROM: 'news@example.com,everyone@attacker.example' });
  });

  test('the usual forms of the settings keep working', async () => {
    nl = makeNewsletter({
      config: { from: '"The Dispatch, Weekly" <news@example.com>', replyTo: 'Editor <ed@example.com>', listId: 'The Dispatch <dispatch.example.com>', unsubscribe: { mailto: 'leave@example.com' }, name: 'Le Café — Dépêche' },
      posts: { 'a.md': '# A\n\ntext\n' },
      subscribers: SUBSCRIBERS,
    });
    const res = await herald(nl, ['check', '--no-smtp']);
    // bulk-sender readiness (no one-click URL, no DKIM, no postal address) is warned about, nothing else
    expect(res.stderr.split('\n').filter((l) => /^(error|warning)/.test(l) && !/one-click unsubscribe|not DKIM-signed|no postal address/.test(l))).toEqual([]);
    expect(res.code).toBe(0);
  });
});

describe('what reaches a header arrives as valid RFC 5322 / RFC 2047 ASCII', () => {
  let nl: TempNewsletter;
  let server: TestSmtpServer;
  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  test('a line break and a Bcc line in a title reach Subject as spaces: no extra header, one recipient (a NUL makes discovery refuse the post)', async () => {
    server = await startSmtpServer({ smtputf8: false });
    // the escapes are YAML's: the file is plain text, the title holds the control characters
    const title = '"Hello\\tWorld\\r\\nBcc: everyone@attacker.example\\n!"';
    nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'a.md': `---\ntitle: ${title}\n---\ntext\n` }, subscribers: SUBSCRIBERS });
    const res = await herald(nl, ['send', '--include-existing'], server);
    expect(res.code).toBe(0);
    expect(server.messages).toHaveLength(2);
    for (const message of server.messages) {
      const fields = readHeaderSection(message.raw);
      expect(fields.filter((f) => /^(bcc|cc)$/i.test(f.name))).toEqual([]);
      const subjects = fields.filter((f) => f.name === 'Subject');
      expect(subjects).toHaveLength(1);
      expect(decodeText(subjects[0]!.value)).toBe('Hello World Bcc: everyone@attacker.example !');
      expect(message.envelopeTo).toHaveLength(1);
      expect(readMailbox(fields.find((f) => f.name === 'To')!.value).address).toBe(message.envelopeTo[0]);
    }
  });

  test('a non-ASCII newsletter name goes out as encoded-words in List-ID to a server without SMTPUTF8 or 8BITMIME', async () => {
    server = await startSmtpServer({ smtputf8: false, eightBitMime: false });
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, name: 'Le Café Crème — Dépêche', from: 'Le Café Crème — Dépêche <news@example.com>', replyTo: 'Rédaction <ed@example.com>', subject: '{{newsletter_name}}: {{title}}' },
      posts: { 'a.md': '# Été\n\ntext\n' },
      subscribers: SUBSCRIBERS,
    });
    const res = await herald(nl, ['send', '--include-existing'], server);
    expect(res.code).toBe(0);
    expect(server.messages).toHaveLength(2);
    for (const message of server.messages) {
      const fields = readHeaderSection(message.raw); // throws on any byte outside ASCII
      const value = (name: string): string => fields.find((f) => f.name.toLowerCase() === name)!.value;
      const listId = /^(.*) <(le-caf-cr-me-d-p-che\.blog\.example\.com)>$/.exec(value('list-id'));
      expect(listId).not.toBeNull();
      expect(decodePhrase(listId![1]!)).toBe('Le Café Crème — Dépêche');
      expect(readMailbox(value('from'))).toEqual({ name: 'Le Café Crème — Dépêche', address: 'news@example.com' });
      expect(readMailbox(value('reply-to'))).toEqual({ name: 'Rédaction', address: 'ed@example.com' });
      expect(decodeText(value('subject'))).toBe('Le Café Crème — Dépêche: Été');
      // the post id is the campaign, the List-Id's identifier the list, the From domain the sender
      expect(value('feedback-id')).toBe('a:le-caf-cr-me-d-p-che.blog.example.com:newsletter:example.com');
    }
  });

  test('Feedback-ID: configured campaign, list and sender parts; a post id outside ASCII becomes a valid part; it can be turned off', async () => {
    server = await startSmtpServer({ smtputf8: false });
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, feedbackId: { campaign: 'weekly-{{id}}', list: 'dispatch', sender: 'herald-news' } },
      posts: { '2026/été à Paris.md': '# Été\n\ntext\n' },
      subscribers: SUBSCRIBERS,
    });
    expect((await herald(nl, ['send', '--include-existing'], server)).code).toBe(0);
    for (const message of server.messages) {
      const fields = readHeaderSection(message.raw);
      expect(fields.filter((f) => f.name === 'Feedback-ID').map((f) => f.value)).toEqual(['weekly-2026-t-Paris:dispatch:newsletter:herald-news']);
    }
    nl.write('herald.config.json', JSON.stringify({ ...JSON.parse(nl.read('herald.config.json')), feedbackId: { enabled: false } }));
    nl.write('posts/b.md', '# B\n\ntext\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const later = server.messages.filter((m) => m.parsed.subject === 'B');
    expect(later).toHaveLength(2);
    for (const message of later) expect(readHeaderSection(message.raw).some((f) => f.name === 'Feedback-ID')).toBe(false);
  });

  test('a Feedback-ID part with a colon or a non-ASCII letter is refused by check, naming the setting', async () => {
    nl = makeNewsletter({ config: { feedbackId: { list: 'news:letter', sender: 'café' } }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: SUBSCRIBERS });
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('feedbackId.list: feedbackId.list may hold only ASCII letters');
    expect(res.stderr).toContain('feedbackId.sender:');
  });

  test('a plain-ASCII name keeps its List-ID exactly as before', async () => {
    server = await startSmtpServer({ smtputf8: false });
    nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: SUBSCRIBERS });
    expect((await herald(nl, ['send', '--include-existing'], server)).code).toBe(0);
    expect(server.messages[0]!.raw.toString('latin1')).toContain('\r\nList-ID: Test Letter <test-letter.blog.example.com>\r\n');
  });
});

describe('the schedule settings', () => {
  let nl: TempNewsletter;
  afterEach(() => nl?.remove());

  test('check refuses a cron minute of 61, naming schedule.cron and the file', async () => {
    nl = makeNewsletter({ config: { schedule: { cron: '61 * * * *' } }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: SUBSCRIBERS });
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/herald\.config\.json: schedule\.cron "61 \* \* \* \*" is not a cron expression: minute/);
  });

  test('check and schedule refuse a time zone that does not exist, naming schedule.timezone', async () => {
    nl = makeNewsletter({ config: { schedule: { cron: '*/10 * * * *', timezone: 'Mars/Olympus_Mons' } }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: SUBSCRIBERS });
    const check = await herald(nl, ['check', '--no-smtp']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('herald.config.json: schedule.timezone "Mars/Olympus_Mons" is not a time zone');
    const schedule = await herald(nl, ['schedule']);
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toContain('schedule.timezone "Mars/Olympus_Mons" is not a time zone');
  });

  test('an idle send does not load node-cron', async () => {
    nl = makeNewsletter({ config: { schedule: { cron: '*/10 * * * *' } }, posts: { 'a.md': '# A\n\ntext\n' }, subscribers: SUBSCRIBERS });
    const server = await startSmtpServer();
    try {
      expect((await herald(nl, ['send'], server)).code).toBe(0); // the first run records the post as published
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-modules-'));
      const hook = path.join(dir, 'hook.js');
      const list = path.join(dir, 'modules.json');
      fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
      execFileSync(process.execPath, ['--require', hook, CLI_PATH, 'send', '--root', nl.root], { env: Object.fromEntries(Object.entries({ ...process.env, ...heraldEnv(server) }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv, stdio: 'ignore' });
      const modules = JSON.parse(fs.readFileSync(list, 'utf8')) as string[];
      fs.rmSync(dir, { recursive: true, force: true });
      expect(modules.some((m) => m.includes(`${path.sep}dist${path.sep}cli.js`))).toBe(true);
      expect(modules.filter((m) => m.includes('node-cron'))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
