/**
 * Builds throwaway newsletter folders from object literals, so each test states
 * exactly the posts, templates, subscribers and config it depends on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface NewsletterSpec {
  /** Written as herald.config.json, merged over DEFAULT_CONFIG. */
  config?: Record<string, unknown>;
  /** Path under posts/ -> file content; nested folders allowed. */
  posts?: Record<string, string | Buffer>;
  /** File name under templates/ -> content; the repository's default.mjml is copied in unless given. */
  templates?: Record<string, string>;
  /** File name under subscribers/ -> CSV content. */
  subscribers?: Record<string, string>;
}

export interface TempNewsletter {
  readonly root: string;
  write(relPath: string, content: string | Buffer): void;
  read(relPath: string): string;
  exists(relPath: string): boolean;
  remove(): void;
}

/** The settings every test newsletter starts from; a spec's config is laid over them. */
export const BASE_CONFIG = {
  name: 'Test Letter',
  siteUrl: 'https://blog.example.com/',
  from: 'Test Letter <news@example.com>',
};

const REPO_DEFAULT_TEMPLATE = path.resolve(__dirname, '../../templates/default.mjml');

/** Refuses paths that would escape the temp folder, so a typo in a spec cannot write elsewhere on disk. */
function resolveInside(root: string, relPath: string): string {
  const full = path.resolve(root, relPath);
  if (full !== root && !full.startsWith(root + path.sep)) {
    throw new Error(`makeNewsletter: path ${JSON.stringify(relPath)} escapes the newsletter folder`);
  }
  return full;
}

function writeFile(root: string, relPath: string, content: string | Buffer): void {
  const full = resolveInside(root, relPath);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
}

function writeAll(root: string, folder: string, files: Record<string, string | Buffer> | undefined): void {
  for (const [relPath, content] of Object.entries(files ?? {})) {
    writeFile(root, path.join(folder, relPath), content);
  }
}

/** Without a template the CLI cannot render anything, so tests get the real one unless they override it. */
function defaultTemplates(given: Record<string, string> | undefined): Record<string, string> {
  if (given && 'default.mjml' in given) return given;
  if (!fs.existsSync(REPO_DEFAULT_TEMPLATE)) return given ?? {};
  return { 'default.mjml': fs.readFileSync(REPO_DEFAULT_TEMPLATE, 'utf8'), ...given };
}

export function makeNewsletter(spec: NewsletterSpec = {}): TempNewsletter {
  // realpath: on macOS os.tmpdir() is a symlink, and tests compare paths the CLI prints.
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-test-')));

  const config = { ...BASE_CONFIG, ...spec.config };
  writeFile(root, 'herald.config.json', JSON.stringify(config, null, 2) + '\n');
  writeAll(root, 'posts', spec.posts);
  writeAll(root, 'templates', defaultTemplates(spec.templates));
  writeAll(root, 'subscribers', spec.subscribers);

  return {
    root,
    write: (relPath, content) => writeFile(root, relPath, content),
    read: (relPath) => fs.readFileSync(resolveInside(root, relPath), 'utf8'),
    exists: (relPath) => fs.existsSync(resolveInside(root, relPath)),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** 'email,name' then sub0001@example.com,Reader 1 ... — predictable addresses for counting and lookups. */
export function subscribersCsv(n: number, opts: { domain?: string; header?: string } = {}): string {
  const domain = opts.domain ?? 'example.com';
  const header = opts.header ?? 'email,name';
  const rows = Array.from({ length: n }, (_, i) => `sub${String(i + 1).padStart(4, '0')}@${domain},Reader ${i + 1}`);
  return [header, ...rows].join('\n') + '\n';
}
