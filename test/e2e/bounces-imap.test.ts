/**
 * `herald bounces --imap` against a real Dovecot on 127.0.0.1: every report read is moved to the
 * Processed folder (or flagged, when asked) only after it was acted on; a message that cannot be
 * read stays where it was, flagged, and is not read again; nothing is lost.
 */
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { DOVECOT_SKIP, dovecotInstalled, startDovecot, type TestImapServer } from '../support/dovecot';
import { sample, type SampleValues } from '../bounces/samples';
import { FAST_SMTP, herald } from './helpers';

const READERS = ['ann', 'bo', 'cy', 'di'].map((n) => `${n}@example.org`);
const imapTest = dovecotInstalled ? test : test.skip;

describe(`herald bounces --imap${dovecotInstalled ? '' : ` (${DOVECOT_SKIP})`}`, () => {
  let smtp: TestSmtpServer;
  let imap: TestImapServer | undefined;
  let nl: TempNewsletter;

  afterEach(async () => {
    await imap?.stop();
    imap = undefined;
    await smtp?.close();
    nl?.remove();
  });

  async function sent(): Promise<Map<string, SampleValues>> {
    smtp = await startSmtpServer();
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, bounces: { returnPath: 'bounces+{token}@example.com' } },
      posts: { 'old.md': '# Old\n\ntext\n' },
      subscribers: { 'list.csv': `email\n${READERS.join('\n')}\n` },
    });
    expect((await herald(nl, ['send'], smtp)).code).toBe(0);
    nl.write('posts/first.md', '# First\n\nHello.\n');
    expect((await herald(nl, ['send'], smtp)).code).toBe(0);
    return new Map(smtp.messages.map((m) => [m.envelopeTo[0]!, { RECIPIENT: m.envelopeTo[0]!, MESSAGE_ID: m.parsed.messageId!, RETURN_PATH: m.envelopeFrom, SUBJECT: m.parsed.subject }]));
  }

  imapTest('reports are acted on, then moved to Processed; an unreadable one stays flagged; a second run finds nothing new', async () => {
    const v = await sent();
    imap = await startDovecot({
      '1.eml': sample('postfix-hard', v.get('ann@example.org')!),
      '2.eml': sample('arf-complaint', v.get('bo@example.org')!),
      '3.eml': sample('vacation', v.get('cy@example.org')!),
      '4.eml': sample('malformed', v.get('di@example.org')!),
    });
    const env = { HERALD_BOUNCE_IMAP_URL: imap.url };
    const first = await herald(nl, ['bounces', '--imap'], undefined, env);
    expect(first.stdout).toContain('read 4 messages: 1 hard bounce, 0 soft bounces, 1 complaint; 2 addresses suppressed');
    expect(first.stdout).toContain('ignored: 1 auto-reply');
    expect(first.stderr).toContain('INBOX UID 4: skipped: not a mail message');
    expect(first.stderr).toContain('bounce mailbox INBOX: 3 moved to Processed, 1 left in place flagged $HeraldSkipped');
    expect(first.code).toBe(1);
    expect(imap.files('Processed')).toHaveLength(3);
    expect(imap.files()).toHaveLength(1);
    expect(nl.read('subscribers/suppressed.csv')).toMatch(/ann@example\.org,bounced,[\s\S]*bo@example\.org,complained,/);

    const second = await herald(nl, ['bounces', '--imap'], undefined, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('read 0 messages');
    expect(imap.files('Processed')).toHaveLength(3);
    expect(imap.files()).toHaveLength(1);
  }, 120_000);

  imapTest('with ?processed= (empty) messages stay in place, flagged, and are not read again', async () => {
    const v = await sent();
    imap = await startDovecot({ '1.eml': sample('gmail', v.get('cy@example.org')!) });
    const env = { HERALD_BOUNCE_IMAP_URL: `${imap.url}?processed=` };
    const first = await herald(nl, ['bounces', '--imap'], undefined, env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('read 1 message: 1 hard bounce');
    expect(first.stderr).toContain('1 flagged $HeraldProcessed');
    const second = await herald(nl, ['bounces', '--imap'], undefined, env);
    expect(second.stdout).toContain('read 0 messages');
    expect(imap.files()).toHaveLength(1);
  }, 120_000);

  imapTest('a wrong password is a clear error, and nothing is changed', async () => {
    await sent();
    imap = await startDovecot({});
    const res = await herald(nl, ['bounces', '--imap'], undefined, { HERALD_BOUNCE_IMAP_URL: imap.url.replace('test-password', 'wrong') });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cannot log in to the bounce mailbox at 127\.0\.0\.1:\d+/);
  }, 120_000);
});
