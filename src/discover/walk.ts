import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, type Problem, warning } from '../errors';

export const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.mdown', '.mkd', '.mkdn']);

/**
 * Files and folders starting with "." or "_" are skipped (editor files, Hugo's _index.md, Jekyll's
 * _drafts). Symbolic links are followed when they lead to a place inside the folder (each file and
 * folder is read once, under its own path if it is also reached directly); one leading outside it,
 * or nowhere, is skipped with a warning, so a link cannot mail a file from elsewhere on the disk.
 */
export function listMarkdownFiles(dir: string, opts: { label?: string; extensions?: ReadonlySet<string> } = {}): { files: string[]; problems: Problem[] } {
  const label = opts.label ?? 'posts';
  const extensions = opts.extensions ?? MARKDOWN_EXTENSIONS;
  const problems: Problem[] = [];
  let root: string;
  try {
    root = fs.realpathSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], problems };
    throw err;
  }
  const isMarkdown = (name: string): boolean => extensions.has(path.extname(name).toLowerCase());
  const shown = (full: string): string => `${label}/${path.relative(dir, full).split(path.sep).join('/')}`;
  /** real path → the path it is listed under, and whether that path goes through a link */
  const files = new Map<string, { full: string; linked: boolean }>();
  const walked = new Set<string>();
  const linkedDirs: { full: string; real: string }[] = [];
  const walk = (current: string, real: string, linked: boolean): void => {
    if (walked.has(real)) return; // a link back up the tree, or a second way into a folder
    walked.add(real);
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full, path.join(real, entry.name), linked);
      else if (entry.isFile() && isMarkdown(entry.name)) keep(path.join(real, entry.name), full, linked);
      else if (entry.isSymbolicLink()) follow(full, entry.name);
    }
  };
  const keep = (real: string, full: string, linked: boolean): void => {
    const known = files.get(real);
    if (!known || (known.linked && !linked)) files.set(real, { full, linked });
  };
  const follow = (full: string, name: string): void => {
    let target: string;
    let stat: fs.Stats;
    try {
      target = fs.realpathSync(full);
      stat = fs.statSync(target);
    } catch {
      if (isMarkdown(name)) problems.push(warning(ErrorCode.EPOST, 'is a symbolic link that leads nowhere; skipped', { file: shown(full) }));
      return;
    }
    if (!stat.isDirectory() && !(stat.isFile() && isMarkdown(name))) return;
    if (target !== root && !target.startsWith(root + path.sep)) {
      problems.push(warning(ErrorCode.EPOST, `is a symbolic link to ${target}, outside the posts folder; skipped`, { file: shown(full) },
        'Move the post into the posts folder, or link to a place inside it.'));
      return;
    }
    if (stat.isDirectory()) linkedDirs.push({ full, real: target });
    else keep(target, full, true);
  };
  walk(dir, root, false);
  // linked folders after the direct walk, so a post reached both ways keeps its own path
  for (let i = 0; i < linkedDirs.length; i++) walk(linkedDirs[i]!.full, linkedDirs[i]!.real, true);
  return { files: [...files.values()].map((f) => f.full).sort(), problems };
}

