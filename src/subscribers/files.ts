import fs from 'node:fs';
import path from 'node:path';

/** The files in subscribers/: which of them make up the list, and how messages name them. */

/** The suppression list beside the subscriber files: see suppression.ts. */
export const SUPPRESSION_FILE = 'suppressed.csv';

/** Readers' own choices (preferences.ts): not a list, so list readers never see it. */
export const PREFERENCES_FILE = 'preferences.csv';

/** The file `subscribers add` and the subscribe form append to. */
export const MAIN_FILE = 'subscribers.csv';

/** A file in subscribers/ as messages name it. */
export const listFileName = (file: string): string => `subscribers/${path.basename(file)}`;

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
