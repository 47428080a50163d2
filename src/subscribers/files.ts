import fs from 'node:fs';
import path from 'node:path';

/** The files in the subscriber folder: which of them make up the list, and how messages name them. */

/** The suppression list beside the subscriber files: see suppression.ts. */
export const SUPPRESSION_FILE = 'suppressed.csv';

/** Readers' own choices (preferences.ts): not a list, so list readers never see it. */
export const PREFERENCES_FILE = 'preferences.csv';

/** The file `subscribers add` and the subscribe form append to. */
export const MAIN_FILE = 'subscribers.csv';

/** The folder's name in messages when the caller does not give one: the `subscribers` setting's default. */
export const DEFAULT_FOLDER = 'subscribers';

/** The subscriber folder as messages name it: its path under the root (the `subscribers` setting), with forward slashes. */
export function subscriberFolder(root: string, dir: string): string {
  const rel = path.relative(root, dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : dir;
}

/** A file in the subscriber folder as messages name it, under the folder's label. */
export const listFileName = (file: string, folder: string = DEFAULT_FOLDER): string => `${folder}/${path.basename(file)}`;

/** Every subscribers/*.csv, the suppression list included (the preferences file not), sorted by name; none when the folder is missing. */
export function listCsvFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv') && !e.name.startsWith('.') && e.name !== PREFERENCES_FILE)
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
