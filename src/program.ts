import { Command } from 'commander';
import type { App } from './app';
import { loadSettings, type Settings } from './config/load';
import { positiveInt } from './commands/options';
import { ExitCode, type Output, processOutput, runAction } from './output';
import { stopOnSignals } from './signals';
import { registerPreviewCommand } from './commands/preview-command';
import { registerServeCommand } from './commands/serve';
import { registerSubscribersCommand } from './commands/subscribers';
import { registerBouncesCommand } from './commands/bounces';
import { registerInitCommand } from './commands/init';

/** How long in-flight messages may take to finish after SIGINT/SIGTERM before herald exits anyway. */
const STOP_GRACE_MS = 30_000;

/*
 * Each command's module is loaded when that command runs, so `herald status` or an idle
 * `herald send` from cron never pays for the SMTP, rendering or scheduling code.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const commands = {
  app: () => require('./app') as typeof import('./app'),
  send: () => require('./commands/send') as typeof import('./commands/send'),
  dryRun: () => require('./commands/dry-run') as typeof import('./commands/dry-run'),
  testSend: () => require('./commands/test-send') as typeof import('./commands/test-send'),
  status: () => require('./commands/status') as typeof import('./commands/status'),
  log: () => require('./commands/log') as typeof import('./commands/log'),
  check: () => require('./commands/check') as typeof import('./commands/check'),
  schedule: () => require('./commands/schedule') as typeof import('./commands/schedule'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function settingsFor(command: Command): Settings {
  const root = (command.optsWithGlobals() as { root?: string }).root ?? process.cwd();
  return loadSettings(root, process.env);
}


/** The composition root for one command run; `stop` is aborted by SIGINT/SIGTERM when the command listens for them. */
function appFor(command: Command, io: Output, stop?: AbortSignal): App {
  return commands.app().createApp(settingsFor(command), io, { stop });
}

/** Signals stop the run gracefully; process.exit is the CLI's alone, so it is handed in from here. */
function signalStop(io: Output): AbortSignal {
  return stopOnSignals(io, (code) => process.exit(code), STOP_GRACE_MS);
}

