/**
 * Bounces and complaints through the built CLI: a send whose messages leave with VERP return
 * paths, a mailbox of reports shaped like each server's, read from a Maildir, an mbox and standard
 * input; forged, duplicate, malformed and auto-reply messages; the policy's suppressions, the
 * record's notes, `unsuppress`, and the next send, which skips every suppressed address.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, spawnCli } from '../support/cli';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { returnPathFor } from '../../src/bounces/verp';
import { sample, type SampleValues } from '../bounces/samples';
import { FAST_SMTP, SECRET, fileHash, herald, heraldEnv, output, recordRows, until } from './helpers';

const READERS = ['ann', 'bo', 'cy', 'di', 'ed', 'fay', 'gus', 'hal'].map((n) => `${n}@example.org`);
const PATTERN = 'bounces+{token}@example.com';
const ROTATED = 'a-rotated-secret-0123456789abcdef';

describe('herald bounces', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;
  let mail: string;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
    if (mail) fs.rmSync(mail, { recursive: true, force: true });
  });

  function newsletter(config: Record<string, unknown> = {}): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, bounces: { returnPath: PATTERN }, ...config },
      posts: { 'old.md': '# Old\n\nFrom before herald.\n' },
      subscribers: { 'list.csv': `email\n${READERS.join('\n')}\n` },
    });
  }

  /** Sends one new post to everyone and returns what each reader's delivery looked like on the wire. */
  async function sendPost(slug: string): Promise<Map<string, SampleValues>> {
    nl.write(`posts/${slug}.md`, `# Post ${slug}\n\nText of ${slug}.\n`);
    const before = server.messages.length;
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    const out = new Map<string, SampleValues>();
    for (const m of server.messages.slice(before)) {
      out.set(m.envelopeTo[0]!, { RECIPIENT: m.envelopeTo[0]!, MESSAGE_ID: m.parsed.messageId!, RETURN_PATH: m.envelopeFrom, SUBJECT: m.parsed.subject });
    }
    return out;
  }

  function maildir(files: Record<string, Buffer>): string {
    const dir = path.join(mail, `Maildir-${Object.keys(files).length}-${Math.random().toString(36).slice(2)}`);
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    for (const [name, raw] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'new', name), raw);
    return dir;
  }

  function suppressed(): Map<string, string> {
    const file = path.join(nl.root, 'subscribers/suppressed.csv');
    if (!fs.existsSync(file)) return new Map();
    const rows = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
    return new Map(rows.map((r) => [r.split(',')[0]!, r]));
  }

  test('each message leaves with its own signed return path, and reports from a Maildir suppress only genuine bounces and complaints', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    mail = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bounces-'));
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const sent = await sendPost('first');
    expect(sent.size).toBe(READERS.length);
    const paths = [...sent.values()].map((v) => v.RETURN_PATH);
    for (const p of paths) expect(p).toMatch(/^bounces\+[0-9a-f]{24}-[0-9a-f]{16}@example\.com$/);
    expect(new Set(paths).size).toBe(READERS.length);
    const v = (name: string): SampleValues => sent.get(`${name}@example.org`)!;
    const forgedPath = returnPathFor(PATTERN, v('fay').MESSAGE_ID, 'not-the-secret');

    const box = maildir({
      '01-postfix': sample('postfix-hard', v('ann')),
      '02-gmail': sample('gmail', v('bo')),
      '03-arf': sample('arf-complaint', v('cy')),
      '04-soft': sample('postfix-soft', v('di')),
      '05-blocked': sample('sender-blocked', v('ed')),
      '06-vacation': sample('vacation', v('fay')),
      '07-autoreply': sample('autoreply-exchange', v('fay')),
      '08-challenge': sample('challenge', v('fay')),
      '09-malformed': sample('malformed', v('fay')),
      // a forged bounce: a token signed with another secret, and a Message-ID herald never sent
      '10-forged': sample('postfix-hard', { ...v('fay'), RETURN_PATH: forgedPath, MESSAGE_ID: '<0000000000000000000000000000000000000000@example.com>' }),
      // a Message-ID herald sent, but to someone else than the address the bounce names
      '11-forged-id': sample('plain-quoted', { ...v('ann'), RECIPIENT: 'fay@example.org' }),
      // no token (a server that rewrote the envelope): matched by the recorded Message-ID and address
      '12-plain': sample('plain-quoted', v('gus')),
      '13-exchange': sample('exchange', v('hal')),
    });
    const first = await herald(nl, ['bounces', '--maildir', box]);
    expect(first.stdout).toContain('read 13 messages: 4 hard bounces, 1 soft bounce, 1 complaint; 5 addresses suppressed');
    expect(first.stdout).toContain('ignored: 2 auto-replies, 1 challenge, 2 reports matching no delivery herald made');
    expect(first.stderr).toMatch(/warning: ed@example\.org's server refused the sender \(5\.7\.1: .*spamhaus/);
    expect(first.stderr).toMatch(/09-malformed: skipped: not a mail message/);
    expect(first.code).toBe(1);

    const list = suppressed();
    expect([...list.keys()].sort()).toEqual(['ann@example.org', 'bo@example.org', 'cy@example.org', 'gus@example.org', 'hal@example.org']);
    expect(list.get('ann@example.org')).toMatch(/^ann@example\.org,bounced,2026-11-30T09:15:02Z,"?hard bounce 5\.1\.1/);
    expect(list.get('bo@example.org')).toMatch(/,bounced,.*hard bounce 5\.1\.1/);
    expect(list.get('cy@example.org')).toMatch(/,complained,2026-11-30T10:20:00Z,"?complaint/);
    expect(list.get('gus@example.org')).toMatch(/,bounced,/);
    for (const kept of ['di', 'ed', 'fay']) expect(list.has(`${kept}@example.org`)).toBe(false);

    // the record notes each on the delivery row, and herald log shows it
    const rows = (await recordRows(nl, 'first')) as (Awaited<ReturnType<typeof recordRows>>[number] & { feedback: string | null })[];
    expect(rows.find((r) => r.email === 'ann@example.org')).toMatchObject({ feedback: 'hard bounce 5.1.1 2026-11-30T09:15:02Z' });
    expect(rows.find((r) => r.email === 'cy@example.org')).toMatchObject({ feedback: 'complained 2026-11-30T10:20:00Z' });
    expect(rows.find((r) => r.email === 'fay@example.org')!.feedback).toBeNull();
    const log = await herald(nl, ['log', '--post', 'first']);
    expect(log.stdout).toMatch(/ann@example\.org .*\[hard bounce 5\.1\.1 2026-11-30T09:15:02Z\]/);

    // the raw reports that changed something are kept
    expect(fs.readdirSync(path.join(nl.root, '.herald/bounces/reports')).length).toBe(7);

    // herald status: per post, bounced (hard/soft), complained, and a complaint rate far above 0.3%
    const status = await herald(nl, ['status', '--json']);
    expect(status.code).toBe(1);
    const post = JSON.parse(status.stdout).posts.find((p: { id: string }) => p.id === 'first');
    expect(post.feedback).toEqual({ bounced: { hard: 4, soft: 1 }, complained: 1, senderRefused: 1, complaintRate: 0.125, level: 'error' });
    const text = await herald(nl, ['status']);
    expect(text.stdout).toContain('bounced 5 (hard 4, soft 1), complained 1 (12.50% of sent), sender refused by 1');
    expect(text.stderr).toContain('error: first: complaint rate 12.50% is above 0.3%');

    // the same mailbox again changes nothing
    const listHash = fileHash(path.join(nl.root, 'subscribers/suppressed.csv'));
    const again = await herald(nl, ['bounces', '--maildir', box]);
    expect(again.stdout).toContain('read 13 messages: 0 hard bounces, 0 soft bounces, 0 complaints; 0 addresses suppressed');
    expect(again.stdout).toContain('7 reports already processed');
    expect(fileHash(path.join(nl.root, 'subscribers/suppressed.csv'))).toBe(listHash);

    // and so does the same mailbox as an mbox file
    const mbox = path.join(mail, 'bounces.mbox');
    fs.writeFileSync(mbox, fs.readdirSync(path.join(box, 'new')).sort().map((f) => {
      const text = fs.readFileSync(path.join(box, 'new', f), 'latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
      return `From MAILER-DAEMON Mon Nov 30 09:15:02 2026\n${text}\n`;
    }).join(''));
    const fromMbox = await herald(nl, ['bounces', '--mbox', mbox, '--json']);
    const tally = JSON.parse(fromMbox.stdout);
    expect(tally).toMatchObject({ read: 13, hard: 0, soft: 0, complaints: 0, suppressed: 0, duplicates: 7, autoReplies: 2, challenges: 1, unmatched: 2 });
    expect(tally.skipped).toEqual([{ source: expect.stringMatching(/bounces\.mbox:\d+$/), reason: 'not a mail message (no header block)' }]);
    expect(fileHash(path.join(nl.root, 'subscribers/suppressed.csv'))).toBe(listHash);
  }, 120_000);

  test('soft bounces suppress at the third within 30 days, over --stdin, and tokens still verify after a secret rotation; unsuppress explains, and the next send skips the suppressed', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    mail = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bounces-'));
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const sent = await sendPost('first');
    const di = sent.get('di@example.org')!;
    const stdin = (raw: Buffer, env: Record<string, string | undefined> = {}) =>
      runCli(['bounces', '--stdin', '--root', nl.root], { env: heraldEnv(undefined, { HERALD_NOW: '2026-11-30T12:00:00Z', ...env }), input: raw.toString('latin1'), timeoutMs: 60_000 });
    // three reports of a full mailbox, two days apart; the first is too old to count
    const soft = (date: string, n: number) => Buffer.from(sample('postfix-soft', di).toString('latin1').replace(/^Date: .*$/m, `Date: ${date}`).replace(/^Message-Id: <2026/m, `Message-Id: <${n}-2026`), 'latin1');
    let res = await stdin(soft('Mon, 19 Oct 2026 09:20:02 +0000', 1));
    expect(res.stdout).toContain('1 soft bounce, 0 complaints; 0 addresses suppressed');
    res = await stdin(soft('Thu, 26 Nov 2026 09:20:02 +0000', 2));
    expect(res.stdout).toContain('1 soft bounce, 0 complaints; 0 addresses suppressed');
    // the secret rotated in between: the token signed with the old one still counts
    res = await stdin(soft('Sat, 28 Nov 2026 09:20:02 +0000', 3), { HERALD_SECRET: ROTATED, HERALD_SECRET_PREVIOUS: SECRET });
    expect(res.stdout).toContain('1 soft bounce, 0 complaints; 0 addresses suppressed');
    res = await stdin(soft('Sun, 29 Nov 2026 09:20:02 +0000', 4));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('1 soft bounce, 0 complaints; 1 address suppressed');
    expect(suppressed().get('di@example.org')).toMatch(/,bounced,2026-11-29T09:20:02Z,"?3 soft bounces within 30 days, the last 4\.2\.2/);
    // the same message piped twice (Postfix retrying) changes nothing
    res = await stdin(soft('Sun, 29 Nov 2026 09:20:02 +0000', 4));
    expect(res.stdout).toContain('ignored: 1 report already processed');

    const hard = await stdin(sample('exim', sent.get('ann@example.org')!));
    expect(hard.stdout).toContain('1 hard bounce');
    const complaint = await stdin(sample('arf-complaint', sent.get('bo@example.org')!));
    expect(complaint.stdout).toContain('1 complaint');

    const undo = await herald(nl, ['subscribers', 'unsuppress', 'ann@example.org']);
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(/ann@example\.org was suppressed as bounced on 2026-11-30T09:31:44Z: hard bounce 5\.1\.1: 550 5\.1\.1 No such user here \(post first, report [0-9a-f]{32}\.eml\)/);
    expect(undo.stdout).toMatch(/hard\s+5\.1\.1\s+post first/);
    expect(suppressed().has('ann@example.org')).toBe(false);

    // a fault of herald's own while a piped message is read: 75, so the mail server keeps it and retries
    const db = path.join(nl.root, '.herald/herald.db');
    const saved = fs.readFileSync(db);
    fs.writeFileSync(db, 'this is not a database');
    const fault = await stdin(sample('gmail', sent.get('ed@example.org')!));
    expect(fault.code).toBe(75);
    expect(fault.stderr).toContain('exit 75 asks the mail server to deliver it again later');
    fs.writeFileSync(db, saved);
    expect(suppressed().has('ed@example.org')).toBe(false);

    const next = await sendPost('second');
    expect([...next.keys()].sort()).toEqual(READERS.filter((r) => !['di@example.org', 'bo@example.org'].includes(r)).sort());
  }, 120_000);

  test('herald schedule runs bounces on its own cron expression, and stops cleanly', async () => {
    server = await startSmtpServer();
    mail = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bounces-'));
    nl = newsletter({ schedule: { cron: '0 0 1 1 *' }, bounces: { returnPath: PATTERN, schedule: { cron: '* * * * * *', maildir: path.join(mail, 'Scheduled') } } });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const sent = await sendPost('first');
    const dir = path.join(mail, 'Scheduled');
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, 'new', '1'), sample('gmail', sent.get('ed@example.org')!));
    const child = spawnCli(['schedule', '--root', nl.root], { env: heraldEnv(server) });
    const io = output(child);
    await until(() => /event=bounces-tick code=0 summary="read 1 message: 1 hard bounce/.test(io.stderr()), 'a bounces tick');
    await until(() => (io.stderr().match(/event=bounces-tick /g) ?? []).length >= 2, 'a second bounces tick');
    child.kill('SIGTERM');
    expect(await io.exit).toBe(0);
    expect(io.stderr()).toContain('event=bounces-schedule-start');
    expect(io.stderr()).toMatch(/event=bounces-tick code=0 summary="read 1 message: 0 hard bounces.*1 report already processed/);
    expect([...suppressed().keys()]).toEqual(['ed@example.org']);
  }, 120_000);

  test('without VERP the envelope sender is From, and reports are matched by the recorded Message-ID', async () => {
    server = await startSmtpServer();
    nl = newsletter({ bounces: { maxReportBytes: 4096 } });
    mail = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bounces-'));
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const sent = await sendPost('first');
    expect(new Set([...sent.values()].map((v) => v.RETURN_PATH))).toEqual(new Set(['news@example.com']));
    const huge = Buffer.concat([sample('gmail', sent.get('cy@example.org')!), Buffer.alloc(5000, 'x')]);
    const box = maildir({ a: sample('yahoo', sent.get('ann@example.org')!), c: huge, b: sample('postfix-hard', { ...sent.get('bo@example.org')!, MESSAGE_ID: '<ffffffffffffffffffffffffffffffffffffffff@example.com>' }) });
    const res = await herald(nl, ['bounces', '--maildir', box]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/new\/c: skipped: larger than 4096 bytes \(bounces\.maxReportBytes\); not read/);
    expect(res.stdout).toContain('read 3 messages: 1 hard bounce, 0 soft bounces, 0 complaints; 1 address suppressed');
    expect(res.stdout).toContain('1 report matching no delivery herald made');
    expect([...suppressed().keys()]).toEqual(['ann@example.org']);
  }, 120_000);
});
