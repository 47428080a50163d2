import type { Command } from 'commander';
import type { App } from '../app';
import { ErrorCode, HeraldError, formatProblem, problemFromError } from '../errors';
import { ExitCode, type Output, plural, runAction } from '../output';
import type { Tally } from '../bounces/apply';
import type { SourceMessage } from '../bounces/sources';

export interface BouncesOptions {
  readonly maildir?: string;
  readonly mbox?: string;
  readonly stdin?: boolean;
  readonly imap?: boolean;
  readonly json: boolean;
  /** Standard input, for --stdin (tests hand in their own). */
  readonly input?: NodeJS.ReadableStream;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const bounces = {
  apply: () => require('../bounces/apply') as typeof import('../bounces/apply'),
  context: () => require('../bounces/context') as typeof import('../bounces/context'),
  sources: () => require('../bounces/sources') as typeof import('../bounces/sources'),
  kept: () => require('../bounces/kept-reports') as typeof import('../bounces/kept-reports'),
  imap: () => require('../bounces/imap') as typeof import('../bounces/imap'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Reads bounce and complaint reports from one mailbox and acts on those that match a delivery
 * herald made. Exit 0 when every message was read (whatever it said), 1 when one had to be skipped,
 * and, with --stdin, 75 when herald itself could not process the message (the mail server retries).
 */
export async function runBounces(app: App, opts: BouncesOptions): Promise<number> {
  const { io } = app;
  const chosen = [opts.maildir !== undefined, opts.mbox !== undefined, Boolean(opts.stdin), Boolean(opts.imap)].filter(Boolean).length;
  if (chosen !== 1) {
    throw new HeraldError(ErrorCode.EUSAGE, 'give exactly one of --maildir DIR, --mbox FILE, --stdin or --imap', {
      hint: 'For example `herald bounces --maildir ~/Maildir/.Bounces`, or `--imap` with HERALD_BOUNCE_IMAP_URL set.',
    });
  }
  const imapUrl = process.env.HERALD_BOUNCE_IMAP_URL?.trim();
  if (opts.imap && !imapUrl) {
    throw new HeraldError(ErrorCode.ECONFIG, '--imap needs HERALD_BOUNCE_IMAP_URL', {
      hint: 'For example HERALD_BOUNCE_IMAP_URL=imaps://bounces%40example.com:PASSWORD@imap.example.com/INBOX',
    });
  }
  const tally = bounces.apply().emptyTally();
  try {
    await readAll(app, opts, imapUrl, tally);
  } catch (err) {
    if (!opts.stdin) throw err;
    // a message piped in by the mail server is not lost to a passing fault (a busy or broken
    // record, a full disk): 75 (EX_TEMPFAIL) makes Postfix keep it and try again later
    io.err(formatProblem(problemFromError(err), io));
    io.err('the message was not processed; exit 75 asks the mail server to deliver it again later');
    return ExitCode.TEMPFAIL;
  }
  report(io, tally, opts.json);
  return tally.skipped.length ? ExitCode.FAILED : ExitCode.OK;
}

async function readAll(app: App, opts: BouncesOptions, imapUrl: string | undefined, tally: Tally): Promise<void> {
  const { settings, io } = app;
  const record = app.openRecord();
  try {
    const ctx = bounces.context().bounceContext(settings, record, app.now());
    const read = (m: SourceMessage): Promise<boolean> => bounces.apply().processMessage(m.raw, m.source, ctx, tally);
    const max = settings.bounces.maxReportBytes;
    const src = bounces.sources();
    if (opts.maildir !== undefined) for await (const m of src.maildirMessages(opts.maildir, max)) await read(m);
    if (opts.mbox !== undefined) for await (const m of src.mboxMessages(opts.mbox, max)) await read(m);
    if (opts.stdin) await read(await src.stdinMessage(opts.input ?? process.stdin, max));
    if (opts.imap) await bounces.imap().readImap(imapUrl!, { maxBytes: max, stop: app.stop, log: (line) => io.err(line) }, read);
    bounces.kept().pruneReports(settings.stateDir, settings.bounces.keepReports);
  } finally {
    record.close();
  }
}

function report(io: Output, t: Tally, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(t, null, 2));
    return;
  }
  const acted = [plural(t.hard, 'hard bounce'), plural(t.soft, 'soft bounce'), plural(t.complaints, 'complaint')];
  io.out(`read ${plural(t.read, 'message')}: ${acted.join(', ')}; ${plural(t.suppressed, 'address', 'addresses')} suppressed`);
  const ignored = [
    [t.autoReplies, 'auto-reply', 'auto-replies'],
    [t.challenges, 'challenge'],
    [t.notActionable, 'delay or other notice', 'delay or other notices'],
    [t.unmatched, 'report matching no delivery herald made', 'reports matching no delivery herald made'],
    [t.duplicates, 'report already processed', 'reports already processed'],
    [t.other, 'message that is not a report', 'messages that are not reports'],
  ] as const;
  const parts = ignored.filter(([n]) => n > 0).map(([n, one, many]) => plural(n, one, many));
  if (parts.length) io.out(`ignored: ${parts.join(', ')}`);
  for (const p of t.senderProblems) {
    io.err(`warning: ${p.email}'s server refused the sender (${p.status}: ${p.detail}); the address stays on the list. Check your sending IP and domain against blocklists, and SPF, DKIM and DMARC (from ${p.source})`);
  }
  for (const s of t.skipped) io.err(`error: ${s.source}: skipped: ${s.reason}`);
}

/** `herald bounces`: one source per run. */
export function registerBouncesCommand(program: Command, io: Output, appFor: (command: Command, stop: boolean) => App, setExit: (code: number) => void): void {
  program
    .command('bounces')
    .description('read bounce and complaint reports (DSN, ARF, plain-text bounces) and suppress the addresses they are about')
    .option('--maildir <dir>', 'read every message in this Maildir (cur/ and new/)')
    .option('--mbox <file>', 'read every message in this mbox file')
    .option('--stdin', 'read one message from standard input (a Postfix pipe transport or a .forward)')
    .option('--imap', 'read the mailbox at HERALD_BOUNCE_IMAP_URL; processed messages are moved to its Processed folder')
    .option('--json', 'print the summary as JSON')
    .action(
      runAction(io, setExit, (command) => {
        const o = command.opts() as { maildir?: string; mbox?: string; stdin?: boolean; imap?: boolean; json?: boolean };
        return runBounces(appFor(command, Boolean(o.imap)), { ...o, json: Boolean(o.json) });
      }),
    );
}

