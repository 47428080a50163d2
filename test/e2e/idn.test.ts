/**
 * Internationalised domains through the built CLI and a real SMTP server: one mailbox written with
 * its Unicode domain and with its punycode domain is one subscriber, and a record written before
 * domains were keyed in ASCII keeps its promise (its open rows are sent once, not skipped).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, recordRows } from './helpers';

let server: TestSmtpServer;
let nl: TempNewsletter;

afterEach(async () => {
  await server?.close();
  nl?.remove();
});

test('user@bücher.example and user@xn--bcher-kva.example get one copy between them, addressed as the first row wrote it', async () => {
  server = await startSmtpServer();
  nl = makeNewsletter({
    config: { smtp: FAST_SMTP },
    posts: { 'old.md': '# Old\n\nold\n' },
    subscribers: { 'a.csv': 'email,name\nann@example.com,Ann\nuser@bücher.example,U\n', 'b.csv': 'email\nuser@xn--bcher-kva.example\n' },
  });
  expect((await herald(nl, ['send'], server)).code).toBe(0);
  nl.write('posts/new.md', '# New\n\nnews\n');
  const res = await herald(nl, ['send'], server);
  expect(res.code).toBe(0);
  expect(res.stderr).toContain('subscribers/b.csv:2');
  expect(server.messages.map((m) => m.envelopeTo).sort()).toEqual([['ann@example.com'], ['user@bücher.example']]);
  const rows = await recordRows(nl, 'new');
  expect(rows.map((r) => r.key).sort()).toEqual(['ann@example.com', 'user@xn--bcher-kva.example']);
});

test('a row an older herald queued under the Unicode key is sent once by the next run, not skipped', async () => {
  server = await startSmtpServer();
  const config = { smtp: { ...FAST_SMTP, maxPerRun: 1 } };
  nl = makeNewsletter({ config, posts: { 'old.md': '# Old\n\nold\n' }, subscribers: { 'list.csv': 'email\nann@example.com\nuser@bücher.example\n' } });
  expect((await herald(nl, ['send'], server)).code).toBe(0);
  nl.write('posts/new.md', '# New\n\nnews\n');
  await herald(nl, ['send'], server); // the per-run limit leaves the second subscriber pending
  expect(server.messages).toHaveLength(1);
  // what the record of an earlier version holds: the address lower-cased as written
  const db = new Database(path.join(nl.root, '.herald', 'herald.db'));
  try {
    expect(db.prepare(`UPDATE deliveries SET email_key = 'user@bücher.example' WHERE email_key = 'user@xn--bcher-kva.example' AND state = 'pending'`).run().changes).toBe(1);
  } finally {
    db.close();
  }
  nl.write('herald.config.json', JSON.stringify({ ...JSON.parse(nl.read('herald.config.json')), smtp: FAST_SMTP }));
  expect((await herald(nl, ['send'], server)).code).toBe(0);
  expect(server.messagesTo('user@bücher.example')).toHaveLength(1);
  const row = (await recordRows(nl, 'new')).find((r) => r.email === 'user@bücher.example')!;
  expect(row).toMatchObject({ key: 'user@bücher.example', state: 'sent' });
  expect((await herald(nl, ['send'], server)).code).toBe(0);
  expect(server.messages).toHaveLength(2);
});
