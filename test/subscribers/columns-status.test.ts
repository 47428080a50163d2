/**
 * The column and status rules are shared by every reader and writer of the list: what
 * `subscribers add` writes lands in the columns `herald send` reads, each status word means one
 * thing, and an import names a bad header as the file has it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findColumns } from '../../src/subscribers/columns';
import { interpretExport } from '../../src/subscribers/import';
import { discoverSubscribers } from '../../src/subscribers/read';
import { EXCLUDED_STATUSES, SUPPRESSION_REASONS, stateOf } from '../../src/subscribers/status';
import { addSubscriber } from '../../src/subscribers/store';
import { isSuppressed, readSuppressions } from '../../src/subscribers/suppression';

let dir: string;

beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-columns-')), 'subscribers');
  fs.mkdirSync(dir);
});

afterEach(() => {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

const names = (): string[][] => discoverSubscribers(dir).subscribers.map((s) => [s.email, s.name]);

describe('columns', () => {
  test('headers are found however an export spells them, the preferred name first', () => {
    expect(findColumns(['First Name', 'Mail', 'EMAIL-ADDRESS', 'Last Name', 'Member Status'])).toEqual({ email: 2, name: -1, first: 0, last: 3, status: 4, topics: -1, timeZone: -1, frequency: -1 });
    expect(findColumns(['joined', 'contact'])).toMatchObject({ email: -1 });
  });

  test('add writes a name into the full-name column when a file has one beside first and last name, and send reads it so', () => {
    fs.writeFileSync(path.join(dir, 'subscribers.csv'), 'email,name,first name,last name\nada@example.com,,Ada,Lovelace\n');
    expect(addSubscriber(dir, { email: 'grace@example.org', name: 'Grace Hopper' })).toMatchObject({ kind: 'added' });
    expect(fs.readFileSync(path.join(dir, 'subscribers.csv'), 'utf8')).toBe('email,name,first name,last name\nada@example.com,,Ada,Lovelace\ngrace@example.org,Grace Hopper,,\n');
    expect(names()).toEqual([['ada@example.com', 'Ada Lovelace'], ['grace@example.org', 'Grace Hopper']]);
  });

  test('add writes the whole name into a last-name column when the file has no other name column', () => {
    fs.writeFileSync(path.join(dir, 'subscribers.csv'), 'Surname,E-mail Address\n');
    addSubscriber(dir, { email: 'grace@example.org', name: 'Grace Hopper' });
    expect(fs.readFileSync(path.join(dir, 'subscribers.csv'), 'utf8')).toBe('Surname,E-mail Address\nGrace Hopper,grace@example.org\n');
    expect(names()).toEqual([['grace@example.org', 'Grace Hopper']]);
  });

  test('a suppression list written by hand with other header names stops the same addresses for add and serve as for send', () => {
    fs.writeFileSync(path.join(dir, 'suppressed.csv'), 'Email Address,Status,Date\ngone@example.com,bounced,2026-01-01\nleft@example.com,,\n');
    fs.writeFileSync(path.join(dir, 'list.csv'), 'email\ngone@example.com\nleft@example.com\nkept@example.com\n');
    expect(discoverSubscribers(dir).subscribers.map((s) => s.email)).toEqual(['kept@example.com']);
    expect([...readSuppressions(dir).values()]).toEqual([
      { email: 'gone@example.com', reason: 'bounced', at: '2026-01-01', note: '' },
      { email: 'left@example.com', reason: 'removed', at: '', note: '' },
    ]);
    expect(isSuppressed(dir, 'LEFT@example.com')).toBe(true);
    expect(addSubscriber(dir, { email: 'gone@example.com' })).toMatchObject({ kind: 'suppressed', suppression: { reason: 'bounced' } });
  });
});

describe('status words', () => {
  test('every word that stops a row of a subscriber file is one an import suppresses or skips', () => {
    for (const word of EXCLUDED_STATUSES) expect(['suppressed', 'skipped']).toContain(stateOf(word).kind);
    for (const reason of SUPPRESSION_REASONS) expect(stateOf(reason)).toMatchObject({ kind: 'suppressed', reason });
  });

  test('a subscriber file stops a row with any of those words, in any case', () => {
    const words = [...EXCLUDED_STATUSES];
    fs.writeFileSync(path.join(dir, 'list.csv'), `email,status\n${words.map((w, i) => `r${i}@example.com,${w.toUpperCase()}`).join('\n')}\nkept@example.com,active\n`);
    const found = discoverSubscribers(dir);
    expect(found.subscribers.map((s) => s.email)).toEqual(['kept@example.com']);
    expect(found.excluded.size).toBe(words.length);
  });
});

test('an export without an email column is named by its header as written and the line it is on', () => {
  const r = interpretExport('\nname,status\nAnn,active\n', 'export.csv');
  expect(r.broken).toBe(true);
  expect(r.problems.map((p) => [p.message, p.location?.line])).toEqual([['has no email column (header: name, status)', 2]]);
});
