/**
 * Subscriber discovery: CSV exports in the shapes real tools write, merged, de-duplicated and
 * strictly validated — a row that could smuggle a second recipient or a header is skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAddress, legacyKey } from '../../src/subscribers/address';
import { discoverSubscribers, parseSubscriberCsv, type DiscoveredSubscribers } from '../../src/subscribers/read';
import type { Problem } from '../../src/errors';
import { nodeJson } from '../support/node';

let tmp: string;
let dir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-unit-'));
  dir = path.join(tmp, 'subscribers');
  fs.mkdirSync(dir);
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function discover(files: Record<string, string | Buffer>): DiscoveredSubscribers {
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return discoverSubscribers(dir);
}

const emails = (found: DiscoveredSubscribers): string[] => found.subscribers.map((s) => s.email);
const errors = (problems: readonly Problem[]): Problem[] => problems.filter((p) => p.severity === 'error');

describe('columns', () => {
  test.each([
    ['email', 'email,name\na@example.com,Ann\n'],
    ['Email (capitalised)', 'Email,Name\na@example.com,Ann\n'],
    ['EMAIL (upper case)', 'EMAIL,NAME\na@example.com,Ann\n'],
    ['Email Address (Mailchimp)', 'Email Address,Name\na@example.com,Ann\n'],
    ['E-mail', 'E-mail,Name\na@example.com,Ann\n'],
    ['email_address', 'email_address,full_name\na@example.com,Ann\n'],
  ])('the %s header is recognised as the email column', (_label, csv) => {
    const found = discover({ 'list.csv': csv });
    expect(found.problems).toEqual([]);
    expect(found.subscribers).toEqual([{ email: 'a@example.com', key: 'a@example.com', name: 'Ann', smtputf8: false }]);
  });

  test('the email column may be anywhere, and the name column is optional', () => {
    const found = discover({ 'list.csv': 'joined,email\n2024-01-01,a@example.com\n2024-02-01,b@example.com\n' });
    expect(found.problems).toEqual([]);
    expect(found.subscribers.map((s) => [s.email, s.name])).toEqual([
      ['a@example.com', ''],
      ['b@example.com', ''],
    ]);
  });

  test('First Name and Last Name are joined into the name', () => {
    const found = discover({
      'mc.csv': 'Email Address,First Name,Last Name\nann@example.com,Ann,Lee\nbo@example.com,Bo,\ncy@example.com,,Cy\n',
    });
    expect(found.subscribers.map((s) => s.name)).toEqual(['Ann Lee', 'Bo', 'Cy']);
  });

  test('a Name column wins over First/Last Name; an empty Name falls back to them', () => {
    const found = discover({ 'l.csv': 'email,name,first name,last name\na@example.com,Full Name,F,L\nb@example.com,,Given,Family\n' });
    expect(found.subscribers.map((s) => s.name)).toEqual(['Full Name', 'Given Family']);
  });

  test('a file with no email column is a problem naming the file, and brokenFiles lists it', () => {
    const found = discover({
      'good.csv': 'email\nok@example.com\n',
      'nomail.csv': 'name,phone\nAnn,123\n',
    });
    const p = found.problems.find((x) => x.location?.file === 'subscribers/nomail.csv');
    expect(p?.severity).toBe('error');
    expect(p?.code).toBe('ESUBSCRIBER');
    expect(p?.message).toMatch(/no email column/);
    expect(p?.location?.line).toBe(1);
    expect(found.brokenFiles).toEqual(['subscribers/nomail.csv']);
    expect(emails(found)).toEqual(['ok@example.com']);
  });

  test('an empty CSV file is a warning, not a broken file', () => {
    const found = discover({ 'empty.csv': '' });
    expect(found.subscribers).toEqual([]);
    expect(found.brokenFiles).toEqual([]);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]!.severity).toBe('warning');
    expect(found.problems[0]!.location?.file).toBe('subscribers/empty.csv');
  });
});

describe('status column', () => {
  test('unsubscribed, cleaned and bounced rows are excluded; subscribed rows are kept', () => {
    const found = discover({
      'mc.csv': [
        'Email Address,Name,Status',
        'keep@example.com,Keep,subscribed',
        'unsub@example.com,U,unsubscribed',
        'clean@example.com,C,Cleaned',
        'bounce@example.com,B,BOUNCED',
        'nostatus@example.com,N,',
        '',
      ].join('\n'),
    });
    expect(found.problems).toEqual([]);
    expect(emails(found)).toEqual(['keep@example.com', 'nostatus@example.com']);
    expect([...found.excluded].sort()).toEqual(['bounce@example.com', 'clean@example.com', 'unsub@example.com']);
  });

  test('an address unsubscribed in one file is excluded even when listed as active in another', () => {
    const found = discover({
      'a-active.csv': 'email,name\nleaver@example.com,Leaver\nstayer@example.com,Stayer\n',
      'b-unsubscribed.csv': 'email,status\nLeaver@EXAMPLE.com,unsubscribed\n',
    });
    expect(emails(found)).toEqual(['stayer@example.com']);
    expect(found.excluded.has('leaver@example.com')).toBe(true);
  });
});

describe('several files', () => {
  test('every .csv file is merged (in name order); other files and dotfiles are ignored', () => {
    const found = discover({
      'b.csv': 'email\nb@example.com\n',
      'a.csv': 'email\na@example.com\n',
      'C.CSV': 'email\nc@example.com\n',
      'notes.txt': 'email\nnot@example.com\n',
      '.hidden.csv': 'email\nhidden@example.com\n',
    });
    expect(found.problems).toEqual([]);
    expect(emails(found).sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect([...found.files].sort()).toEqual(['subscribers/C.CSV', 'subscribers/a.csv', 'subscribers/b.csv']);
  });

  test('a missing subscribers folder gives no subscribers and no problems', () => {
    const found = discoverSubscribers(path.join(tmp, 'nope'));
    expect(found.subscribers).toEqual([]);
    expect(found.problems).toEqual([]);
    expect(found.files).toEqual([]);
  });

  test('a duplicate across files and letter case gives one subscriber and a warning naming both places', () => {
    const found = discover({
      'a.csv': 'email,name\nfirst@example.com,F\nA@Example.COM,Upper\n',
      'b.csv': 'email,name\nother@example.com,O\na@example.com,Lower\n',
    });
    const matching = found.subscribers.filter((s) => s.key === 'a@example.com');
    expect(matching).toHaveLength(1);
    expect(matching[0]!.name).toBe('Upper');
    expect(found.subscribers).toHaveLength(3);
    expect(found.problems).toHaveLength(1);
    const w = found.problems[0]!;
    expect(w.severity).toBe('warning');
    expect(w.location).toEqual({ file: 'subscribers/b.csv', line: 3 });
    expect(w.message).toContain('subscribers/a.csv:3');
    expect(w.message).toContain('one copy');
  });

  test('a duplicate within one file is one subscriber and a warning with the line', () => {
    const found = discover({ 'a.csv': 'email\nx@example.com\ny@example.com\nX@example.com\n' });
    expect(emails(found)).toEqual(['x@example.com', 'y@example.com']);
    expect(found.problems.map((p) => [p.severity, p.location])).toEqual([['warning', { file: 'subscribers/a.csv', line: 4 }]]);
  });

  test('the local part keeps its case while the domain is lower-cased', () => {
    const found = discover({ 'a.csv': 'email\nJohn.Smith@Example.COM\n' });
    expect(found.subscribers[0]).toMatchObject({ email: 'John.Smith@example.com', key: 'john.smith@example.com' });
  });
});

describe('invalid rows are reported with file and line and skipped', () => {
  const cases: { label: string; cell: string; reason: RegExp }[] = [
    { label: 'two addresses separated by a comma', cell: '"a@b.com, c@d.com"', reason: /more than one address/ },
    { label: 'two addresses separated by a semicolon', cell: '"a@b.com;c@d.com"', reason: /more than one address/ },
    { label: 'a display name with angle brackets', cell: '"Name <a@b.com>"', reason: /not a plain email address|not a valid/ },
    { label: 'an address in angle brackets', cell: '<a@b.com>', reason: /not a valid email address/ },
    { label: 'a quoted local part', cell: '"""a""@b.com"', reason: /not a valid email address/ },
    { label: 'a domain without a dot', cell: 'a@localhost', reason: /not a valid email address/ },
    { label: 'no @ at all', cell: 'just-text', reason: /not a valid email address/ },
    { label: 'a numeric top-level domain', cell: 'a@1.2.3.4', reason: /not a valid email address/ },
    { label: 'an empty cell', cell: '', reason: /empty/ },
  ];

  test.each(cases)('$label', ({ cell, reason }) => {
    const found = discover({ 'list.csv': `email,name\nbefore@example.com,B\n${cell},Bad\nafter@example.com,A\n` });
    expect(emails(found)).toEqual(['before@example.com', 'after@example.com']);
    const errs = errors(found.problems);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.code).toBe('ESUBSCRIBER');
    expect(errs[0]!.location).toEqual({ file: 'subscribers/list.csv', line: 3 });
    expect(errs[0]!.message).toMatch(reason);
    expect(errs[0]!.message).toMatch(/row skipped/);
    expect(found.brokenFiles).toEqual([]);
  });

  test('an address followed by a Bcc header inside a quoted cell is refused (line within the record)', () => {
    const found = discover({ 'list.csv': 'email,name\n"a@b.com\nBcc: x@y.com",Evil\nafter@example.com,A\n' });
    expect(emails(found)).toEqual(['after@example.com']);
    expect(found.subscribers.some((s) => s.email.includes('x@y.com'))).toBe(false);
    const errs = errors(found.problems);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toMatch(/line break|control character/);
    expect(errs[0]!.location?.file).toBe('subscribers/list.csv');
    // the record spans lines 2-3 of the file
    expect([2, 3]).toContain(errs[0]!.location?.line);
  });

  test('an address with a CRLF and a header in a quoted cell is refused too', () => {
    const found = discover({ 'list.csv': 'email\r\n"a@b.com\r\nBcc: x@y.com"\r\n' });
    expect(found.subscribers).toEqual([]);
    expect(errors(found.problems)).toHaveLength(1);
  });

  test('rows after a bad row keep their correct line numbers', () => {
    const found = discover({ 'list.csv': 'email\nbad1\n\nbad2\n"bad\n3"\nbad4\n' });
    expect(errors(found.problems).map((p) => p.location?.line)).toEqual([2, 4, 5, 7]);
  });

  // a Windows file whose names hold line breaks: every row is named by the line it starts on, as an editor numbers it
  const multiLine = ['email,name', 'a@example.com,"Ann', 'Lee"', 'bad1,B', '', 'c@example.com,"C', 'D', 'E"', 'bad2,"Ünï', 'cödé"', 'bad3,X', ''];
  test.each([['LF', '\n'], ['CRLF', '\r\n'], ['CRLF with a BOM', '\r\n', '\uFEFF']])('line numbers with line breaks inside quoted cells (%s) are where each row starts', (_name, eol, bom = '') => {
    const found = discover({ 'list.csv': bom + multiLine.join(eol) });
    expect(errors(found.problems).map((p) => p.location?.line)).toEqual([4, 9, 11]);
    expect(emails(found)).toEqual(['a@example.com', 'c@example.com']);
  });

  test.each([['LF', '\n'], ['CRLF', '\r\n']])('a broken quote is reported at the line its row starts on (%s)', (_name, eol) => {
    const found = discover({ 'list.csv': ['email,name', 'a@example.com,"Ann', 'Lee"', 'c@example.com,"C', 'D"', 'b@example.com,"unclosed', 'x@example.com,Y', ''].join(eol) });
    const p = errors(found.problems)[0]!;
    expect(p.message).toMatch(/^is not valid CSV: Quote Not Closed/);
    expect(p.message).not.toMatch(/line \d/);
    expect(p.location).toEqual({ file: 'subscribers/list.csv', line: 6 });
  });
});

describe('Unicode, BOM, CRLF and quoting', () => {
  test('a valid Unicode address is accepted and needs SMTPUTF8', () => {
    const found = discover({ 'u.csv': 'email,name\nzoë@例え.jp,Zoë\nplain@example.com,P\n' });
    expect(found.problems).toEqual([]);
    expect(found.subscribers[0]).toEqual({ email: 'zoë@例え.jp', key: 'zoë@xn--r8jz45g.jp', name: 'Zoë', smtputf8: true });
    expect(found.subscribers[1]!.smtputf8).toBe(false);
  });

  test('a decomposed (NFD) Unicode address is the same subscriber as its composed form', () => {
    const found = discover({ 'u.csv': `email\nzoë@example.com\n${'zoë@example.com'.normalize('NFD')}\n` });
    expect(found.subscribers).toHaveLength(1);
    expect(found.problems.map((p) => p.severity)).toEqual(['warning']);
  });

  test('an internationalised domain and its punycode spelling are one subscriber, who gets one copy, sent as the first row wrote it', () => {
    const found = discover({ 'a.csv': 'email\nuser@bücher.example\n', 'b.csv': 'email\nUSER@XN--BCHER-KVA.example\n' });
    expect(found.subscribers).toEqual([{ email: 'user@bücher.example', key: 'user@xn--bcher-kva.example', name: '', smtputf8: true }]);
    expect(found.problems).toEqual([expect.objectContaining({ severity: 'warning', location: { file: 'subscribers/b.csv', line: 2 } })]);
    expect(found.problems[0]!.message).toContain('listed already at subscribers/a.csv:2');
  });

  test('a suppression of either spelling of a domain stops the other', () => {
    const list = 'email\nuser@bücher.example\nother@xn--bcher-kva.example\nkept@example.com\n';
    const found = discover({ 'list.csv': list, 'suppressed.csv': 'email,status\nuser@xn--bcher-kva.example,unsubscribed\nother@BÜCHER.example,unsubscribed\n' });
    expect(emails(found)).toEqual(['kept@example.com']);
  });

  test('the key of an all-ASCII address is what it always was; a Unicode domain is keyed in its ASCII form', () => {
    expect(checkAddress('Ann.Lee+x@Example.COM')).toMatchObject({ address: 'Ann.Lee+x@example.com', key: 'ann.lee+x@example.com' });
    expect(checkAddress('u@xn--bcher-kva.example')).toMatchObject({ address: 'u@xn--bcher-kva.example', key: 'u@xn--bcher-kva.example', smtputf8: false });
    expect(checkAddress('u@xn--zz.example')).toMatchObject({ key: 'u@xn--zz.example' });
    expect(checkAddress('Zoë@Bücher.Example')).toMatchObject({ address: 'Zoë@bücher.example', key: 'zoë@xn--bcher-kva.example', smtputf8: true });
    expect(checkAddress('u@faß.de')).toMatchObject({ key: 'u@xn--fa-hia.de' });
    expect(legacyKey('Zoë@bücher.example')).toBe('zoë@bücher.example');
    expect(legacyKey('ann@example.com')).toBeUndefined();
  });

  test('a BOM, CRLF line endings and quoted commas in names are read correctly', () => {
    const csv = '\uFEFFEmail Address,Name\r\n"lee@example.com","Lee, Ann"\r\n"bo@example.com","Bo ""The Boss"" Smith"\r\n\r\n';
    const found = discover({ 'bom.csv': Buffer.from(csv, 'utf8') });
    expect(found.problems).toEqual([]);
    expect(found.subscribers.map((s) => [s.email, s.name])).toEqual([
      ['lee@example.com', 'Lee, Ann'],
      ['bo@example.com', 'Bo "The Boss" Smith'],
    ]);
  });

  test('a BOM + CRLF file gives the same subscribers as a plain LF file', () => {
    const lf = 'email,First Name,Last Name,status\na@example.com,A,One,subscribed\nb@example.com,B,Two,unsubscribed\nc@example.com,"C, Jr",Three,\n';
    const plain = parseSubscriberCsv(lf, 'subscribers/x.csv');
    const bomCrlf = parseSubscriberCsv('\uFEFF' + lf.replace(/\n/g, '\r\n'), 'subscribers/x.csv');
    expect(bomCrlf).toEqual(plain);
    expect(plain.rows.map((r) => r.name)).toEqual(['A One', 'C, Jr Three']);
  });

  test('a line break inside a quoted name does not reach the subscriber name', () => {
    const found = discover({ 'n.csv': 'email,name\na@example.com,"Ann\r\nBcc: x@y.com"\n' });
    expect(found.subscribers).toHaveLength(1);
    expect(found.subscribers[0]!.name).not.toMatch(/[\r\n]/);
    expect(found.subscribers[0]!.name).toBe('Ann Bcc: x@y.com');
  });

  test('surrounding spaces in cells are trimmed', () => {
    const found = discover({ 's.csv': 'email , name\n  a@example.com  ,  Ann  \n' });
    expect(found.problems).toEqual([]);
    expect(found.subscribers[0]).toMatchObject({ email: 'a@example.com', name: 'Ann' });
  });

  test('invalid CSV (an unclosed quote) is a problem with file and line, and the file is broken', () => {
    const found = discover({
      'good.csv': 'email\nok@example.com\n',
      'bad.csv': 'email,name\na@example.com,Ann\n"b@example.com,Bo\nc@example.com,Cy\n',
    });
    const p = found.problems.find((x) => x.location?.file === 'subscribers/bad.csv');
    expect(p?.severity).toBe('error');
    expect(p?.message).toMatch(/not valid CSV/);
    expect(p?.location?.line).toEqual(expect.any(Number));
    expect(found.brokenFiles).toEqual(['subscribers/bad.csv']);
    expect(emails(found)).toEqual(['ok@example.com']);
  });
});

describe('checkAddress', () => {
  test('accepts plain addresses, including plus tags and Unicode', () => {
    expect(checkAddress(' a.b+tag@Example.org ')).toEqual({ ok: true, address: 'a.b+tag@example.org', key: 'a.b+tag@example.org', smtputf8: false });
    expect(checkAddress('zoë@例え.jp')).toMatchObject({ ok: true, smtputf8: true });
  });

  test.each([
    'a@b.com,c@d.com',
    'a@b.com c@d.com',
    'a@b@c.com',
    'a..b@example.com',
    '.a@example.com',
    'a@-example.com',
    'a@example..com',
    'a@example.com\r\nBcc: x@y.com',
    'a@example.com\u0000',
    '@example.com',
    'a@',
    `${'x'.repeat(65)}@example.com`,
  ])('refuses %j', (value) => {
    expect(checkAddress(value).ok).toBe(false);
  });
});

describe('a large list, parsed on a thread of its own', () => {
  test('gives exactly what parsing in the main thread gives, problems and exclusions included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-subs-apart-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.csv'), 'email,name,status\nann@example.com,Ann,\nbo@example.com,Bo,unsubscribed\nnot-an-address,X,\nANN@example.com,Ann again,\nzoë@bücher.example,Zoë,\n');
      fs.writeFileSync(path.join(dir, 'b.csv'), 'Email Address,First Name,Last Name\ncy@example.org,Cy,Young\n"dee@example.org",Dee,"O\'Neil, Jr"\n');
      fs.writeFileSync(path.join(dir, 'suppressed.csv'), 'email\ncy@example.org\n');
      // the built code, so that the worker's own file exists; a threshold of 0 bytes forces the thread
      const dist = path.resolve(__dirname, '../../dist/subscribers');
      const script = `
        const { discoverSubscribersApart } = require(${JSON.stringify(path.join(dist, 'read-apart.js'))});
        const { discoverSubscribers } = require(${JSON.stringify(path.join(dist, 'read.js'))});
        const plain = (d) => ({ ...d, excluded: [...d.excluded].sort() });
        discoverSubscribersApart(${JSON.stringify(dir)}, { apartFromBytes: 0, folder: '_herald/list' }).then((apart) => {
          process.stdout.write(JSON.stringify({ apart: plain(apart), here: plain(discoverSubscribers(${JSON.stringify(dir)}, '_herald/list'))}));
        });`;
      const out = nodeJson<{ apart: unknown; here: DiscoveredSubscribers }>(script);
      expect(out.apart).toEqual(out.here);
      expect(out.here.subscribers.map((s) => s.key)).toEqual(['ann@example.com', 'zoë@xn--bcher-kva.example', 'dee@example.org']);
      expect(out.here.problems.length).toBeGreaterThanOrEqual(2);
      // the thread names the files as the "subscribers" setting does
      expect(out.here.files.every((f) => f.startsWith('_herald/list/'))).toBe(true);
      expect(out.here.problems.every((p) => p.location!.file.startsWith('_herald/list/'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a list with more rows, duplicates and bad rows than a function call takes arguments is read whole', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-subs-large-'));
  try {
    // some 125,000 is where spreading an array into push() overflows the stack
    const n = 130_000;
    const rows = (make: (i: number) => string): string => `email\n${Array.from({ length: n }, (_, i) => make(i)).join('\n')}\n`;
    fs.writeFileSync(path.join(dir, 'a.csv'), rows((i) => `r${i}@example.com`));
    fs.writeFileSync(path.join(dir, 'b.csv'), rows((i) => `R${i}@example.com`));
    fs.writeFileSync(path.join(dir, 'c.csv'), rows((i) => `not-an-address-${i}`));
    const found = discoverSubscribers(dir);
    expect(found.subscribers).toHaveLength(n);
    expect(found.problems.filter((p) => p.message.includes('listed already'))).toHaveLength(n);
    expect(found.problems.filter((p) => p.message.includes('not a valid email address'))).toHaveLength(n);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
