/**
 * The list as files: add appends atomically in the file's own layout and is read back by
 * discovery; remove and every unsubscribe land on the suppression list, which discovery excludes;
 * list and export count and show everyone; and several processes changing the list at once lose
 * nothing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverSubscribers } from '../../src/subscribers/read';
import { HeraldError } from '../../src/errors';
import { writeFileAtomic } from '../../src/subscribers/atomic-write';
import { countByStatus, exportLines, readList } from '../../src/subscribers/export';
import { EXCLUDED_STATUSES, SUPPRESSION_REASONS } from '../../src/subscribers/status';
import { addSubscriber, removeSubscriber } from '../../src/subscribers/store';
import { addSuppressions, isSuppressed, readSuppressions, removeSuppression } from '../../src/subscribers/suppression';

let dir: string;

beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-store-')), 'subscribers');
  fs.mkdirSync(dir);
});

afterEach(() => {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

const write = (name: string, text: string): void => fs.writeFileSync(path.join(dir, name), text);
const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');
const active = (): string[] => discoverSubscribers(dir).subscribers.map((s) => s.key).sort();

describe('suppression list', () => {
  test('every reason it writes is one discovery excludes', () => {
    for (const reason of SUPPRESSION_REASONS) expect(EXCLUDED_STATUSES.has(reason)).toBe(true);
  });

  test('adds are idempotent, keep the first reason, normalise the address and keep notes on one line', () => {
    write('list.csv', 'email\nAnn@Example.com\nbo@example.com\n');
    expect(addSuppressions(dir, [{ email: 'ann@EXAMPLE.com', reason: 'unsubscribed', at: '2026-01-01T00:00:00Z', note: 'a "quoted",\nmulti-line note' }])).toBe(1);
    expect(addSuppressions(dir, [{ email: 'ANN@example.com', reason: 'bounced', at: '2026-02-01T00:00:00Z', note: '' }])).toBe(0);
    expect(read('suppressed.csv')).toBe('email,status,date,note\nann@example.com,unsubscribed,2026-01-01T00:00:00Z,"a ""quoted"", multi-line note"\n');
    expect(active()).toEqual(['bo@example.com']);
    expect(() => addSuppressions(dir, [{ email: 'a@b.com, c@d.com', reason: 'removed', at: '', note: '' }])).toThrow(HeraldError);
    expect(removeSuppression(dir, 'Ann@example.com')).toBe(true);
    expect(removeSuppression(dir, 'Ann@example.com')).toBe(false);
    expect(active()).toEqual(['ann@example.com', 'bo@example.com']);
  });

  test('a hand-written row suppresses its address whatever its status cell says', () => {
    write('list.csv', 'email\nann@example.com\nbo@example.com\ncy@example.com\n');
    write('suppressed.csv', 'email,status,date,note\nann@example.com,unsub,,typed by hand\nbo@example.com,,,\n');
    expect(active()).toEqual(['cy@example.com']);
    expect(isSuppressed(dir, 'ann@example.com')).toBe(true);
    expect(isSuppressed(dir, 'bo@example.com')).toBe(true);
    const list = readList(dir);
    expect(list.active.map((e) => e.email)).toEqual(['cy@example.com']);
    expect(list.suppressed.map((e) => e.email).sort()).toEqual(['ann@example.com', 'bo@example.com']);
    expect(addSuppressions(dir, [{ email: 'ann@example.com', reason: 'unsubscribed', at: '2026-01-01T00:00:00Z', note: 'one-click' }])).toBe(0);
    expect(addSuppressions(dir, [{ email: 'cy@example.com', reason: 'unsubscribed', at: '2026-01-01T00:00:00Z', note: 'one-click' }])).toBe(1);
    expect(active()).toEqual([]);
    expect(read('suppressed.csv')).toBe('email,status,date,note\nann@example.com,removed,,typed by hand\nbo@example.com,removed,,\ncy@example.com,unsubscribed,2026-01-01T00:00:00Z,one-click\n');
  });

  test('writes are atomic: no temp file is left, and the permissions of the list are kept', () => {
    write('suppressed.csv', 'email,status,date,note\n');
    fs.chmodSync(path.join(dir, 'suppressed.csv'), 0o600);
    addSuppressions(dir, [{ email: 'x@example.com', reason: 'removed', at: '', note: '' }]);
    expect(fs.statSync(path.join(dir, 'suppressed.csv')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // a failed write leaves the old file and no temp file
    const target = path.join(dir, 'not-a-dir.csv', 'x.csv');
    write('not-a-dir.csv', 'email\n');
    expect(() => writeFileAtomic(target, 'x')).toThrow();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a list that is not valid CSV is an error with its line, and is not overwritten', () => {
    write('suppressed.csv', 'email,status\n"open,unsubscribed\n');
    expect(() => addSuppressions(dir, [{ email: 'x@example.com', reason: 'removed', at: '', note: '' }])).toThrow(/not valid CSV/);
    expect(read('suppressed.csv')).toBe('email,status\n"open,unsubscribed\n');
  });

  test('a broken suppression list names the line its bad row starts on, with CRLF and line breaks in notes', () => {
    const rows = ['email,status,date,note', 'a@example.com,removed,,"two', 'lines"', 'b@example.com,removed,,"three', 'whole', 'lines"', 'c@example.com,removed,,"open', ''];
    for (const eol of ['\n', '\r\n']) {
      write('suppressed.csv', rows.join(eol));
      let thrown: unknown;
      try {
        readSuppressions(dir);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(HeraldError);
      expect((thrown as HeraldError).location).toEqual({ file: 'subscribers/suppressed.csv', line: 7 });
    }
  });

  test('eight processes adding at once lose nothing (the list lock)', async () => {
    const module = path.resolve(__dirname, '../../dist/subscribers/suppression.js');
    if (!fs.existsSync(module)) throw new Error('run npm run build first: this test starts node processes on dist/');
    const script = `const { addSuppressions } = require(${JSON.stringify(module)});
      const [dir, who] = process.argv.slice(1);
      for (let i = 0; i < 25; i++) addSuppressions(dir, [{ email: 'p' + who + '-' + i + '@example.com', reason: 'unsubscribed', at: '', note: '' }]);`;
    const runs = Array.from({ length: 8 }, (_, who) => new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script, dir, String(who)], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('close', resolve);
    }));
    expect(await Promise.all(runs)).toEqual(Array(8).fill(0));
    expect(readSuppressions(dir).size).toBe(200);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('add', () => {
  test('creates subscribers/subscribers.csv, then appends; discovery reads it back', () => {
    expect(addSubscriber(dir, { email: 'Ann@Example.COM', name: 'Ann "The Pen" Lee, PhD' })).toEqual({ kind: 'added', email: 'Ann@example.com', file: 'subscribers/subscribers.csv' });
    expect(addSubscriber(dir, { email: 'bo@example.com' })).toMatchObject({ kind: 'added' });
    expect(read('subscribers.csv')).toBe('email,name\nAnn@example.com,"Ann ""The Pen"" Lee, PhD"\nbo@example.com,\n');
    expect(discoverSubscribers(dir).subscribers.map((s) => [s.email, s.name])).toEqual([['Ann@example.com', 'Ann "The Pen" Lee, PhD'], ['bo@example.com', '']]);
    expect(addSubscriber(dir, { email: 'ann@example.com' })).toEqual({ kind: 'already', email: 'Ann@example.com', file: 'subscribers/subscribers.csv', line: 2 });
  });

  test('keeps the existing file\'s layout: its columns, BOM, CRLF, a missing last newline', () => {
    write('subscribers.csv', '\uFEFF"First Name","Email Address","Last Name",Tags\r\nAda,ada@example.com,Lovelace,x');
    addSubscriber(dir, { email: 'grace@example.org', name: 'Grace Brewster Hopper' });
    expect(read('subscribers.csv')).toBe('\uFEFF"First Name","Email Address","Last Name",Tags\r\nAda,ada@example.com,Lovelace,x\r\nGrace,grace@example.org,Brewster Hopper,\r\n');
    expect(discoverSubscribers(dir).subscribers.map((s) => [s.email, s.name])).toEqual([['ada@example.com', 'Ada Lovelace'], ['grace@example.org', 'Grace Brewster Hopper']]);
  });

  test('a name cannot break the file or a header', () => {
    addSubscriber(dir, { email: 'x@example.com', name: 'Evil\r\nBcc: victim@example.com\u0000' });
    expect(discoverSubscribers(dir).subscribers).toEqual([{ email: 'x@example.com', key: 'x@example.com', name: 'Evil Bcc: victim@example.com', smtputf8: false }]);
  });

  test('refuses an invalid address, and an address another file marks as not to be mailed', () => {
    for (const bad of ['nope', 'a@example.com, b@example.com', 'Ann <ann@example.com>', 'a@example.com\nb@example.com']) {
      expect(() => addSubscriber(dir, { email: bad })).toThrow(HeraldError);
    }
    write('old.csv', 'email,status\nleft@example.com,unsubscribed\n');
    expect(addSubscriber(dir, { email: 'left@example.com' })).toEqual({ kind: 'excluded', email: 'left@example.com', file: 'subscribers/old.csv' });
    expect(fs.existsSync(path.join(dir, 'subscribers.csv'))).toBe(false);
  });

  test('a suppressed address is refused unless its reason may be lifted; lifting happens after the row is in', () => {
    addSuppressions(dir, [{ email: 'back@example.com', reason: 'unsubscribed', at: '2026-01-01T00:00:00Z', note: '' }]);
    const refused = addSubscriber(dir, { email: 'back@example.com' });
    expect(refused).toMatchObject({ kind: 'suppressed', suppression: { reason: 'unsubscribed' } });
    expect(active()).toEqual([]);
    const lifted = addSubscriber(dir, { email: 'back@example.com' }, { lift: ['unsubscribed'] });
    expect(lifted).toMatchObject({ kind: 'added', lifted: { reason: 'unsubscribed' } });
    expect(active()).toEqual(['back@example.com']);
    expect(readSuppressions(dir).size).toBe(0);
  });

  test('a file that cannot be read stops the change', () => {
    write('broken.csv', 'email\n"open\n');
    expect(() => addSubscriber(dir, { email: 'x@example.com' })).toThrow(/cannot be read/);
    expect(fs.existsSync(path.join(dir, 'subscribers.csv'))).toBe(false);
  });
});

describe('remove, list, export', () => {
  test('remove suppresses as "removed" without editing the subscriber files', () => {
    write('list.csv', 'email,name\nann@example.com,Ann\nbo@example.com,Bo\n');
    expect(removeSubscriber(dir, 'ANN@example.com', 'asked by phone', new Date('2026-03-01T10:00:00Z'))).toEqual({ kind: 'removed', email: 'ANN@example.com', wasActive: true });
    expect(read('list.csv')).toBe('email,name\nann@example.com,Ann\nbo@example.com,Bo\n');
    expect(read('suppressed.csv')).toBe('email,status,date,note\nANN@example.com,removed,2026-03-01T10:00:00Z,asked by phone\n');
    expect(active()).toEqual(['bo@example.com']);
    expect(removeSubscriber(dir, 'ann@example.com', '')).toMatchObject({ kind: 'already', suppression: { reason: 'removed' } });
    expect(removeSubscriber(dir, 'stranger@example.com', '')).toMatchObject({ kind: 'removed', wasActive: false });
  });

  test('list and export: the active audience, and everyone suppressed with the reason', () => {
    write('list.csv', 'email,name\nann@example.com,Ann\nbo@example.com,Bo\ncy@example.com,"Cy, Jr."\n');
    write('old.csv', 'email,name,status\ndi@example.com,Di,cleaned\n');
    addSuppressions(dir, [
      { email: 'bo@example.com', reason: 'unsubscribed', at: '2026-01-01T00:00:00Z', note: '' },
      { email: 'gone@example.com', reason: 'bounced', at: '2026-01-02T00:00:00Z', note: '550' },
    ]);
    const list = readList(dir);
    expect(list.active.map((e) => e.email)).toEqual(['ann@example.com', 'cy@example.com']);
    expect(countByStatus(list.suppressed)).toEqual({ bounced: 1, cleaned: 1, unsubscribed: 1 });
    expect(exportLines(list)).toEqual([
      'email,name,status',
      'ann@example.com,Ann,active',
      'cy@example.com,"Cy, Jr.",active',
      'bo@example.com,Bo,unsubscribed',
      'di@example.com,Di,cleaned',
      'gone@example.com,,bounced',
    ]);
  });
});
