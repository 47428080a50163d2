/**
 * `herald preview POST` through commander, on a copy of the example newsletter: preview files,
 * drafts included, unknown names as usage errors, screenshots, and the live server re-rendering
 * after the post is edited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadSettings } from '../../src/config/load';
import { ExitCode, type Output } from '../../src/output';
import { registerPreviewCommand } from '../../src/commands/preview-command';
import { findPost, runPreview } from '../../src/commands/preview-run';
import { findChromium } from '../../src/preview/screenshot';
import { copyExample } from '../templates/example';

jest.setTimeout(90_000);

let example: ReturnType<typeof copyExample>;
beforeEach(() => {
  example = copyExample();
});
afterEach(() => example.remove());

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

async function cli(args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const io = capture();
  let code = -1;
  const program = new Command('herald').option('--root <dir>').exitOverride();
  registerPreviewCommand(program, io, (cmd) => loadSettings((cmd.optsWithGlobals() as { root: string }).root, {}), (c) => {
    code = c;
  });
  await program.parseAsync(['node', 'herald', '--root', example.root, ...args]);
  return { code, lines: io.lines, errors: io.errors };
}

test('renders the named post into the preview folder', async () => {
  const run = await cli(['preview', 'welcome']);
  expect(run.errors.filter((e) => !e.startsWith('note:'))).toEqual([]);
  expect(run.code).toBe(ExitCode.OK);
  const dir = path.join(example.root, '.herald/preview/2026-03-02-welcome');
  for (const file of ['email.html', 'email.txt', 'message.eml']) expect(fs.existsSync(path.join(dir, file))).toBe(true);
  expect(fs.readFileSync(path.join(dir, 'email.html'), 'utf8')).toContain('Welcome to The Example Dispatch');
  expect(run.lines[0]).toBe('"Welcome to The Example Dispatch" (posts/2026-03-02-welcome.md)');
  // the record is not touched
  expect(fs.existsSync(path.join(example.root, '.herald/herald.db'))).toBe(false);
});

test('finds posts by every name herald send accepts', () => {
  const settings = loadSettings(example.root, {});
  for (const name of ['welcome', '2026-03-02-welcome', 'posts/2026-03-02-welcome.md', '2026-03-02-welcome.md', 'field-notes/logs-over-stack-traces', 'shipping-on-fridays']) {
    expect(findPost(settings, name).file).toMatch(/^posts\//);
  }
});

test('previews a draft (with a note that it is not sent), which herald send would refuse', async () => {
  fs.writeFileSync(path.join(example.root, 'posts/draft.md'), '---\ntitle: Not yet\ndraft: true\n---\nWork in progress.\n');
  const run = await cli(['preview', 'draft']);
  expect(run.code).toBe(ExitCode.OK);
  expect(run.errors).toContain('note: posts/draft.md: is a draft, so it is not sent');
  expect(fs.readFileSync(path.join(example.root, '.herald/preview/draft/email.html'), 'utf8')).toContain('Work in progress.');
});

test('an unknown post is a usage error (exit 2); a broken one says what is wrong with it', async () => {
  const unknown = await cli(['preview', 'no-such-post']);
  expect(unknown.code).toBe(ExitCode.USAGE);
  expect(unknown.errors.join('\n')).toContain('no post named "no-such-post"');

  fs.writeFileSync(path.join(example.root, 'posts/broken.md'), '');
  const broken = await cli(['preview', 'broken.md']);
  expect(broken.code).not.toBe(ExitCode.OK);
  expect(broken.errors.join('\n')).toContain('posts/broken.md: is empty');
});

test('a template error is reported with the template file, exit 1', async () => {
  fs.writeFileSync(path.join(example.root, 'templates/default.mjml'), '<mjml><mj-body>{{ nope }}</mj-body></mjml>');
  const run = await cli(['preview', 'welcome']);
  expect(run.code).toBe(ExitCode.FAILED);
  expect(run.errors.join('\n')).toMatch(/templates\/default\.mjml.*unknown variable "nope"/);
});

test('warns about what the lint finds (here: no postal address)', async () => {
  const configFile = path.join(example.root, 'herald.config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  delete config.postalAddress;
  fs.writeFileSync(configFile, JSON.stringify(config));
  const run = await cli(['preview', 'welcome']);
  expect(run.code).toBe(ExitCode.OK);
  expect(run.errors.join('\n')).toMatch(/warning: posts\/2026-03-02-welcome\.md: there is no postal address/);
});

(findChromium() ? test : test.skip)(
  findChromium() ? '--screenshots saves both widths beside the preview' : '--screenshots — skipped: no Chromium here (apt-get install chromium, or set HERALD_CHROMIUM)',
  async () => {
    const run = await cli(['preview', 'welcome', '--screenshots']);
    expect(run.errors.filter((e) => !e.startsWith('note:'))).toEqual([]);
    expect(run.code).toBe(ExitCode.OK);
    const dir = path.join(example.root, '.herald/preview/2026-03-02-welcome');
    expect(fs.existsSync(path.join(dir, 'email-375.png'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'email-600.png'))).toBe(true);
    expect(run.lines.some((l) => l.includes('screenshots:'))).toBe(true);
  },
);

(findChromium() ? test : test.skip)(
  findChromium() ? '--dark also saves both widths as a reader in dark mode sees them, as the README shows' : '--dark — skipped: no Chromium here (apt-get install chromium, or set HERALD_CHROMIUM)',
  async () => {
    const run = await cli(['preview', 'welcome', '--dark']);
    expect(run.errors.filter((e) => !e.startsWith('note:'))).toEqual([]);
    expect(run.code).toBe(ExitCode.OK);
    const dir = path.join(example.root, '.herald/preview/2026-03-02-welcome');
    for (const name of ['email-375.png', 'email-600.png', 'email-dark-375.png', 'email-dark-600.png']) expect(fs.existsSync(path.join(dir, name))).toBe(true);
    expect(run.lines.some((l) => l.includes('screenshots (dark mode):'))).toBe(true);
    // a different picture from the light one
    expect(fs.readFileSync(path.join(dir, 'email-dark-600.png')).equals(fs.readFileSync(path.join(dir, 'email-600.png')))).toBe(false);
  },
);

test('--serve serves the post and re-renders it when the post is edited, until stopped', async () => {
  const io = capture();
  let stop!: () => void;
  const until = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let url!: string;
  const serving = new Promise<void>((resolve) => {
    void runPreview(() => loadSettings(example.root, {}), 'shipping-on-fridays', {
      screenshots: false,
      serve: true,
      port: 0,
      until,
      onServing: (u) => {
        url = u;
        resolve();
      },
    }, io).then((code) => {
      exitCode = code;
    });
  });
  let exitCode = -1;
  await serving;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(await (await fetch(url)).text()).toContain('Shipping on Fridays');

  const file = path.join(example.root, 'posts/notes/shipping-on-fridays.md');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('title = "Shipping on Fridays"', 'title = "Shipping on Thursdays"'));
  let html = '';
  for (let i = 0; i < 200 && !html.includes('Shipping on Thursdays'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    html = await (await fetch(url)).text();
  }
  expect(html).toMatch(/<h1 style="[^"]*">Shipping on Thursdays<\/h1>/);

  // a broken template shows in the page; the server keeps running
  fs.writeFileSync(path.join(example.root, 'templates/default.mjml'), '<mjml><mj-body>{{ nope }}</mj-body></mjml>');
  for (let i = 0; i < 200 && !html.includes('could not be rendered'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    html = await (await fetch(url)).text();
  }
  expect(html).toContain('unknown variable &#34;nope&#34;');

  stop();
  for (let i = 0; i < 100 && exitCode === -1; i++) await new Promise((r) => setTimeout(r, 20));
  expect(exitCode).toBe(ExitCode.OK);
  await expect(fetch(url)).rejects.toThrow();
});
