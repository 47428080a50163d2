import path from 'node:path';
import type { Command } from 'commander';
import { createApp } from '../app';
import type { Settings } from '../config/load';
import { ErrorCode, HeraldError } from '../errors';
import { SUPPRESSION_FILE, subscriberFolder } from '../subscribers/files';
/* eslint-disable @typescript-eslint/no-require-imports */
// the list code loads only when a subscribers command runs, not with every herald command
const store = (): typeof import('../subscribers/store') => require('../subscribers/store') as typeof import('../subscribers/store');
const suppression = (): typeof import('../subscribers/suppression') => require('../subscribers/suppression') as typeof import('../subscribers/suppression');
const welcome = (): typeof import('./welcome') => require('./welcome') as typeof import('./welcome');
/* eslint-enable @typescript-eslint/no-require-imports */
import { ExitCode, hasErrors, type Output, plural, reportProblems, runAction } from '../output';


/** The subscriber folder as messages name it: the `subscribers` setting, relative to the root. */
const folderOf = (settings: Settings): string => subscriberFolder(settings.root, settings.subscribersDir);

const describeCounts = (counts: Record<string, number>): string =>
  Object.entries(counts).map(([status, n]) => `${status} ${n}`).join(', ');

/** `herald subscribers …`: list, add, remove, import, export. */
export function registerSubscribersCommand(program: Command, io: Output, settingsFor: (cmd: Command) => Settings, setExit: (code: number) => void): void {
  const run = (action: (command: Command) => Promise<number> | number) => runAction(io, setExit, action);
  const subscribers = program
    .command('subscribers')
    .description('list, add, remove, import and export subscribers (the *.csv files of the "subscribers" folder and the suppression list)');

  subscribers
    .command('list')
    .description('how many subscribers are active, and how many are suppressed and why')
    .option('--show-addresses', 'also list every address with its status')
    .option('--json', 'print as JSON')
    .action(
      run((command) => {
        const o = command.opts() as { showAddresses?: boolean; json?: boolean };
        const settings = settingsFor(command);
        const list = store().readList(settings.subscribersDir, folderOf(settings));
        reportProblems(io, list.problems);
        const suppressed = store().countByStatus(list.suppressed);
        if (o.json) {
          io.out(JSON.stringify({
            active: list.active.length,
            suppressed,
            suppressedTotal: list.suppressed.length,
            files: list.files,
            brokenFiles: list.brokenFiles,
            ...(o.showAddresses ? { addresses: [...list.active, ...list.suppressed] } : {}),
          }, null, 2));
        } else {
          io.out(`active: ${list.active.length}`);
          io.out(`suppressed: ${list.suppressed.length}${list.suppressed.length ? ` (${describeCounts(suppressed)})` : ''}`);
          io.out(`files: ${list.files.length ? list.files.join(', ') : 'none'}`);
          if (o.showAddresses) {
            for (const e of [...list.active, ...list.suppressed]) io.out(`  ${e.email}  ${e.status}${e.name ? `  ${e.name}` : ''}`);
          }
        }
        return list.brokenFiles.length || hasErrors(list.problems) ? ExitCode.FAILED : ExitCode.OK;
      }),
    );

  subscribers
    .command('add')
    .description('add one subscriber to subscribers.csv in the "subscribers" folder')
    .argument('<email>', 'the address')
    .option('--name <name>', 'their name')
    .option('--force', 'add them even if they are on the suppression list (only when they asked to be added again)')
    .option('--welcome', 'send them the welcome post (posts/welcome.md or the "welcome" setting), once per address')
    .action(
      run((command) => {
        const o = command.opts() as { name?: string; force?: boolean; welcome?: boolean };
        const settings = settingsFor(command);
        const result = store().addSubscriber(settings.subscribersDir, { email: command.args[0]!, name: o.name }, {
          lift: o.force ? ['unsubscribed', 'removed', 'bounced', 'cleaned', 'complained'] : [],
          folder: folderOf(settings),
        });
        const lifted = 'lifted' in result && result.lifted ? ` (taken off the suppression list, where it was ${result.lifted.reason})` : '';
        switch (result.kind) {
          case 'added':
            io.out(`added ${result.email} to ${result.file}${lifted}`);
            return o.welcome ? welcome().welcomeAdded(createApp(settings, io), { email: result.email, name: o.name }) : ExitCode.OK;
          case 'already':
            io.out(`${result.email} is already subscribed (${result.file}:${result.line})${lifted}`);
            return o.welcome ? welcome().welcomeAdded(createApp(settings, io), { email: result.email, name: o.name }) : ExitCode.OK;
          case 'suppressed': {
            const s = result.suppression;
            throw new HeraldError(ErrorCode.ESUBSCRIBER, `${result.email} is on the suppression list (${s.reason}${s.at ? ` since ${s.at}` : ''}); not added`, {
              location: { file: `${folderOf(settings)}/${SUPPRESSION_FILE}` },
              hint: 'They asked not to be mailed, or their mailbox failed. Pass --force only if they asked to be added again.',
            });
          }
          case 'excluded':
            throw new HeraldError(ErrorCode.ESUBSCRIBER, `${result.email} is marked as not to be mailed (status column) in ${result.file}; not added`, {
              location: { file: result.file },
              hint: 'Change or remove that row if they asked to be added again.',
            });
        }
      }),
    );

  subscribers
    .command('remove')
    .description('stop mailing an address: puts it on the suppression list as "removed"')
    .argument('<email>', 'the address')
    .option('--note <text>', 'why (kept in the suppression list, suppressed.csv)')
    .action(
      run((command) => {
        const o = command.opts() as { note?: string };
        const settings = settingsFor(command);
        const result = store().removeSubscriber(settings.subscribersDir, command.args[0]!, o.note ?? 'herald subscribers remove', undefined, folderOf(settings));
        if (result.kind === 'already') {
          io.out(`${result.email} is already on the suppression list (${result.suppression.reason}${result.suppression.at ? ` since ${result.suppression.at}` : ''})`);
        } else {
          io.out(`${result.email} receives nothing from now on (added to ${folderOf(settings)}/${SUPPRESSION_FILE} as removed)${result.wasActive ? '' : '; it was not an active subscriber'}`);
        }
        return ExitCode.OK;
      }),
    );

  subscribers
    .command('unsuppress')
    .description('take an address off the suppression list (a wrong bounce or complaint), saying why it was there')
    .argument('<email>', 'the address')
    .action(run((command) => unsuppress(io, settingsFor(command), command.args[0]!)));

  subscribers
    .command('import')
    .description('import an export from Mailchimp, Substack, Buttondown, ConvertKit (or any CSV with an email column)')
    .argument('<file>', 'the CSV export')
    .option('--as <name>', 'write NAME.csv in the "subscribers" folder (default: the file\'s base name)')
    .option('--replace', 'overwrite NAME.csv there if it exists')
    .option('-n, --dry-run', 'show what would be imported; write nothing')
    .option('--json', 'print the summary as JSON')
    .action(
      run((command) => {
        const o = command.opts() as { as?: string; replace?: boolean; dryRun?: boolean; json?: boolean };
        const settings = settingsFor(command);
        const file = command.args[0]!;
        const report = store().importSubscribers(settings.subscribersDir, path.resolve(file), file, {
          name: o.as ?? store().importName(file),
          replace: Boolean(o.replace),
          dryRun: Boolean(o.dryRun),
          folder: folderOf(settings),
        });
        const i = report.interpreted;
        reportProblems(io, i.problems);
        if (i.broken) {
          throw new HeraldError(ErrorCode.ESUBSCRIBER, `${file} cannot be imported; nothing was written`, { hint: 'Fix the problem above and import again.' });
        }
        const reasons = store().countByStatus(i.suppressed.map((r) => ({ email: r.email, name: r.name, status: r.reason })));
        if (o.json) {
          io.out(JSON.stringify({
            source: file, target: report.target, dryRun: Boolean(o.dryRun), imported: report.imported, suppressed: reasons,
            newlySuppressed: report.newlySuppressed, keptSuppressed: report.keptSuppressed, alreadySubscribed: report.alreadySubscribed,
            skipped: i.skipped.length, duplicates: i.duplicates, invalid: i.invalid,
          }, null, 2));
        } else {
          const verb = o.dryRun ? 'would import' : 'imported';
          io.out(`${verb} ${plural(report.imported, 'active subscriber')}${report.imported ? ` into ${report.target}` : ''}`);
          if (i.suppressed.length) io.out(`  ${o.dryRun ? 'would add' : 'added'} ${report.newlySuppressed} to the suppression list (in the export: ${describeCounts(reasons)})`);
          if (report.keptSuppressed) io.out(`  ${report.keptSuppressed} active in the export but suppressed here: they stay suppressed`);
          if (report.alreadySubscribed) io.out(`  ${report.alreadySubscribed} already subscribed in another file: not repeated`);
          if (i.skipped.length) io.out(`  ${i.skipped.length} skipped: never confirmed, or not newsletter subscribers`);
          if (i.duplicates) io.out(`  ${plural(i.duplicates, 'duplicate row')} skipped`);
          if (i.invalid) io.out(`  ${plural(i.invalid, 'invalid row')} skipped (listed above)`);
          if (o.dryRun) io.out('dry run: nothing was written.');
        }
        return i.invalid ? ExitCode.FAILED : ExitCode.OK;
      }),
    );

  subscribers
    .command('export')
    .description('everyone, active and suppressed, as CSV: email,name,status')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(
      run((command) => {
        const o = command.opts() as { output?: string };
        const settings = settingsFor(command);
        const list = store().readList(settings.subscribersDir, folderOf(settings));
        reportProblems(io, list.problems);
        if (list.brokenFiles.length) {
          throw new HeraldError(ErrorCode.ESUBSCRIBER, 'a subscriber file cannot be read, so the export would be incomplete; nothing was exported');
        }
        const lines = store().exportLines(list);
        if (o.output) {
          suppression().writeFileAtomic(path.resolve(o.output), `${lines.join('\n')}\n`);
          io.err(`exported ${plural(list.active.length + list.suppressed.length, 'address', 'addresses')} to ${o.output}`);
        } else {
          for (const line of lines) io.out(line);
        }
        return ExitCode.OK;
      }),
    );
}

