/**
 * Imports from other services, with their real column layouts (test/fixtures/imports/): BOM,
 * CRLF, quoted commas and line breaks, invalid and duplicate rows reported as file:line, status
 * words mapped to "import" / "suppress" / "skip"; and the files written are read back by
 * discovery exactly as intended. A file that cannot be parsed writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverSubscribers } from '../../src/subscribers/read';
import { HeraldError } from '../../src/errors';
import { importName, importSubscribers, interpretExport } from '../../src/subscribers/import';
import { stateOf } from '../../src/subscribers/status';
import { readSuppressions } from '../../src/subscribers/suppression';

const FIXTURES = path.resolve(__dirname, '../fixtures/imports');
const fixture = (name: string): string => path.join(FIXTURES, name);
const read = (name: string): string => fs.readFileSync(fixture(name), 'utf8');
const where = (problems: readonly { severity: string; location?: { file: string; line?: number } }[]) =>
  problems.map((p) => `${p.severity} ${p.location?.file}:${p.location?.line}`);

describe('reading each service\'s export', () => {
  test('Mailchimp subscribed export: BOM, CRLF, quoted commas, a multi-line cell, bad and duplicate rows', () => {
    const text = read('mailchimp-subscribed.csv');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('\r\n');
    const r = interpretExport(text, 'mailchimp-subscribed.csv');
    expect(r.broken).toBe(false);
    expect(r.active.map((a) => [a.email, a.name, a.line])).toEqual([
      ['ada@example.com', 'Ada Lovelace', 2],
      ['grace@example.org', 'Grace Hopper, Rear Adm.', 3],
      ['linus@example.net', 'Linus', 6], // the row starts on line 6; its quoted Address cell runs on to line 7
      ['zoe@exämple.de', 'Zoë Ünïcode', 9],
    ]);
    expect(r.suppressed).toEqual([]);
    expect(r.invalid).toBe(2);
    expect(r.duplicates).toBe(1);
    expect(where(r.problems)).toEqual(['error mailchimp-subscribed.csv:4', 'warning mailchimp-subscribed.csv:5', 'error mailchimp-subscribed.csv:8']);
    expect(r.problems[1]!.message).toMatch(/ADA@example\.com is listed already at mailchimp-subscribed\.csv:2/);
    expect(r.problems[2]!.message).toMatch(/more than one address/);
  });

  test.each([['LF', '\n'], ['CRLF', '\r\n']])('rows are named by the line they start on, also after names with line breaks (%s)', (_name, eol) => {
    const text = ['email,name,status', 'a@example.com,"Ann', 'Lee",subscribed', 'bad,B,subscribed', 'c@example.com,"C', 'D', 'E",weird', 'A@example.com,Again,unsubscribed', ''].join(eol);
    const r = interpretExport(text, 'x.csv');
    expect(where(r.problems)).toEqual(['error x.csv:4', 'error x.csv:5', 'warning x.csv:8']);
    expect(r.problems[1]!.message).toContain('unknown status "weird"');
    expect(r.problems[2]!.message).toContain('listed already at x.csv:2');
    expect(r.suppressed.map((s) => [s.email, s.line])).toEqual([['a@example.com', 2]]);
  });

  test('Mailchimp unsubscribed and cleaned exports (recognised by UNSUB_TIME / CLEAN_TIME) are all suppressions', () => {
    const unsub = interpretExport(read('mailchimp-unsubscribed.csv'), 'u.csv');
    expect(unsub.active).toEqual([]);
    expect(unsub.suppressed.map((s) => [s.email, s.reason])).toEqual([['left@example.com', 'unsubscribed'], ['grace@example.org', 'unsubscribed']]);
    const cleaned = interpretExport(read('mailchimp-cleaned.csv'), 'c.csv');
    expect(cleaned.suppressed.map((s) => [s.email, s.reason])).toEqual([['bounced@example.com', 'cleaned']]);
    expect(cleaned.problems).toEqual([]);
  });

  test('Substack: email_disabled=true is an unsubscribe; active_subscription (a paid plan) is not a status', () => {
    const r = interpretExport(read('substack.csv'), 'substack.csv');
    expect(r.active.map((a) => a.email)).toEqual(['reader@example.com', 'patron@example.com']);
    expect(r.suppressed.map((s) => [s.email, s.reason, s.status])).toEqual([['quiet@example.com', 'unsubscribed', 'emails disabled']]);
    expect(where(r.problems)).toEqual(['warning substack.csv:5', 'error substack.csv:6']);
  });

  test('Buttondown subscriber_type', () => {
    const r = interpretExport(read('buttondown.csv'), 'buttondown.csv');
    expect(r.active.map((a) => a.email)).toEqual(['regular@example.com', 'premium@example.com', 'churned@example.com']);
    expect(r.suppressed.map((s) => [s.email, s.reason])).toEqual([
      ['gone@example.com', 'unsubscribed'], ['dead@example.com', 'bounced'], ['spam@example.com', 'complained'],
    ]);
    expect(r.skipped.map((s) => [s.email, s.status])).toEqual([['never@example.com', 'unactivated']]);
    expect(where(r.problems)).toEqual(['warning buttondown.csv:5', 'error buttondown.csv:8']);
    expect(r.problems[1]!.message).toMatch(/unknown status "mystery"/);
  });

  test('ConvertKit (email_address, first_name, status) and Kit (Email, First name, Status)', () => {
    const ck = interpretExport(read('convertkit.csv'), 'convertkit.csv');
    expect(ck.active.map((a) => [a.email, a.name])).toEqual([['kim@example.com', 'Kim'], ['cole@example.com', 'Cole']]);
    expect(ck.suppressed.map((s) => [s.email, s.reason])).toEqual([['cass@example.com', 'unsubscribed'], ['bea@example.com', 'bounced'], ['cal@example.com', 'complained']]);
    expect(ck.skipped.map((s) => s.email)).toEqual(['ina@example.com']);
    expect(where(ck.problems)).toEqual(['warning convertkit.csv:7', 'error convertkit.csv:8']);
    const kit = interpretExport(read('kit.csv'), 'kit.csv');
    expect(kit.active.map((a) => [a.email, a.name])).toEqual([['kit.reader@example.com', 'Kit']]);
    expect(kit.suppressed.map((s) => s.email)).toEqual(['kit.left@example.com']);
  });

  test('a file that is not CSV, or has no email column, is broken with its file:line', () => {
    const broken = interpretExport(read('broken.csv'), 'broken.csv');
    expect(broken.broken).toBe(true);
    expect(broken.active).toEqual([]);
    expect(broken.problems[0]!.message).toMatch(/not valid CSV/);
    expect(broken.problems[0]!.location).toEqual({ file: 'broken.csv', line: 3 }); // where the unclosed quote's row starts
    const noEmail = interpretExport(read('no-email-column.csv'), 'x.csv');
    expect(noEmail.broken).toBe(true);
    expect(noEmail.problems[0]!.message).toMatch(/no email column/);
    const empty = interpretExport('', 'empty.csv');
    expect(empty.broken).toBe(false);
    expect(empty.active).toEqual([]);
  });

  test('a later row that says "do not mail" wins over an earlier active one', () => {
    const r = interpretExport('email,status\na@example.com,subscribed\nA@example.com,unsubscribed\n', 'x.csv');
    expect(r.active).toEqual([]);
    expect(r.suppressed.map((s) => [s.email, s.line, s.reason])).toEqual([['a@example.com', 2, 'unsubscribed']]);
  });

  test('status words', () => {
    expect(stateOf('Subscribed').kind).toBe('active');
    expect(stateOf(' Non-Subscribed ')).toEqual({ kind: 'skipped', status: 'non_subscribed' });
    expect(stateOf('Hard Bounce')).toMatchObject({ kind: 'suppressed', reason: 'bounced' });
    expect(stateOf('canceled')).toMatchObject({ kind: 'suppressed', reason: 'unsubscribed' });
    expect(stateOf('???')).toEqual({ kind: 'unknown', status: '???' });
    expect(importName('/x/subscribed_members_export_1a2b.csv')).toBe('subscribed_members_export_1a2b');
    expect(importName('My Export (1).csv')).toBe('My-Export-1');
  });
});

describe('writing an import', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-import-'));
    dir = path.join(root, 'subscribers');
    fs.mkdirSync(dir);
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const files = (): string[] => fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  const run = (name: string, opts: Partial<{ as: string; replace: boolean; dryRun: boolean }> = {}) =>
    importSubscribers(dir, fixture(name), name, { name: opts.as ?? importName(name), replace: Boolean(opts.replace), dryRun: Boolean(opts.dryRun), now: new Date('2026-02-01T00:00:00Z') });

  test('active rows become subscribers/NAME.csv (email,name), the others the suppression list; discovery agrees', () => {
    const report = run('buttondown.csv');
    expect(report).toMatchObject({ target: 'subscribers/buttondown.csv', imported: 3, newlySuppressed: 3, written: true });
    expect(fs.readFileSync(path.join(dir, 'buttondown.csv'), 'utf8')).toBe('email,name\nregular@example.com,\npremium@example.com,\nchurned@example.com,\n');
    const suppressed = readSuppressions(dir);
    expect([...suppressed.values()].map((s) => [s.email, s.reason, s.at, s.note])).toEqual([
      ['gone@example.com', 'unsubscribed', '2026-02-01T00:00:00Z', 'imported from buttondown.csv:4 (unsubscribed)'],
      ['dead@example.com', 'bounced', '2026-02-01T00:00:00Z', 'imported from buttondown.csv:6 (undeliverable)'],
      ['spam@example.com', 'complained', '2026-02-01T00:00:00Z', 'imported from buttondown.csv:7 (spammy)'],
    ]);
    const discovered = discoverSubscribers(dir);
    expect(discovered.problems).toEqual([]);
    expect(discovered.subscribers.map((s) => s.email)).toEqual(['regular@example.com', 'premium@example.com', 'churned@example.com']);
    expect([...discovered.excluded].sort()).toEqual(['dead@example.com', 'gone@example.com', 'spam@example.com']);
    expect(files()).toEqual(['buttondown.csv', 'suppressed.csv']);
  });

  test('names with commas and unicode survive the round trip', () => {
    run('mailchimp-subscribed.csv', { as: 'mailchimp' });
    const discovered = discoverSubscribers(dir);
    expect(discovered.subscribers.map((s) => [s.email, s.name])).toEqual([
      ['ada@example.com', 'Ada Lovelace'], ['grace@example.org', 'Grace Hopper, Rear Adm.'], ['linus@example.net', 'Linus'], ['zoe@exämple.de', 'Zoë Ünïcode'],
    ]);
    expect(discovered.problems).toEqual([]);
  });

  test('Mailchimp in three files: an unsubscribe in one export beats the subscribed export, in either order', () => {
    run('mailchimp-subscribed.csv', { as: 'mailchimp' });
    const unsub = run('mailchimp-unsubscribed.csv');
    run('mailchimp-cleaned.csv');
    expect(unsub).toMatchObject({ imported: 0, newlySuppressed: 2, written: false });
    expect(files()).toEqual(['mailchimp.csv', 'suppressed.csv']);
    const active = discoverSubscribers(dir).subscribers.map((s) => s.key);
    expect(active).toEqual(['ada@example.com', 'linus@example.net', 'zoe@xn--exmple-cua.de']);
    // importing the subscribed export again (replacing) keeps grace suppressed
    const again = run('mailchimp-subscribed.csv', { as: 'mailchimp', replace: true });
    expect(again).toMatchObject({ imported: 3, keptSuppressed: 1 });
    expect(discoverSubscribers(dir).subscribers.map((s) => s.key)).toEqual(active);
  });

  test('an address active in another file is not repeated', () => {
    fs.writeFileSync(path.join(dir, 'own.csv'), 'email\nKim@example.com\n');
    const report = run('convertkit.csv');
    expect(report).toMatchObject({ imported: 1, alreadySubscribed: 1 });
    expect(fs.readFileSync(path.join(dir, 'convertkit.csv'), 'utf8')).toBe('email,name\ncole@example.com,Cole\n');
    expect(discoverSubscribers(dir).problems).toEqual([]);
  });

  test('an existing target is refused without --replace; the suppression list is not touched then', () => {
    fs.writeFileSync(path.join(dir, 'buttondown.csv'), 'email\nkeep@example.com\n');
    expect(() => run('buttondown.csv')).toThrow(/exists already/);
    expect(fs.readFileSync(path.join(dir, 'buttondown.csv'), 'utf8')).toBe('email\nkeep@example.com\n');
    expect(files()).toEqual(['buttondown.csv']);
    run('buttondown.csv', { replace: true });
    expect(fs.readFileSync(path.join(dir, 'buttondown.csv'), 'utf8')).not.toContain('keep@example.com');
  });

  test('a broken file writes nothing at all; a dry run writes nothing either', () => {
    for (const name of ['broken.csv', 'no-email-column.csv']) {
      const report = run(name);
      expect(report.interpreted.broken).toBe(true);
      expect(report.written).toBe(false);
    }
    const dry = run('buttondown.csv', { dryRun: true });
    expect(dry).toMatchObject({ imported: 3, newlySuppressed: 3, written: false });
    expect(files()).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('names that are not a file here are refused: the suppression list, paths', () => {
    expect(() => run('kit.csv', { as: 'suppressed' })).toThrow(HeraldError);
    expect(() => run('kit.csv', { as: '../outside' })).toThrow(/not a file name/);
    expect(() => run('kit.csv', { as: '.hidden' })).toThrow(/not a file name/);
    expect(() => importSubscribers(dir, fixture('missing.csv'), 'missing.csv', { name: 'x', replace: false, dryRun: false })).toThrow(/cannot read missing\.csv: ENOENT/);
    expect(files()).toEqual([]);
  });
});
