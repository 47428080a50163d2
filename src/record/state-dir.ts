import fs from 'node:fs';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';

/**
 * The state folder (record, lock, previews) must exist and take writes before a command that
 * writes there starts: a folder that cannot be made is a settings error naming the folder and
 * the setting, never a crash halfway through a run.
 */
export function prepareStateDir(settings: { readonly stateDir: string; readonly configPath: string }): void {
  prepareFolder(settings.stateDir, 'stateDir', settings.configPath);
}

/** Creates `dir` if needed and checks it is writable; an ECONFIG error naming `setting` if not. */
export function prepareFolder(dir: string, setting: string, configPath: string): void {
  try {
    makeDir(dir);
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw new HeraldError(ErrorCode.ECONFIG, `the folder ${dir} (${setting}) cannot be created or written: ${describe(err)}`, {
      location: { file: configPath },
      hint: `Set ${setting} in herald.config.json to a folder herald can create and write (the default is ".herald"), or fix that folder's permissions.`,
      cause: err,
    });
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'a parent folder does not exist or takes no new folders';
    case 'ENOTDIR':
      return 'part of the path is a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return (err as Error).message;
  }
}
