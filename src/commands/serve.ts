import type { Command } from 'commander';
import type { Settings } from '../config/load';
import type { RunningServer } from '../serve/server';
import { ExitCode, type Output, portOption, reportProblems, runAction } from './io';
import { signingSecretProblems } from './signing-secret';

/**
 * Serves until SIGINT or SIGTERM: then stops accepting connections, lets requests in progress
 * finish (every unsubscribe is written before its answer, so none is lost) and exits 0.
 */
export async function runServe(settings: Settings, opts: { host?: string; port?: number }, io: Output): Promise<number> {
  const server = await startServing(settings, { host: opts.host ?? settings.serve.host, port: opts.port ?? settings.serve.port, io });
  const { routes } = server;
  const paths = [`unsubscribe ${routes.unsubscribePath}`, ...(routes.subscribe ? [`subscribe ${routes.subscribe.path}`, `confirm ${routes.subscribe.confirmPath}`] : [])];
  io.err(`herald serve: listening on ${server.origin} (${paths.join(', ')})`);
  if (settings.unsubscribe.url && new URL(settings.unsubscribe.url).protocol !== 'https:') {
    io.err('warning: the public unsubscribe URL is not https; mail providers expect https for one-click unsubscribe');
  }
  // this is where links are verified: say so when some of those already sent no longer can be
  reportProblems(io, signingSecretProblems(settings, new Date()));
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.err(`herald serve: ${signal}, stopping (requests in progress finish first)`);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.err('herald serve: stopped');
  return ExitCode.OK;
}

/**
 * The server wired to herald's adapters: request lines to `out`, problems to `err`, and, when the
 * subscribe form is on, one SMTP pool for the confirmation emails, open while the server runs and
 * closed after it. Each email still gets a connection of its own (no idle session is kept).
 */
export async function startServing(settings: Settings, opts: { host: string; port: number; io: Output; now?: () => Date }): Promise<RunningServer> {
  // the server's and SMTP's code load only when herald serve runs
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startServer } = require('../serve/server') as typeof import('../serve/server');
  const { createSmtpPool } = require('../deliver/smtp-pool') as typeof import('../deliver/smtp-pool');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const mail = settings.serve.subscribeForm && settings.env.smtpUrl
    ? createSmtpPool(settings.env.smtpUrl, { ...settings.smtp, retries: Math.min(settings.smtp.retries, 1), maxMessagesPerConnection: 1 })
    : undefined;
  const log = { info: (line: string) => opts.io.out(line), error: (line: string) => opts.io.err(line) };
  try {
    const server = await startServer(settings, { host: opts.host, port: opts.port, now: opts.now, log, mail });
    return { ...server, close: () => server.close().then(() => mail?.close()) };
  } catch (err) {
    await mail?.close();
    throw err;
  }
}

/** `herald serve [--host H] [--port N]`. */
export function registerServeCommand(program: Command, io: Output, settingsFor: (cmd: Command) => Settings, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('answer the unsubscribe links (one-click, RFC 8058) and, if enabled, the subscribe form')
    .option('--host <host>', 'address to listen on (default: serve.host, 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: serve.port, 8025; 0 picks a free one)', portOption)
    .action(
      runAction(io, setExit, (command) => {
        const o = command.opts() as { host?: string; port?: number };
        return runServe(settingsFor(command), o, io);
      }),
    );
}
