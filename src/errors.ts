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
  EUSAGE: 'EUSAGE',
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
}

export function problem(code: ErrorCode, message: string, location?: Location, hint?: string): Problem {
  return { code, message, location, hint, severity: 'error' };
}

export function warning(code: ErrorCode, message: string, location?: Location, hint?: string): Problem {
  return { code, message, location, hint, severity: 'warning' };
}

export function problemFromError(err: unknown): Problem {
  if (err instanceof HeraldError) {
    return { code: err.code, message: err.message, location: err.location, hint: err.hint, severity: 'error' };
  }
  return { code: ErrorCode.EUSAGE, message: err instanceof Error ? err.message : String(err), severity: 'error' };
}

/** "posts/a.md:3: message (hint)" — the one format every command prints problems in. */
export function formatProblem(p: Problem): string {
  const where = p.location ? `${p.location.file}${p.location.line ? `:${p.location.line}` : ''}: ` : '';
  const hint = p.hint ? `\n    ${p.hint}` : '';
  return `${p.severity}: ${where}${p.message}${hint}`;
}
