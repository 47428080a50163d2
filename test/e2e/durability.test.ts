import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RECORD_FILE, SendRecord } from '../../src/record/sqlite';
import { makeNewsletter, subscribersCsv, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald } from './helpers';

/** SQLite's file header: bytes 18 and 19 are 2 in WAL mode, 1 with a rollback journal. */
function journalOnDisk(file: string): 'wal' | 'rollback' {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  return header[18] === 2 && header[19] === 2 ? 'wal' : 'rollback';
}

describe('what the record promises about power cuts (see README: the record)', () => {
  test('a writable record runs in WAL mode with synchronous=FULL: every commit is fsynced', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-durable-'));
    try {
      const record = SendRecord.open(dir, { readonly: false })!;
      // the connection is private; the settings it runs with are the point of this test
      const db = (record as unknown as { db: { pragma(p: string, o: { simple: true }): unknown } }).db;
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      record.close();
      expect(journalOnDisk(path.join(dir, RECORD_FILE))).toBe('rollback');
      expect(fs.existsSync(path.join(dir, `${RECORD_FILE}-wal`))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('through the CLI', () => {
    let server: TestSmtpServer;
    let nl: TempNewsletter;
    afterEach(async () => {
      await server?.close();
      nl?.remove();
    });

    test('during a send the record on disk is in WAL mode, and between runs it is a single file', async () => {
      const seen: string[] = [];
      server = await startSmtpServer({
        onData: () => {
          const file = path.join(nl.root, '.herald', RECORD_FILE);
          seen.push(`${journalOnDisk(file)}${fs.existsSync(`${file}-wal`) ? '+wal-file' : ''}`);
          return undefined;
        },
      });
      nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'old.md': '# Old\n\nx\n' }, subscribers: { 'list.csv': subscribersCsv(3) } });
      await herald(nl, ['send'], server);
      nl.write('posts/new.md', '# New\n\ntext\n');
      expect((await herald(nl, ['send'], server)).code).toBe(0);
      expect(seen).toEqual(['wal+wal-file', 'wal+wal-file', 'wal+wal-file']);
      expect(journalOnDisk(path.join(nl.root, '.herald', RECORD_FILE))).toBe('rollback');
      expect(fs.readdirSync(path.join(nl.root, '.herald')).filter((f) => f.startsWith(RECORD_FILE))).toEqual([RECORD_FILE]);
    });
  });
});