/** Undoes a suppression, after saying what caused it: the list's row and the reports behind it. */
function unsuppress(io: Output, settings: Settings, email: string): number {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { addressKey } = require('../subscribers/address') as typeof import('../subscribers/address');
  const { SendRecord } = require('../record/sqlite') as typeof import('../record/sqlite');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const entry = suppression().readSuppressions(settings.subscribersDir, folderOf(settings)).get(addressKey(email));
  if (!entry) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, `${email} is not on the suppression list`, {
      location: { file: `${folderOf(settings)}/${SUPPRESSION_FILE}` },
      hint: 'If they still receive nothing, look for a status column in the subscriber files (herald subscribers list --show-addresses).',
    });
  }
  io.out(`${entry.email} was suppressed as ${entry.reason}${entry.at ? ` on ${entry.at}` : ''}${entry.note ? `: ${entry.note}` : ''}`);
  const record = SendRecord.open(settings.stateDir, { readonly: false });
  try {
    for (const e of record?.feedback.eventsFor(addressKey(email), 5) ?? []) {
      io.out(`  ${e.reportedAt}  ${e.kind}  ${e.status}  post ${e.postId}  ${e.detail}${e.reportFile ? `  (${path.join(settings.stateDir, 'bounces', 'reports', e.reportFile)})` : ''}`);
    }
    suppression().removeSuppression(settings.subscribersDir, email, folderOf(settings));
    // earlier soft bounces no longer count towards the next suppression
    record?.feedback.clear(addressKey(email), settings.env.now ?? new Date());
  } finally {
    record?.close();
  }
  io.out(`${entry.email} is no longer suppressed; the next send mails them if a subscriber file lists them`);
  return ExitCode.OK;
}
