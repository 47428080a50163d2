import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE, readEnvironment } from '../config/load';
import { detectGenerator, type Generator } from '../discover/generators';
import { readSiteConfig, type SiteConfig } from '../discover/site-config';
import { ErrorCode, HeraldError } from '../errors';
import { ExitCode, type Output, runAction } from '../output';
import { BUILT_IN_TEMPLATES } from '../render/template-file';

/** The JSON Schema of herald.config.json, shipped in the package beside dist/. */
const SCHEMA_FILE = path.resolve(__dirname, '../../schema/herald.config.schema.json');

const NAMES: Record<Generator, string> = { jekyll: 'Jekyll', hugo: 'Hugo', eleventy: 'Eleventy', astro: 'Astro', pelican: 'Pelican' };

export function registerInitCommand(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('start a newsletter in DIR (default: here): an empty folder, or the site you already have')
    .argument('[dir]', 'the folder (default: the working directory)')
    .option('--force', 'overwrite files herald would write that already exist')
    .action(runAction(io, setExit, (command) => runInit(command.args[0] ?? process.cwd(), { force: Boolean(command.opts().force) }, io)));
}

interface Plan {
  readonly files: ReadonlyMap<string, string>;
  readonly said: readonly string[];
}

export function runInit(dir: string, opts: { force: boolean }, io: Output): number {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const generator = detectGenerator(root);
  const site = generator ? readSiteConfig(root, generator) : undefined;
  const plan = site ? forSite(root, site) : forEmptyFolder(root);
  const existing = [...plan.files.keys()].filter((rel) => fs.existsSync(path.join(root, rel)));
  if (existing.length && !opts.force) {
    throw new HeraldError(ErrorCode.EUSAGE, `herald init would overwrite ${existing.join(', ')}; nothing was written`, {
      location: { file: path.join(root, existing[0]!) },
      hint: 'Move the file away, or run herald init --force to overwrite it.',
    });
  }
  for (const [rel, content] of plan.files) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  addToGitignore(root, site?.generator === 'jekyll' ? ['_herald/state/'] : ['.herald/']);
  for (const line of plan.said) io.out(line);
  io.out(`wrote ${[...plan.files.keys()].join(', ')}`);
  io.out('next:');
  const at = path.relative(process.cwd(), root) ? ` --root ${JSON.stringify(path.relative(process.cwd(), root))}` : '';
  io.out(`  herald subscribers add you@example.com${at}   (then set "from" in ${CONFIG_FILE})`);
  io.out(`  herald send --dry-run${at}`);
  io.out(`  HERALD_SMTP_URL=smtps://user:password@smtp.example.com:465 herald send${at}`);
  return ExitCode.OK;
}

function config(root: string, settings: Record<string, unknown>): string {
  const schema = path.relative(root, SCHEMA_FILE).split(path.sep).join('/');
  return `${JSON.stringify({ $schema: schema, ...settings }, null, 2)}\n`;
}

function forEmptyFolder(root: string): Plan {
  const now = readEnvironment(process.env).now ?? new Date();
  const day = now.toISOString().slice(0, 10);
  const files = new Map<string, string>([
    [CONFIG_FILE, config(root, { name: 'My Newsletter', siteUrl: 'https://example.com/', from: 'My Newsletter <news@example.com>', posts: 'posts' })],
    ['templates/default.mjml', fs.readFileSync(path.join(BUILT_IN_TEMPLATES, 'default.mjml'), 'utf8')],
    [`posts/${day}-welcome.md`, `---\ntitle: Welcome\ndate: ${day}\nsummary: What this newsletter is about\n---\nThis is the first post. Write the next one beside it, in posts/.\n`],
    ['subscribers/subscribers.csv', 'email,name\n'],
  ]);
  return { files, said: ['a new newsletter: edit siteUrl, name and from in herald.config.json.'] };
}

/**
 * An existing site: posts, siteUrl and postUrl from its configuration; subscribers and the record
 * where its generator never publishes (Jekyll publishes every folder not starting with "_" or ".").
 */
function forSite(root: string, site: SiteConfig): Plan {
  const jekyll = site.generator === 'jekyll';
  const settings: Record<string, unknown> = {
    name: site.title ?? 'Newsletter',
    siteUrl: site.siteUrl ?? 'https://example.com/',
    from: 'Newsletter <news@example.com>',
    posts: site.posts,
    postUrl: site.postUrl,
    ...(jekyll ? { subscribers: '_herald/subscribers', stateDir: '_herald/state' } : {}),
  };
  const subscribers = jekyll ? '_herald/subscribers' : 'subscribers';
  const files = new Map<string, string>([[CONFIG_FILE, config(root, settings)], [`${subscribers}/subscribers.csv`, 'email,name\n']]);
  const said = [
    `found ${/^[AEIOU]/.test(NAMES[site.generator]) ? 'an' : 'a'} ${NAMES[site.generator]} site (${site.file}): posts in ${site.posts}/, post URLs ${site.postUrl}` +
      (site.siteUrl ? `, siteUrl ${site.siteUrl}` : '; no site URL there, so set siteUrl in herald.config.json'),
    `subscribers in ${subscribers}/ and the record in ${jekyll ? '_herald/state' : '.herald'}/, which ${NAMES[site.generator]} does not publish; the built-in template is used until you add templates/.`,
  ];
  return { files, said };
}

function addToGitignore(root: string, entries: readonly string[]): void {
  const file = path.join(root, '.gitignore');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const missing = entries.filter((e) => !current.split('\n').some((line) => line.trim() === e));
  if (!missing.length) return;
  fs.writeFileSync(file, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
}
