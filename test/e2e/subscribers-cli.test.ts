/**
 * `herald subscribers list | add | remove | import | export` through the built CLI: output,
 * exit codes, what lands in subscribers/, and that `herald send` then mails exactly that list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { herald } from './helpers';

const FIXTURES = path.resolve(__dirname, '../fixtures/imports');

let nl: TempNewsletter;
let other: TempNewsletter | undefined;

beforeEach(() => {
  nl = makeNewsletter({
    config: { unsubscribe: { url: 'https://news.example.com/unsubscribe' } },
    posts: { 'hello.md': '---\ntitle: Hello\n---\nHi.\n' },
    subscribers: { 'list.csv': 'email,name\nann@example.com,Ann\nbo@example.com,Bo\n' },
  });
});

afterEach(() => {
  nl.remove();
  other?.remove();
  other = undefined;
});

const files = (n: TempNewsletter = nl): string[] => fs.readdirSync(path.join(n.root, 'subscribers')).filter((f) => !f.startsWith('.')).sort();

async function recipients(n: TempNewsletter = nl): Promise<string[]> {
  const res = await herald(n, ['send', '--dry-run', '--include-existing', '--show-recipients']);
  expect(res.code).toBe(0);
  return res.stdout.split('\n').filter((l) => /^ {4}\S+@/.test(l)).map((l) => l.trim()).sort();
}

test('list: counts by status, addresses only when asked, JSON', async () => {
  nl.write('subscribers/suppressed.csv', 'email,status,date,note\nbo@example.com,unsubscribed,2026-01-01T00:00:00Z,\ngone@example.com,bounced,2026-01-02T00:00:00Z,550 no such user\n');
  const text = await herald(nl, ['subscribers', 'list']);
  expect(text.code).toBe(0);
  expect(text.stdout).toBe('active: 1\nsuppressed: 2 (bounced 1, unsubscribed 1)\nfiles: subscribers/list.csv, subscribers/suppressed.csv\n');
  expect(text.stdout).not.toContain('@');
  const shown = await herald(nl, ['subscribers', 'list', '--show-addresses']);
  expect(shown.stdout).toContain('  ann@example.com  active  Ann\n');
  expect(shown.stdout).toContain('  gone@example.com  bounced\n');
  const json = JSON.parse((await herald(nl, ['subscribers', 'list', '--json'])).stdout);
  expect(json).toEqual({ active: 1, suppressed: { bounced: 1, unsubscribed: 1 }, suppressedTotal: 2, files: ['subscribers/list.csv', 'subscribers/suppressed.csv'], brokenFiles: [] });
});

test('list exits 1 when a row is bad, and says where', async () => {
  nl.write('subscribers/more.csv', 'email\nnot-an-address\n');
  const res = await herald(nl, ['subscribers', 'list']);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/subscribers\/more\.csv:2: "not-an-address" is not a valid email address/);
});

test('add, remove, add --force: exit codes, files, and who send would mail', async () => {
  const added = await herald(nl, ['subscribers', 'add', 'Cy@Example.com', '--name', 'Cy Young']);
  expect(added).toMatchObject({ code: 0, stdout: 'added Cy@example.com to subscribers/subscribers.csv\n' });
  expect(nl.read('subscribers/subscribers.csv')).toBe('email,name\nCy@example.com,Cy Young\n');
  expect((await herald(nl, ['subscribers', 'add', 'ann@example.com'])).stdout).toBe('ann@example.com is already subscribed (subscribers/list.csv:2)\n');

  const invalid = await herald(nl, ['subscribers', 'add', 'Dee <dee@example.com>']);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toMatch(/"Dee <dee@example.com>" is not a plain email address/);

  const removed = await herald(nl, ['subscribers', 'remove', 'ann@example.com']);
  expect(removed.code).toBe(0);
  expect(removed.stdout).toMatch(/ann@example\.com receives nothing from now on/);
  expect(nl.read('subscribers/suppressed.csv')).toMatch(/^ann@example\.com,removed,\S+Z,herald subscribers remove$/m);
  expect(await recipients()).toEqual(['Cy@example.com', 'bo@example.com']);

  const refused = await herald(nl, ['subscribers', 'add', 'ann@example.com']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/ann@example\.com is on the suppression list \(removed since \S+\); not added/);
  expect(refused.stderr).toMatch(/--force/);

  const forced = await herald(nl, ['subscribers', 'add', 'ann@example.com', '--force']);
  expect(forced.code).toBe(0);
  expect(forced.stdout).toMatch(/already subscribed \(subscribers\/list\.csv:2\) \(taken off the suppression list, where it was removed\)/);
  expect(await recipients()).toEqual(['Cy@example.com', 'ann@example.com', 'bo@example.com']);
});

test('import each service\'s export; send then mails exactly the active ones', async () => {
  nl.write('subscribers/list.csv', 'email,name\n');
  const mailchimp = await herald(nl, ['subscribers', 'import', path.join(FIXTURES, 'mailchimp-subscribed.csv'), '--as', 'mailchimp']);
  expect(mailchimp.code).toBe(1); // two invalid rows, reported; the rest imported
  expect(mailchimp.stderr).toMatch(/mailchimp-subscribed\.csv:4: "not-an-address" is not a valid email address; row skipped/);
  expect(mailchimp.stderr).toMatch(/warning: .*mailchimp-subscribed\.csv:5: ADA@example\.com is listed already at .*mailchimp-subscribed\.csv:2/);
  expect(mailchimp.stderr).toMatch(/mailchimp-subscribed\.csv:8: .*more than one address/);
  expect(mailchimp.stdout).toMatch(/^imported 4 active subscribers into subscribers\/mailchimp\.csv$/m);
  expect(mailchimp.stdout).toMatch(/1 duplicate row skipped/);
  expect(mailchimp.stdout).toMatch(/2 invalid rows skipped/);

  const unsub = await herald(nl, ['subscribers', 'import', path.join(FIXTURES, 'mailchimp-unsubscribed.csv')]);
  expect(unsub.code).toBe(0);
  expect(unsub.stdout).toMatch(/imported 0 active subscribers\n {2}added 2 to the suppression list \(in the export: unsubscribed 2\)/);
  for (const f of ['mailchimp-cleaned.csv', 'substack.csv', 'buttondown.csv', 'convertkit.csv', 'kit.csv']) {
    const res = await herald(nl, ['subscribers', 'import', path.join(FIXTURES, f)]);
    expect([0, 1]).toContain(res.code);
  }
  expect(files()).toEqual(['buttondown.csv', 'convertkit.csv', 'kit.csv', 'list.csv', 'mailchimp.csv', 'substack.csv', 'suppressed.csv']);
  expect(await recipients()).toEqual([
    'ada@example.com', 'churned@example.com', 'cole@example.com', 'kim@example.com', 'kit.reader@example.com',
    'linus@example.net', 'patron@example.com', 'premium@example.com', 'reader@example.com', 'regular@example.com', 'zoe@exämple.de',
  ]);
  const list = JSON.parse((await herald(nl, ['subscribers', 'list', '--json'])).stdout);
  expect(list.active).toBe(11);
  expect(list.suppressed).toEqual({ bounced: 2, cleaned: 1, complained: 2, unsubscribed: 6 });
});

test('a file that cannot be parsed writes nothing and exits 1; an existing target needs --replace; --dry-run writes nothing', async () => {
  for (const f of ['broken.csv', 'no-email-column.csv']) {
    const res = await herald(nl, ['subscribers', 'import', path.join(FIXTURES, f)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cannot be imported; nothing was written/);
  }
  expect(files()).toEqual(['list.csv']);
  const dry = await herald(nl, ['subscribers', 'import', path.join(FIXTURES, 'buttondown.csv'), '--dry-run', '--json']);
  expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, imported: 3, newlySuppressed: 3, skipped: 1, invalid: 1 });
  expect(files()).toEqual(['list.csv']);
  expect((await herald(nl, ['subscribers', 'import', path.join(FIXTURES, 'kit.csv'), '--as', 'list'])).code).toBe(2);
  expect(nl.read('subscribers/list.csv')).toBe('email,name\nann@example.com,Ann\nbo@example.com,Bo\n');
  const missing = await herald(nl, ['subscribers', 'import', path.join(FIXTURES, 'nope.csv')]);
  expect(missing.code).toBe(2);
});

test('export: everyone with a status, to stdout or a file; importing it elsewhere gives the same list (names of suppressed people are not kept)', async () => {
  nl.write('subscribers/old.csv', 'email,name,status\ndi@example.com,"Di, Lady",cleaned\n');
  expect((await herald(nl, ['subscribers', 'remove', 'bo@example.com'])).code).toBe(0);
  const out = await herald(nl, ['subscribers', 'export']);
  expect(out.code).toBe(0);
  expect(out.stdout).toBe('email,name,status\nann@example.com,Ann,active\nbo@example.com,Bo,removed\ndi@example.com,"Di, Lady",cleaned\n');

  const file = path.join(nl.root, 'everyone.csv');
  const toFile = await herald(nl, ['subscribers', 'export', '--output', file]);
  expect(toFile.code).toBe(0);
  expect(toFile.stdout).toBe('');
  expect(fs.readFileSync(file, 'utf8')).toBe(out.stdout);

  other = makeNewsletter({ subscribers: {} });
  expect((await herald(other, ['subscribers', 'import', file])).code).toBe(0);
  expect((await herald(other, ['subscribers', 'export'])).stdout).toBe('email,name,status\nann@example.com,Ann,active\nbo@example.com,,removed\ndi@example.com,,cleaned\n');
});

test('export guards cells a spreadsheet would run as formulas with a leading \'; importing the export takes it off again', async () => {
  nl.write('subscribers/list.csv', [
    'email,name',
    '"=cmd|\'/Ccalc\'!A0@evil.example","=HYPERLINK(""http://evil.example/"")"',
    '+plus@example.com,@handle',
    'ann@example.com,-Ann',
    'tab@example.com,"\tTab"',
    'plain@example.com,Plain Name',
    '',
  ].join('\n'));
  const out = await herald(nl, ['subscribers', 'export']);
  expect(out.code).toBe(0);
  expect(out.stdout).toBe([
    'email,name,status',
    '\'=cmd|\'/Ccalc\'!A0@evil.example,"\'=HYPERLINK(""http://evil.example/"")",active',
    '\'+plus@example.com,\'@handle,active',
    'ann@example.com,\'-Ann,active',
    // discovery reads the name trimmed, so the tab is gone before the export sees it
    'tab@example.com,Tab,active',
    'plain@example.com,Plain Name,active',
    '',
  ].join('\n'));
  // adding a name keeps it as typed: herald's own list files hold data, the export is what spreadsheets get
  expect((await herald(nl, ['subscribers', 'add', 'new@example.com', '--name', '=1+1'])).code).toBe(0);
  expect(nl.read('subscribers/subscribers.csv')).toBe('email,name\nnew@example.com,=1+1\n');

  const file = path.join(nl.root, 'everyone.csv');
  expect((await herald(nl, ['subscribers', 'export', '--output', file])).code).toBe(0);
  other = makeNewsletter({ posts: { 'hello.md': '---\ntitle: Hello\n---\nHi.\n' }, subscribers: {} });
  expect((await herald(other, ['subscribers', 'import', file])).code).toBe(0);
  expect(other.read('subscribers/everyone.csv')).toContain('=cmd|\'/Ccalc\'!A0@evil.example,"=HYPERLINK(""http://evil.example/"")"\n+plus@example.com,@handle\n');
  expect(await recipients(other)).toEqual(await recipients(nl));
});

test('messages name the folder the "subscribers" setting points at, not subscribers/', async () => {
  other = makeNewsletter({ config: { subscribers: '_herald/list' }, posts: { 'hello.md': '# Hello\n\nHi.\n' } });
  const dir = '_herald/list';
  other.write(`${dir}/list.csv`, 'email,name\nann@example.com,Ann\n');
  const run = (args: string[]) => herald(other!, args);

  expect((await run(['subscribers', 'list'])).stdout).toContain(`files: ${dir}/list.csv\n`);
  expect(await run(['subscribers', 'add', 'cy@example.com'])).toMatchObject({ code: 0, stdout: `added cy@example.com to ${dir}/subscribers.csv\n` });
  expect(other.read(`${dir}/subscribers.csv`)).toBe('email,name\ncy@example.com,\n');
  expect((await run(['subscribers', 'add', 'ann@example.com'])).stdout).toBe(`ann@example.com is already subscribed (${dir}/list.csv:2)\n`);
  expect((await run(['subscribers', 'remove', 'ann@example.com'])).stdout).toContain(`(added to ${dir}/suppressed.csv as removed)`);
  const refused = await run(['subscribers', 'add', 'ann@example.com']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`${dir}/suppressed.csv: ann@example.com is on the suppression list`);
  const notThere = await run(['subscribers', 'unsuppress', 'zed@example.com']);
  expect(notThere.stderr).toContain(`${dir}/suppressed.csv: zed@example.com is not on the suppression list`);
  const imported = await run(['subscribers', 'import', path.join(FIXTURES, 'kit.csv')]);
  expect(imported.code).toBe(0);
  expect(imported.stdout).toContain(` into ${dir}/kit.csv`);
  expect((await run(['subscribers', 'import', path.join(FIXTURES, 'kit.csv'), '--as', 'bad name'])).stderr).toContain(`is not a file name for ${dir}/`);

  // broken files are named where they are, by every command that reads the list
  other.write(`${dir}/more.csv`, 'email\nnot-an-address\n');
  for (const args of [['subscribers', 'list'], ['send', '--dry-run'], ['check', '--no-smtp']]) {
    expect((await run(args)).stderr).toContain(`${dir}/more.csv:2: "not-an-address" is not a valid email address`);
  }
  other.write(`${dir}/suppressed.csv`, 'email,status\n"ann@example.com,removed\n');
  expect((await run(['subscribers', 'add', 'dee@example.com'])).stderr).toMatch(new RegExp(`${dir}/suppressed\\.csv:2: the suppression list is not valid CSV`));
  other.write(`${dir}/suppressed.csv`, 'email,status\n');
  other.write(`${dir}/preferences.csv`, 'email,topics\n"ann@example.com,x\n');
  expect((await run(['subscribers', 'list'])).stderr).toContain(`${dir}/preferences.csv:2: is not valid CSV`);

  // an empty list: check's warning names the folder
  for (const f of ['list.csv', 'more.csv', 'subscribers.csv', 'kit.csv', 'preferences.csv']) fs.rmSync(path.join(other.root, dir, f));
  expect((await run(['check', '--no-smtp'])).stderr).toContain(`warning: ${dir}/: no subscribers`);
  expect(fs.existsSync(path.join(other.root, 'subscribers'))).toBe(false);
});
