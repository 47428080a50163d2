import type { Command } from 'commander';
import { ExitCode, type Output, exitCodeFor, runAction } from '../src/output';
import { ErrorCode, HeraldError, formatProblem, problemFromError } from '../src/errors';

function capture(verbose = false): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), verbose };
}

/** Runs an action the way every command runs, and returns what it printed and its exit code. */
async function run(action: () => never, verbose = false): Promise<{ code: number; printed: string }> {
  const io = capture(verbose);
  let code = -1;
  await runAction(io, (c) => (code = c), action)({} as Command);
  return { code, printed: io.lines.join('\n') };
}

function systemError(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, ${syscall} '${file}'`), { code, syscall, path: file, errno: -28 });
}

describe('errors a command throws', () => {
  test('an error herald did not expect is an internal error: exit 70, labelled a bug, with a line asking for a report', async () => {
    const { code, printed } = await run(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    expect(code).toBe(ExitCode.INTERNAL);
    expect(code).toBe(70);
    expect(printed).toMatch(/^error: internal error: Cannot read properties of undefined/);
    expect(printed).toMatch(/bug in herald.*report it.*--verbose.*HERALD_DEBUG=1/s);
    // not the user's mistake: never the usage exit code, and no stack unless asked
    expect(printed).not.toMatch(/\n\s+at /);
  });

  test('--verbose prints the stack and every cause in the chain', async () => {
    const root = new Error('SQLITE_IOERR: disk I/O error');
    const { printed } = await run(() => {
      throw new HeraldError(ErrorCode.ERECORD, 'cannot write the record', { cause: new Error('the commit failed', { cause: root }), location: { file: '.herald/herald.db' } });
    }, true);
    expect(printed).toMatch(/^error: \.herald\/herald\.db: cannot write the record/);
    expect(printed).toContain('caused by: Error: the commit failed');
    expect(printed).toContain('caused by: Error: SQLITE_IOERR: disk I/O error');
    expect(printed).toMatch(/\n\s+at /);
  });

  test('without --verbose, a cause is not printed', async () => {
    const { printed } = await run(() => {
      throw new HeraldError(ErrorCode.ERECORD, 'cannot write the record', { cause: new Error('the commit failed') });
    });
    expect(printed).toBe('error: cannot write the record');
  });

  test('the operating system refusing (disk full, permission) is reported as such, names the file, exits 1, and is not called a bug', async () => {
    const { code, printed } = await run(() => {
      throw systemError('ENOSPC', 'write', '/var/news/.herald/herald.db');
    });
    expect(code).toBe(ExitCode.FAILED);
    expect(printed).toMatch(/^error: \/var\/news\/\.herald\/herald\.db: ENOSPC/);
    expect(printed).toMatch(/disk is full/);
    expect(printed).not.toMatch(/bug/);
    expect(problemFromError(systemError('EACCES', 'open', 'x')).code).toBe(ErrorCode.ESYSTEM);
  });

  test.each([
    { what: 'a settings error', err: new HeraldError(ErrorCode.ECONFIG, 'bad setting'), code: ExitCode.USAGE },
    { what: 'a usage error', err: new HeraldError(ErrorCode.EUSAGE, 'bad flag'), code: ExitCode.USAGE },
    { what: 'a held lock', err: new HeraldError(ErrorCode.ELOCKED, 'another herald'), code: ExitCode.TEMPFAIL },
    { what: 'an SMTP error', err: new HeraldError(ErrorCode.ESMTP, 'server said no'), code: ExitCode.FAILED },
    { what: 'a record error', err: new HeraldError(ErrorCode.ERECORD, 'record broken'), code: ExitCode.FAILED },
    { what: 'a read-only file system', err: systemError('EROFS', 'open', 'x'), code: ExitCode.FAILED },
    { what: 'a stack overflow', err: new RangeError('Maximum call stack size exceeded'), code: ExitCode.INTERNAL },
    { what: 'a thrown string', err: 'a thrown string', code: ExitCode.INTERNAL },
  ])('$what exits $code', ({ err, code }) => {
    expect(exitCodeFor(err)).toBe(code);
  });

  test('a problem formats the same with or without a detail when not verbose', () => {
    const p = problemFromError(new HeraldError(ErrorCode.EPOST, 'empty post', { location: { file: 'posts/a.md', line: 3 }, hint: 'Write something.' }));
    expect(formatProblem(p)).toBe('error: posts/a.md:3: empty post\n    Write something.');
  });
});
