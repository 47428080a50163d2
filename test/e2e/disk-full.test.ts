/**
 * The disk filling up in the middle of a send, on a real (tiny) file system: a tmpfs mounted for
 * the test, filled by the SMTP server's hook after a chosen message, so the moment is exact.
 * Mounting needs root (or CAP_SYS_ADMIN); where it is not allowed the tests skip, saying so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald, recordRows } from './helpers';

/** Mounts a tmpfs of `size` at `dir`; false when this machine does not let the tests mount. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    try {
      // still busy (a failed test left a process in it): detach it now, freed when it lets go
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      // not mounted
    }
  }
}

const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-mount-probe-'));
const canMount = mountTmpfs(probe, '64k');
unmount(probe);
fs.rmSync(probe, { recursive: true, force: true });
if (!canMount) console.warn('disk-full tests skipped: this machine does not allow mounting a tmpfs (needs root or CAP_SYS_ADMIN)');
const withMount = canMount ? describe : describe.skip;

/** Fills the file system holding `dir` to the last page, with one file that `free` removes. */
function fillDisk(dir: string): { free(): void } {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1 << 16, 4096, 512]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { free: () => fs.rmSync(file, { force: true }) };
}

withMount('the disk filling up during a send', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;
  let mount: string | undefined;

  afterEach(async () => {
    await server?.close();
    if (mount) unmount(mount);
    mount = undefined;
    nl?.remove();
  });

  const SUBSCRIBERS = 40;
  const CONNECTIONS = 2;

  test('a full state folder stops the run with a clear error; the record stays whole and the next run sends nobody twice', async () => {
    nl = makeNewsletter({
      config: { smtp: { ...FAST_SMTP, connections: CONNECTIONS } },
      posts: { 'old.md': '# Old\n\nfrom before\n' },
      subscribers: { 'list.csv': subscribersCsv(SUBSCRIBERS) },
    });
    mount = path.join(nl.root, 'tiny');
    fs.mkdirSync(mount);
    expect(mountTmpfs(mount, '4m')).toBe(true);
    nl.write('herald.config.json', JSON.stringify({ ...JSON.parse(nl.read('herald.config.json')), stateDir: 'tiny/state' }));
    let filler: { free(): void } | undefined;
    server = await startSmtpServer({
      onData: (_msg, n) => {
        if (n === 10) filler = fillDisk(mount!);
        return undefined;
      },
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0); // first run: the baseline
    nl.write('posts/new.md', '# New\n\ntext\n');

    const full = await herald(nl, ['send'], server);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/tiny\/state\/herald\.db: cannot write the record: the disk is full/);
    expect(full.stderr).toContain('Free some space, then run herald send again');
    expect(filler).toBeDefined();
    const before = server.messages.length;
    expect(before).toBeGreaterThanOrEqual(10);
    expect(before).toBeLessThan(SUBSCRIBERS);

    filler!.free();
    const db = new Database(path.join(mount, 'state', 'herald.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare(`SELECT email, state FROM deliveries WHERE post_id = 'new'`).all() as { email: string; state: string }[];
      expect(rows).toHaveLength(SUBSCRIBERS);
      expect(new Set(rows.map((r) => r.email)).size).toBe(SUBSCRIBERS);
      const received = copiesByRecipient(server);
      // recorded as sent only what the server has; what was in flight is still "sending"
      for (const r of rows) {
        expect(['pending', 'sending', 'sent']).toContain(r.state);
        if (r.state === 'sent') expect(received.get(r.email)).toBe(1);
      }
      expect(rows.filter((r) => r.state === 'sending').length).toBeLessThanOrEqual(CONNECTIONS);
    } finally {
      db.close();
    }

    const again = await herald(nl, ['send'], server);
    expect(again.stderr).not.toContain('disk is full');
    const copies = copiesByRecipient(server);
    expect(Math.max(...copies.values())).toBe(1);
    const after = await recordRows(nl, 'new');
    const inDoubt = after.filter((r) => r.state === 'in_doubt');
    // nobody skipped: everyone has the message, except the few in flight at the failure, which
    // are reported in doubt (the run says so and exits 1) for a person to decide
    expect(inDoubt.length).toBeLessThanOrEqual(CONNECTIONS);
    expect(again.code).toBe(inDoubt.length ? 1 : 0);
    for (const r of after) {
      if (r.state !== 'in_doubt') {
        expect(r.state).toBe('sent');
        expect(copies.get(r.email)).toBe(1);
      }
    }
  });

  test('a full subscribers folder stops the run before suppressed.csv is rewritten; the old file stays whole and the bounces are added later', async () => {
    nl = makeNewsletter({
      config: { smtp: { ...FAST_SMTP, connections: CONNECTIONS } },
      posts: { 'old.md': '# Old\n\nfrom before\n' },
    });
    mount = path.join(nl.root, 'subscribers');
    fs.mkdirSync(mount, { recursive: true });
    expect(mountTmpfs(mount, '256k')).toBe(true);
    const oldSuppressed = 'email,status,date,note\nold@example.com,unsubscribed,2026-01-01T00:00:00.000Z,asked by mail\n';
    nl.write('subscribers/list.csv', subscribersCsv(SUBSCRIBERS));
    nl.write('subscribers/suppressed.csv', oldSuppressed);
    const gone = ['sub0003@example.com', 'sub0007@example.com'];
    let filler: { free(): void } | undefined;
    server = await startSmtpServer({
      onRcpt: (address) => (gone.includes(address) ? '550 5.1.1 No such user' : undefined),
      onData: (_msg, n) => {
        if (n === 20) filler = fillDisk(mount!);
        return undefined;
      },
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    nl.write('posts/new.md', '# New\n\ntext\n');

    const full = await herald(nl, ['send'], server);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/subscribers\/suppressed\.csv: cannot write the suppression list: the disk is full/);
    expect(filler).toBeDefined();
    // the old list, byte for byte, and no half-written file beside it
    expect(nl.read('subscribers/suppressed.csv')).toBe(oldSuppressed);
    expect(fs.readdirSync(mount).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const rows = await recordRows(nl, 'new');
    expect(rows.filter((r) => r.state === 'failed').map((r) => r.email).sort()).toEqual(gone);
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(SUBSCRIBERS - gone.length);

    filler!.free();
    // the next run with something to send writes the bounces from the record before it reads the list
    nl.write('posts/newer.md', '# Newer\n\ntext\n');
    const again = await herald(nl, ['send'], server);
    expect(again.code).toBe(0);
    const suppressed = nl.read('subscribers/suppressed.csv');
    expect(suppressed.startsWith(oldSuppressed)).toBe(true);
    for (const address of gone) expect(suppressed).toContain(`${address},bounced,`);
    expect(server.messages).toHaveLength(2 * (SUBSCRIBERS - gone.length));
    expect(Math.max(...copiesByRecipient(server).values())).toBe(2); // one of each post
    expect((await recordRows(nl, 'newer')).map((r) => r.email)).not.toEqual(expect.arrayContaining([gone[0]]));
  });
});