export function buildProgram(io: Output, setExit: (code: number) => void): Command {
  const program = new Command('herald')
    .description('Send markdown posts as email newsletters, exactly once per subscriber.')
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .version((require('../package.json') as { version: string }).version, '-V, --version', 'print herald\'s version')
    .option('--root <dir>', 'the newsletter folder (default: the working directory)')
    .option('--verbose', 'with an error, also print its stack and causes (as HERALD_DEBUG=1 does)')
    .showHelpAfterError()
    // set before the subcommands are added, so they inherit it: option errors exit 2, not 1
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  const run = (action: (command: Command) => Promise<number> | number) => runAction(io, setExit, action);

  program
    .command('send')
    .description('send every new post (or the named ones) to every subscriber')
    .argument('[posts...]', 'posts to send, by path under posts/ or slug')
    .option('-n, --dry-run', 'render the emails into the preview folder and show who would get them; send nothing, change nothing')
    .option('--to <address>', 'test send of one post to one address (not recorded)')
    .option('--include-existing', 'on the first run, mail the posts that already exist instead of recording them as published')
    .option('--accept-new', 'record every new post or feed item as already published instead of mailing it (after a flood-guard stop, a moved site or a feed that changed its ids)')
    .option('--resend-in-doubt', 'also send to recipients whose earlier delivery is in doubt (they may get a second copy)')
    .option('--show-recipients', 'with --dry-run: list the addresses that would receive each post')
    .option('--screenshots', 'with --dry-run: also save PNG screenshots at 375 and 600 px (needs Chromium)')
    .option('--dark', 'with --dry-run: also save the screenshots as a reader in dark mode sees them (implies --screenshots)')
    .option('--wait <seconds>', 'wait this long for another running herald to finish', positiveInt, 0)
    .option('--json', 'print the summary as JSON')
    .action(
      run(async (command) => {
        const o = command.opts() as { dryRun?: boolean; to?: string; includeExisting?: boolean; acceptNew?: boolean; resendInDoubt?: boolean; showRecipients?: boolean; screenshots?: boolean; dark?: boolean; wait: number; json?: boolean };
        // the mode is chosen here, once: each kind of send is its own command over the same pipeline
        const common = { posts: command.args, includeExisting: Boolean(o.includeExisting), acceptNew: Boolean(o.acceptNew), resendInDoubt: Boolean(o.resendInDoubt), json: Boolean(o.json) };
        const result = o.to
          ? await commands.testSend().runTestSend(appFor(command, io, signalStop(io)), { posts: command.args, to: o.to })
          : o.dryRun
            ? await commands.dryRun().runDryRun(appFor(command, io), { ...common, showRecipients: Boolean(o.showRecipients), screenshots: Boolean(o.screenshots || o.dark), dark: Boolean(o.dark) })
            : await commands.send().runSend(appFor(command, io, signalStop(io)), {
              ...common,
              waitMs: o.wait * 1000,
              progress: o.json ? 'quiet' : process.stderr.isTTY ? 'tty' : 'log',
            });
        return result.code;
      }),
    );

  program
    .command('schedule')
    .description('keep running and send new posts on the schedule in herald.config.json (node-cron)')
    .option('--now', 'also run once at start-up')
    .action(
      run((command) =>
        commands.schedule().runSchedule({ loadSettings: () => settingsFor(command), stop: signalStop(io), runNow: Boolean(command.opts().now) }, io),
      ),
    );

  program
    .command('status')
    .description('posts and their delivery counts (sent, failed, in doubt, pending)')
    .option('--json', 'print as JSON')
    .action(run((command) => commands.status().runStatus(appFor(command, io), { json: Boolean(command.opts().json) })));

  program
    .command('log')
    .description('the record: who got which post, when, with which Message-ID and SMTP reply')
    .option('--post <id>', 'only this post')
    .option('--state <state>', 'only this state (sent, failed, deferred, in_doubt, pending, skipped)')
    .option('--limit <n>', 'at most this many rows, newest first', positiveInt, 100)
    .option('--json', 'print as JSON')
    .action(
      run((command) => {
        const o = command.opts() as { post?: string; state?: string; limit: number; json?: boolean };
        return commands.log().runLog(appFor(command, io), { post: o.post, state: o.state, limit: o.limit, json: Boolean(o.json) });
      }),
    );

  program
    .command('check')
    .description('validate settings, posts, templates and subscribers, and verify the SMTP connection')
    .option('--no-smtp', 'do not connect to the SMTP server')
    .option('--spam <post>', 'also run the post\'s email through SpamAssassin (local rules) and lint it')
    .option('--json', 'print as JSON')
    .option('--deliverability', 'bulk-sender readiness as errors: one-click unsubscribe (probed over the network, unsubscribing nobody), DKIM, Return-Path, postal address')
    .option('--dns', 'also look up SPF, DKIM, DMARC and MX of the sender\'s domain and say what to publish (implies --deliverability)')
    .action(run((command) => commands.check().runCheck(appFor(command, io), { smtp: command.opts().smtp !== false, json: Boolean(command.opts().json), spam: command.opts().spam as string | undefined, deliverability: Boolean(command.opts().deliverability), dns: Boolean(command.opts().dns) })));

  registerSubscribersCommand(program, io, settingsFor, setExit);
  registerServeCommand(program, io, settingsFor, setExit);
  registerPreviewCommand(program, io, settingsFor, setExit);
  registerBouncesCommand(program, io, (command, stop) => appFor(command, io, stop ? signalStop(io) : undefined), setExit);
  registerInitCommand(program, io, setExit);
  return program;
}

/** Runs the command line of this process. */
export async function main(): Promise<void> {
  // read before parsing, so that an error while parsing or loading settings is verbose too
  const io = processOutput({ verbose: process.argv.includes('--verbose') || process.env.HERALD_DEBUG === '1' });
  let code: number = ExitCode.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(ExitCode.OK);
    process.exit(e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE);
  }
  process.exitCode = code;
}

