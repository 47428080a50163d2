import type { Command } from 'commander';
import { type App, createApp } from '../app';
import type { Settings } from '../config/load';
import type { RunningServer } from '../serve/server';
import { ExitCode, type Output, reportProblems, runAction } from '../output';
import { portOption } from './options';
import { signingSecretProblems } from '../pipeline/signing-secret';
import { nextStopSignal } from '../signals';

/**
 * Serves until SIGINT or SIGTERM: then stops accepting connections, lets requests in progress
 * finish (every unsubscribe is written before its answer, so none is lost) and exits 0.
 */
export async function runServe(app: App, opts: { host?: string; port?: number }): Promise<number> {
  const { settings, io } = app;
  const server = await startServing(app, { host: opts.host ?? settings.serve.host, port: opts.port ?? settings.serve.port });
  const { routes } = server;
  const paths = [`unsubscribe ${routes.unsubscribePath}`, ...(routes.subscribe ? [`subscribe ${routes.subscribe.path}`, `confirm ${routes.subscribe.confirmPath}`] : [])];
  io.err(`herald serve: listening on ${server.origin} (${paths.join(', ')})`);
  if (settings.unsubscribe.url && new URL(settings.unsubscribe.url).protocol !== 'https:') {
    io.err('warning: the public unsubscribe URL is not https; mail providers expect https for one-click unsubscribe');
  }
  // this is where links are verified: say so when some of those already sent no longer can be
  reportProblems(io, signingSecretProblems(app, new Date()));
  const signal = await nextStopSignal();
  io.err(`herald serve: ${signal}, stopping (requests in progress finish first)`);
  await server.close();
  io.err('herald serve: stopped');
  return ExitCode.OK;
}

/**
 * The server wired to herald's adapters: request lines to `out`, problems to `err`, and, when the
 * subscribe form is on, one SMTP pool for the confirmation emails, open while the server runs and
 * closed after it. Each email still gets a connection of its own (no idle session is kept).
 */
export async function startServing(app: App, opts: { host: string; port: number }): Promise<RunningServer> {
  const { settings, io } = app;
  // the server's code loads only when herald serve runs
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startServer } = require('../serve/server') as typeof import('../serve/server');
  const mail = settings.serve.subscribeForm && (settings.env.smtpUrl || settings.relays)
    ? app.smtp({ retries: Math.min(settings.smtp.retries, 1), maxMessagesPerConnection: 1 })
    : undefined;
  const log = { info: (line: string) => io.out(line), error: (line: string) => io.err(line) };
  try {
    const server = await startServer(settings, { host: opts.host, port: opts.port, now: app.now, log, mail });
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
        return runServe(createApp(settingsFor(command), io), o);
      }),
    );
}
