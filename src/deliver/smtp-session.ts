import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpSettings } from '../config/schema';
import { takeEncodedData } from '../fast/smtp-encoded-data';
import type { Outcome, SmtpErrorLike } from './outcome';
import { type SmtpTarget, tlsFailure, tlsOptions } from './smtp-url';

/** One SMTP connection of the pool, logged in and ready for messages. */
export interface Session {
  readonly conn: SMTPConnection;
  /** Whether this connection takes data already in DATA form (see takeEncodedData). */
  readonly encoded: boolean;
  sent: number;
  broken: boolean;
}

/**
 * Connects, says EHLO, upgrades to TLS as the URL asks and logs in. A password never goes over a
 * connection that is not encrypted, unless the URL says tls=off.
 */
export function openSession(target: SmtpTarget, settings: SmtpSettings): Promise<Session> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Connection = require('nodemailer/lib/smtp-connection') as typeof SMTPConnection;
  const conn = new Connection({
    host: target.host,
    port: target.port,
    ...tlsOptions(target.tls),
    connectionTimeout: settings.connectionTimeoutMs,
    greetingTimeout: settings.greetingTimeoutMs,
    socketTimeout: settings.socketTimeoutMs,
    logger: false,
  });
  const session: Session = { conn, encoded: takeEncodedData(conn), sent: 0, broken: false };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      session.broken = true;
      if (!settled) {
        settled = true;
        try {
          conn.close();
        } catch {
          // nothing to close
        }
        reject(err);
      }
    };
    conn.on('error', fail);
    conn.on('end', () => fail(Object.assign(new Error('the server closed the connection'), { code: 'ECONNECTION' })));
    conn.connect((err) => {
      if (err) return fail(err);
      if (!target.auth) {
        settled = true;
        return resolve(session);
      }
      // nodemailer's requireTLS already refuses a server without STARTTLS; this makes sure no
      // change of its behaviour can ever put the password on a plain connection
      if (target.tls !== 'off' && !conn.secure) {
        return fail(Object.assign(new Error('the connection is not encrypted'), { code: 'ENOTLS' }));
      }
      conn.login({ user: target.auth.user, pass: target.auth.pass }, (loginErr) => {
        if (loginErr) return fail(loginErr);
        settled = true;
        resolve(session);
      });
    });
  });
}

/**
 * Whether the server announced SMTPUTF8 in its EHLO reply. nodemailer keeps that list on the
 * connection without a public accessor; if a later version moves it, herald errs on the side of
 * trying (the server then answers for itself).
 */
export function offersSmtpUtf8(conn: SMTPConnection): boolean {
  const extensions = (conn as unknown as { _supportedExtensions?: unknown })._supportedExtensions;
  return !Array.isArray(extensions) || extensions.includes('SMTPUTF8');
}

/** What a connection that could not be opened means for the message waiting for it: the run stops, saying why. */
export function connectFailure(err: unknown): Outcome {
  const e = err as SmtpErrorLike;
  const tls = tlsFailure(e);
  if (tls) return { kind: 'abort', reply: `${tls.message}. ${tls.hint}` };
  const auth = e.code === 'EAUTH' || e.responseCode === 535 || e.responseCode === 530;
  const detail = e.response ?? `${e.code ?? 'ERROR'}: ${e.message ?? String(err)}`;
  return {
    kind: 'abort',
    reply: auth ? `authentication failed: ${detail}` : `cannot connect to the SMTP server: ${detail}`,
  };
}

