/**
 * Every problem herald reports is a HeraldError with a code from this table, so that callers
 * (and scripts reading --json) can tell a bad post from an SMTP outage without parsing text.
 */
export const ErrorCode = {
  ECONFIG: 'ECONFIG',
  EPOST: 'EPOST',
  ETEMPLATE: 'ETEMPLATE',
  ESUBSCRIBER: 'ESUBSCRIBER',
  ERECORD: 'ERECORD',
  ELOCKED: 'ELOCKED',
  ESMTP: 'ESMTP',
  /** A feed that could not be read, or an item in it that cannot be mailed. */
  EFEED: 'EFEED',
  EUSAGE: 'EUSAGE',
  /** The operating system refused (disk full, permission denied, read-only file system…). */
  ESYSTEM: 'ESYSTEM',
  /** Something herald did not expect: a bug, reported as such rather than as the user's mistake. */
  EINTERNAL: 'EINTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface Location {
  readonly file: string;
  readonly line?: number;
}

export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly location?: Location;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { location?: Location; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HeraldError';
    this.code = code;
    this.location = opts.location;
    this.hint = opts.hint;
  }
}

/** A problem found in the input that does not stop the run: reported, then the rest goes on. */
export interface Problem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly location?: Location;
  readonly hint?: string;
  readonly severity: 'error' | 'warning';
  /** The stack and the chain of causes, printed with --verbose (or HERALD_DEBUG=1). */
  readonly detail?: string;
}

export function problem(code: ErrorCode, message: string, location?: Location, hint?: string): Problem {
  return { code, message, location, hint, severity: 'error' };
}

export function warning(code: ErrorCode, message: string, location?: Location, hint?: string): Problem {
  return { code, message, location, hint, severity: 'warning' };
}

export function problemFromError(err: unknown): Problem {
  const detail = errorDetail(err);
  if (err instanceof HeraldError) {
    return { code: err.code, message: err.message, location: err.location, hint: err.hint, severity: 'error', detail };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (isSystemError(err)) {
    return {
      code: ErrorCode.ESYSTEM, message, severity: 'error', detail,
      location: err.path ? { file: err.path } : undefined,
      hint: err.code === 'ENOSPC' ? 'The disk is full: free some space, then run the same command again.' : undefined,
    };
  }
  return {
    code: ErrorCode.EINTERNAL, message: `internal error: ${message}`, severity: 'error', detail,
    hint: 'This is a bug in herald, not something you did. Please report it, with the output of the same command run with --verbose (or HERALD_DEBUG=1).',
  };
}

/** An error from a system call: it carries the call and an errno code such as ENOSPC or EACCES. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && (typeof e.syscall === 'string' || typeof e.errno === 'number');
}

/** The stack of an error followed by each cause's, so that --verbose shows where it really began. */
export function errorDetail(err: unknown): string | undefined {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== undefined && current !== null && !seen.has(current) && parts.length < 10) {
    seen.add(current);
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    parts.push(parts.length ? `caused by: ${text}` : text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.length ? parts.join('\n') : undefined;
}

/**
 * "posts/a.md:3: message (hint)" — the one format every command prints problems in; `verbose`
 * adds the stack and the causes.
 */
export function formatProblem(p: Problem, opts: { verbose?: boolean } = {}): string {
  const where = p.location ? `${p.location.file}${p.location.line ? `:${p.location.line}` : ''}: ` : '';
  const hint = p.hint ? `\n    ${p.hint}` : '';
  const detail = opts.verbose && p.detail ? `\n${p.detail.replace(/^/gm, '    ')}` : '';
  return `${p.severity}: ${where}${p.message}${hint}${detail}`;
}
