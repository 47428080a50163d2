import type { Settings } from './config/load';
import type { RelayPool } from './deliver/relay-pool';
import type { SmtpPool } from './deliver/smtp-pool';
import type { Output } from './output';
import type { RunLock } from './record/lock';
import type { SendRecord } from './record/sqlite';
import type { Sender } from './render/envelope';
import type { RenderThread } from './render/post';

/**
 * The composition root: everything a command works with, built in one place from the settings,
 * the output and the stop signal. Commands receive an App and never construct an adapter.
 *
 * Each adapter's module is loaded when it is first asked for, so a command pays only for what it
 * uses: an idle `herald send` opens the lock and the record and never loads SMTP or MJML.
 */
export interface App {
  readonly settings: Settings;
  readonly io: Output;
  readonly now: () => Date;
  /** Aborted when the command should take no new work (SIGINT, SIGTERM); never for a command that ignores them. */
  readonly stop: AbortSignal;
  /** The record to write through, created when missing; the state folder is prepared first. */
  openRecord(): SendRecord;
  /** The record to read, unchanged; undefined when nothing has been recorded yet. */
  readRecord(): SendRecord | undefined;
  /** The cross-process run lock, waiting up to `waitMs` (and saying so) when another herald holds it. */
  lock(command: string, waitMs: number): Promise<RunLock>;
  /** The SMTP transport, with fewer connections or retries when asked; `stop` ends its reconnection waits. */
  smtp(opts?: { readonly connections?: number; readonly retries?: number; readonly maxMessagesPerConnection?: number; readonly stop?: AbortSignal }): SmtpPool;
  /** The transport over the `relays` setting's relays; `sentToday` is what each accepted in the last 24 hours. */
  relays(opts: { readonly stop?: AbortSignal; readonly sentToday: ReadonlyMap<string, number> }): RelayPool;
  /** A render thread for one run's posts (MJML loads in it with the first post). */
  renderer(): RenderThread;
  /** The sender; `requireSecret` when unsubscribe links must verify (real sends). */
  sender(opts: { readonly requireSecret: boolean }): Sender;
  /** The DKIM signer when a key is configured; a bad key is a settings error before anything is sent. */
  signer(): ((raw: Buffer) => Promise<Buffer>) | undefined;
}

export interface AppOptions {
  readonly stop?: AbortSignal;
  readonly now?: () => Date;
}

/** The real clock, or one that starts at HERALD_NOW and runs on at the real pace. */
function clock(start: Date | undefined): () => Date {
  if (start === undefined) return () => new Date();
  const offset = start.getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

/* eslint-disable @typescript-eslint/no-require-imports */
export function createApp(settings: Settings, io: Output, opts: AppOptions = {}): App {
  const stop = opts.stop ?? new AbortController().signal;
  const now = opts.now ?? clock(settings.env.now);
  return {
    settings,
    io,
    now,
    stop,
    openRecord() {
      const { prepareStateDir } = require('./record/state-dir') as typeof import('./record/state-dir');
      const { SendRecord } = require('./record/sqlite') as typeof import('./record/sqlite');
      prepareStateDir(settings);
      return SendRecord.open(settings.stateDir, { readonly: false })!;
    },
    readRecord() {
      const { SendRecord } = require('./record/sqlite') as typeof import('./record/sqlite');
      return SendRecord.open(settings.stateDir, { readonly: true });
    },
    lock(command, waitMs) {
      const { prepareStateDir } = require('./record/state-dir') as typeof import('./record/state-dir');
      const { RunLock } = require('./record/lock') as typeof import('./record/lock');
      prepareStateDir(settings);
      return RunLock.acquire(settings.stateDir, {
        waitMs,
        command,
        stop,
        onWait: (holder) => io.err(`waiting up to ${Math.round(waitMs / 1000)} s for another herald to finish (${holder})`),
      });
    },
    smtp(o = {}) {
      const { createSmtpPool } = require('./deliver/smtp-pool') as typeof import('./deliver/smtp-pool');
      const smtp = {
        ...settings.smtp,
        connections: o.connections ?? settings.smtp.connections,
        retries: o.retries ?? settings.smtp.retries,
        maxMessagesPerConnection: o.maxMessagesPerConnection ?? settings.smtp.maxMessagesPerConnection,
      };
      // with several relays, a single message (a test copy, a confirmation) goes through the first
      const first = settings.relays?.[0];
      if (first && !settings.env.smtpUrl) {
        const { relayUrl } = require('./config/relay-settings') as typeof import('./config/relay-settings');
        return createSmtpPool(relayUrl(first, settings.relays!.length, settings.env), smtp, o.stop);
      }
      return createSmtpPool(settings.env.smtpUrl, smtp, o.stop);
    },
    relays(o) {
      const { createRelayPool } = require('./deliver/relay-pool') as typeof import('./deliver/relay-pool');
      return createRelayPool({ relays: settings.relays ?? [], smtp: settings.smtp, env: settings.env }, { stop: o.stop, now: now(), sentToday: o.sentToday });
    },
    renderer() {
      const { renderThread } = require('./render/post') as typeof import('./render/post');
      return renderThread(settings);
    },
    sender(o) {
      const { resolveSender } = require('./render/envelope') as typeof import('./render/envelope');
      return resolveSender(settings, o);
    },
    signer() {
      if (!settings.dkim) return undefined;
      const dkim = require('./render/dkim') as typeof import('./render/dkim');
      const signer = dkim.loadDkim(settings);
      return signer ? (raw) => dkim.signRaw(signer, raw) : undefined;
    },
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */
