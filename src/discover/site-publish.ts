import path from 'node:path';
import { ErrorCode, type Problem, problem } from '../errors';
import type { Generator } from './generators';
import type { SiteConfig } from './site-config';

/** One of herald's own folders: subscriber addresses, the record, previews of real messages. */
export interface PrivateFolder {
  /** The setting that places it, for the message. */
  readonly setting: string;
  readonly dir: string;
}

/** Folders each generator copies into the built site as they are. */
const PUBLISHED: Partial<Record<Generator, readonly string[]>> = {
  hugo: ['static', 'content', 'assets', 'public'],
  astro: ['public', 'src/pages', 'dist'],
  eleventy: ['_site'],
  pelican: ['output'],
};

/**
 * herald's folders must never be published with the site: a Jekyll site copies every folder whose
 * name does not start with "_" or "." into _site/, so subscribers/ at its root would put every
 * reader's address on the web. Returns an error for each folder the generator would publish.
 */
export function publishedPrivateFolders(root: string, generator: Generator | undefined, folders: readonly PrivateFolder[], site?: SiteConfig): Problem[] {
  if (!generator) return [];
  const problems: Problem[] = [];
  for (const folder of folders) {
    const rel = path.relative(root, folder.dir).split(path.sep).join('/');
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (!publishes(generator, rel, site)) continue;
    problems.push(problem(ErrorCode.ECONFIG, `${folder.setting}: ${rel}/ would be published with the ${generator} site, and everything in it put on the web`, { file: site?.file ?? root },
      generator === 'jekyll'
        ? `Move it under a folder Jekyll does not publish, e.g. "${folder.setting === 'stateDir' ? '_herald/state' : '_herald/subscribers'}", or add "${rel.split('/')[0]}" to exclude: in _config.yml.`
        : `Move it out of ${PUBLISHED[generator]!.join('/, ')}/ (herald init chooses a safe place).`));
  }
  return problems;
}

function publishes(generator: Generator, rel: string, site?: SiteConfig): boolean {
  const first = rel.split('/')[0]!;
  if (generator === 'jekyll') {
    if (first.startsWith('_') || first.startsWith('.')) return false;
    return !(site?.excluded ?? []).some((x) => x.replace(/\/$/, '') === first || rel.startsWith(`${x.replace(/\/$/, '')}/`));
  }
  return (PUBLISHED[generator] ?? []).some((dir) => rel === dir || rel.startsWith(`${dir}/`));
}
