import fs from 'node:fs';
import path from 'node:path';
import type { FolderConventions } from './posts';

/** The static site generators whose folders herald reads as they are. */
export type Generator = 'jekyll' | 'hugo' | 'eleventy' | 'astro' | 'pelican';

/** Each generator's own configuration files, by which a site is recognised. */
export const GENERATOR_FILES: Readonly<Record<Generator, readonly string[]>> = {
  jekyll: ['_config.yml', '_config.yaml'],
  hugo: ['hugo.toml', 'hugo.yaml', 'hugo.yml', 'hugo.json', 'config.toml'],
  eleventy: ['eleventy.config.js', 'eleventy.config.mjs', 'eleventy.config.cjs', 'eleventy.config.ts', '.eleventy.js'],
  astro: ['astro.config.mjs', 'astro.config.js', 'astro.config.ts', 'astro.config.mts'],
  pelican: ['pelicanconf.py'],
};

/** Where each generator keeps posts when nothing else is said. */
export const GENERATOR_POSTS: Readonly<Record<Generator, string>> = {
  jekyll: '_posts',
  hugo: 'content/posts',
  eleventy: 'posts',
  astro: 'src/content/blog',
  pelican: 'content',
};

/** The generator whose configuration file is at the root, if one is. */
export function detectGenerator(root: string): Generator | undefined {
  let names: Set<string>;
  try {
    names = new Set(fs.readdirSync(root));
  } catch {
    return undefined;
  }
  for (const [generator, files] of Object.entries(GENERATOR_FILES) as [Generator, readonly string[]][]) {
    if (files.some((f) => names.has(f))) return generator;
  }
  return undefined;
}

/** The conventions that cannot be mistaken: a Hugo or Astro folder with index.md is one post; Astro writes .mdx. */
export function folderConventions(generator: Generator | undefined): FolderConventions {
  if (generator === 'hugo') return { bundles: true };
  if (generator === 'astro') return { bundles: true, extensions: new Set(['.mdx']) };
  return {};
}

/** A folder label as posts name it: its path under the root, with forward slashes. */
export function folderLabel(root: string, dir: string): string {
  return path.relative(root, dir).split(path.sep).join('/') || '.';
}
