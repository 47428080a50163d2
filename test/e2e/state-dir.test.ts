import fs from 'node:fs';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald } from './helpers';

const onLinux = fs.existsSync('/proc/self') ? test : test.skip;

describe('a state folder herald cannot create or write is a settings error, never a hang', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  function newsletter(stateDir: string): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, stateDir, schedule: { cron: '0 0 1 1 *' } },
      posts: { 'a.md': '# A\n\ntext\n' },
      subscribers: { 'list.csv': 'email\nada@example.com\n' },
    });
  }

  // before, Node's recursive mkdir retried this forever at 100% CPU, deaf to SIGTERM
  onLinux('send with a stateDir under /proc exits 2 naming the folder and the setting', async () => {
    server = await startSmtpServer();
    nl = newsletter('/proc/herald-nope');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('the folder /proc/herald-nope (stateDir) cannot be created or written: a parent folder does not exist or takes no new folders');
    expect(res.stderr).toContain('Set stateDir in herald.config.json');
    expect(server.messages).toHaveLength(0);
  });

  onLinux('a dry run whose preview folder is under /proc exits 2 naming the folder', async () => {
    nl = newsletter('/proc/herald-nope');
    const res = await herald(nl, ['send', '--dry-run', '--include-existing']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('cannot create the preview folder /proc/herald-nope/preview/a');
    expect(res.stderr).toContain('Set previewDir (or stateDir');
  });

  onLinux('schedule with a stateDir under /proc refuses to start, with the same message', async () => {
    nl = newsletter('/proc/herald-nope');
    const res = await herald(nl, ['schedule']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('/proc/herald-nope (stateDir) cannot be created or written');
  });

  test('a stateDir whose path runs through a file is a settings error, and the file is left alone', async () => {
    server = await startSmtpServer();
    nl = newsletter('not-a-folder/state');
    nl.write('not-a-folder', 'keep me\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`the folder ${nl.root}/not-a-folder/state (stateDir) cannot be created or written: part of the path is a file`);
    expect(nl.read('not-a-folder')).toBe('keep me\n');
  });
});
