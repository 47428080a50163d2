import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { spawnCli } from '../support/cli';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, heraldEnv } from './helpers';

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

  /** Holds the run lock from the test process, the way a running herald does. */
  function holdLock(root: string): { release(): void } {
    const dir = path.join(root, '.herald');
    fs.mkdirSync(dir, { recursive: true });
    const db = new Database(path.join(dir, 'herald.lock'));
    db.exec('BEGIN EXCLUSIVE');
    fs.writeFileSync(path.join(dir, 'herald.lock.json'), JSON.stringify({ pid: 1, host: 'test', command: 'send', since: '2026-01-01T00:00:00.000Z' }));
    return {
      release: () => {
        db.exec('ROLLBACK');
        db.close();
      },
    };
  }

  /** Starts `herald send --wait 600` and resolves once it says it is waiting for the lock. */
  async function waitingSend(): Promise<{ child: ReturnType<typeof spawnCli>; done: Promise<{ code: number | null; stderr: string }> }> {
    const child = spawnCli(['send', '--wait', '600', '--root', nl.root], { env: heraldEnv(server) });
    let stderr = '';
    let sawWait: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (sawWait = resolve));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('waiting up to 600 s for another herald to finish')) sawWait();
    });
    child.stdout!.resume();
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
    await Promise.race([waiting, done]);
    return { child, done };
  }

  test('a run waiting for the lock with --wait stops at once on SIGTERM, exit 75, having sent nothing', async () => {
    server = await startSmtpServer();
    nl = newsletter('.herald');
    await herald(nl, ['send'], server);
    nl.write('posts/b.md', '# B\n\ntext\n');
    const lock = holdLock(nl.root);
    try {
      const { child, done } = await waitingSend();
      child.kill('SIGTERM');
      const res = await done;
      expect(res.code).toBe(75);
      expect(res.stderr).toContain('stopped while waiting: another herald is already running here (herald send, pid 1 on test');
      expect(server.messages).toHaveLength(0);
    } finally {
      lock.release();
    }
  });

  test('a run waiting for the lock with --wait goes ahead when the other run ends', async () => {
    server = await startSmtpServer();
    nl = newsletter('.herald');
    await herald(nl, ['send'], server);
    nl.write('posts/b.md', '# B\n\ntext\n');
    const lock = holdLock(nl.root);
    const { done } = await waitingSend();
    lock.release();
    const res = await done;
    expect(res.code).toBe(0);
    expect(server.messages.map((m) => m.envelopeTo[0])).toEqual(['ada@example.com']);
  });
});
