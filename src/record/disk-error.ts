import { ErrorCode, HeraldError } from '../errors';

/**
 * Says a failed write for what it is when the disk is the cause (full, read-only, failing), so
 * a run that stops on it names the file and the problem instead of printing SQLite's words. Any
 * other error is returned as it is.
 */
export function diskError(err: unknown, file: string, what: string, hint: string): unknown {
  if (err instanceof HeraldError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const problem = /^(SQLITE_FULL|ENOSPC|EDQUOT)$/.test(code)
    ? 'the disk is full'
    : /^(SQLITE_READONLY|EROFS)/.test(code)
      ? 'the file system is read-only'
      : /^(SQLITE_IOERR|EIO$)/.test(code)
        ? 'the disk reported an input/output error'
        : undefined;
  if (!problem) return err;
  return new HeraldError(ErrorCode.ERECORD, `cannot write ${what}: ${problem} (${(err as Error).message})`, { location: { file }, hint, cause: err });
}
