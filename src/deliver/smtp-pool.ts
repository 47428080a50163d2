import type { Readable, Writable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpSettings } from '../config/schema';
import { ErrorCode, HeraldError } from '../errors';
import { type OutgoingMessage, messageBytes } from '../render/message';
import { type Outcome, type SmtpErrorLike, classifySmtpError } from './outcome';
import { encodeMessageData } from './smtp-data';
import type { Transport } from './transport';

/**
 * A pool of nodemailer SMTP connections, each carrying one message at a time.
 *
 * herald drives nodemailer's SMTPConnection itself instead of the pooled transport because the
 * pooled transport re-queues a message whose connection closed mid-send, which duplicates it when
 * the server had already accepted it. Here nothing is ever re-sent by the transport: each message
 * gets exactly one attempt and an outcome saying how far it got, and the record decides.
 */
export interface SmtpTarget {
  readonly host: string;
  readonly port?: number;
  readonly secure: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

export function parseSmtpUrl(url: string): SmtpTarget {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : undefined,
    secure: parsed.protocol === 'smtps:',
    auth: user ? { user, pass: decodeURIComponent(parsed.password) } : undefined,
  };
}

/** The SMTP URL without its password, for messages. */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

interface Session {
  readonly conn: SMTPConnection;
  /** Whether this connection takes data already in DATA form (see takeEncodedData). */
  readonly encoded: boolean;
  sent: number;
  broken: boolean;
}

interface Job {
  readonly message: OutgoingMessage;
  readonly resolve: (outcome: Outcome) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SmtpPool implements Transport {
  readonly capacity: number;
  private readonly idle: Session[] = [];
  private readonly queue: Job[] = [];
  private readonly open = new Set<Session>();
  private opening = 0;
  private closed = false;
  /** The DATA form of the pieces every recipient of a post shares, encoded once. */
  private readonly encodedPieces = new WeakMap<Buffer, Buffer>();

  constructor(
    private readonly target: SmtpTarget,
    private readonly settings: SmtpSettings,
  ) {
    this.capacity = settings.connections;
  }

  send(message: OutgoingMessage): Promise<Outcome> {
    return new Promise((resolve) => {
      this.queue.push({ message, resolve });
      this.pump();
    });
  }

  /** Connects, authenticates and says goodbye: proves the settings work without sending. */
  async verify(): Promise<void> {
    const session = await this.connect();
    await new Promise<void>((resolve) => {
      session.conn.once('end', () => resolve());
      session.conn.quit();
      setTimeout(resolve, 2000).unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ kind: 'retry', reply: 'herald is stopping', throttle: false });
    for (const session of [...this.open]) this.discard(session, true);
  }

  private pump(): void {
    while (this.queue.length && !this.closed) {
      const session = this.idle.pop();
      if (session?.broken) {
        this.discard(session, false);
        continue;
      }
      if (session) {
        void this.run(session, this.queue.shift()!);
      } else if (this.open.size + this.opening < this.capacity) {
        this.opening++;
        void this.openAndRun(this.queue.shift()!);
      } else {
        return;
      }
    }
  }

  private async openAndRun(job: Job): Promise<void> {
    let session: Session;
    try {
      session = await this.connectWithRetry();
    } catch (err) {
      this.opening--;
      job.resolve(connectFailure(err));
      this.pump();
      return;
    }
    this.opening--;
    this.open.add(session);
    await this.run(session, job);
  }

  private async run(session: Session, job: Job): Promise<void> {
    const outcome = await this.deliver(session, job.message);
    session.sent++;
    if (!session.broken && outcome.kind !== 'accepted' && outcome.kind !== 'in_doubt') await this.reset(session);
    if (session.broken || this.closed || session.sent >= this.settings.maxMessagesPerConnection) {
      this.discard(session, !session.broken);
    } else {
      this.idle.push(session);
    }
    job.resolve(outcome);
    this.pump();
  }

  private deliver(session: Session, message: OutgoingMessage): Promise<Outcome> {
    if (message.smtputf8 && !offersSmtpUtf8(session.conn)) {
      // without SMTPUTF8 the address would go out as raw bytes the server may mangle or misroute
      return Promise.resolve({ kind: 'failed', reply: 'not sent: the address needs SMTPUTF8, which this SMTP server does not offer' });
    }
    // the shared pieces go to the socket as they are: a 50 KB copy per message would only feed
    // the garbage collector
    const data = session.encoded ? encodeMessageData(pieces(message), this.encodedPieces) : [messageBytes(message)];
    return new Promise((resolve) => {
      // Once the whole message is in the DATA stream, which then writes the final dot, a failure
      // may have delivered it; before that, it cannot have.
      let dataEnded = false;
      // nodemailer pipes a stream-like message into its DATA stream; this one hands over all its
      // pieces at once (see takeEncodedData)
      const source = {
        pipe(into: Writable & Partial<EncodedDataStream>): Writable {
          if (into.writeEncoded) into.writeEncoded(data);
          else for (const piece of data) into.write(piece);
          into.end();
          dataEnded = true;
          return into;
        },
      };
      const envelope = { from: message.envelope.from, to: [message.envelope.to] };
      session.conn.send(envelope, source as unknown as Readable, (err, info) => {
        if (err) {
          const outcome = classifySmtpError(err as SmtpErrorLike, dataEnded);
          if (!(err as SmtpErrorLike).responseCode || outcome.kind === 'in_doubt' || outcome.kind === 'retry') session.broken = true;
          resolve(outcome);
          return;
        }
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.some((r) => r.toLowerCase() === message.envelope.to.toLowerCase())) {
          const reply = (info.rejectedErrors?.[0] as SmtpErrorLike | undefined)?.response ?? 'recipient rejected';
          resolve(classifySmtpError({ code: 'EENVELOPE', command: 'RCPT TO', response: reply, responseCode: Number(reply.slice(0, 3)) || 550 }, true));
          return;
        }
        resolve({ kind: 'accepted', reply: (info.response ?? '250 OK').replace(/\s+/g, ' ').trim() });
      });
    });
  }

  private reset(session: Session): Promise<void> {
    return new Promise((resolve) => {
      try {
        session.conn.reset((err) => {
          if (err) session.broken = true;
          resolve();
        });
      } catch {
        session.broken = true;
        resolve();
      }
    });
  }

  private discard(session: Session, polite: boolean): void {
    this.open.delete(session);
    const i = this.idle.indexOf(session);
    if (i >= 0) this.idle.splice(i, 1);
    try {
      if (polite) session.conn.quit();
      else session.conn.close();
    } catch {
      // already closed
    }
  }

  /** Connection trouble is not a recipient's fault: retry with doubling delays, then give up on the run. */
  private async connectWithRetry(): Promise<Session> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.settings.retries; attempt++) {
      if (attempt > 0) await sleep(this.settings.retryDelayMs * 2 ** (attempt - 1));
      if (this.closed) break;
      try {
        return await this.connect();
      } catch (err) {
        lastError = err;
        if ((err as SmtpErrorLike).code === 'EAUTH' || (err as SmtpErrorLike).responseCode === 535) break;
      }
    }
    throw lastError ?? new Error('the pool was closed');
  }

  private connect(): Promise<Session> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Connection = require('nodemailer/lib/smtp-connection') as typeof SMTPConnection;
    const conn = new Connection({
      host: this.target.host,
      port: this.target.port,
      secure: this.target.secure,
      connectionTimeout: this.settings.connectionTimeoutMs,
      greetingTimeout: this.settings.greetingTimeoutMs,
      socketTimeout: this.settings.socketTimeoutMs,
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
        if (!this.target.auth) {
          settled = true;
          return resolve(session);
        }
        conn.login({ user: this.target.auth.user, pass: this.target.auth.pass }, (loginErr) => {
          if (loginErr) return fail(loginErr);
          settled = true;
          resolve(session);
        });
      });
    });
  }
}

/**
 * Whether the server announced SMTPUTF8 in its EHLO reply. nodemailer keeps that list on the
 * connection without a public accessor; if a later version moves it, herald errs on the side of
 * trying (the server then answers for itself).
 */
function offersSmtpUtf8(conn: SMTPConnection): boolean {
  const extensions = (conn as unknown as { _supportedExtensions?: unknown })._supportedExtensions;
  return !Array.isArray(extensions) || extensions.includes('SMTPUTF8');
}

/**
 * Makes a connection take the message already in DATA form (dot-stuffed, CRLF, with its end
 * marker: see smtp-data.ts) and write it as it is, instead of scanning every byte again.
 * nodemailer has no option for this, so on this connection only its DATA stream's per-byte step
 * becomes a pass-through, and the stream gains `writeEncoded`, which puts a message's pieces on
 * the socket in one writev; nodemailer still sends the commands, reads the replies and ends the
 * transaction. When a nodemailer version no longer has these internals, nothing is changed and
 * the connection is given the plain message, which nodemailer encodes itself: the bytes on the
 * wire are the same either way (a test checks that the fast path is the one taken).
 */
export function takeEncodedData(conn: SMTPConnection): boolean {
  const internals = conn as unknown as { _createSendStream?: (callback: unknown) => unknown };
  const create = internals._createSendStream;
  if (typeof create !== 'function') return false;
  internals._createSendStream = function (this: { _socket?: Writable }, callback: unknown) {
    const stream = create.call(this, callback) as DataStreamInternals & EncodedDataStream;
    // the data arrives in DATA form, end marker included: the stream passes it on untouched
    stream._transform = function (chunk, _encoding, done) {
      this.outByteCount += chunk.length;
      this.push(chunk);
      done();
    };
    stream._flush = (done) => done();
    const socket = this._socket;
    if (socket) {
      // better still, all of a message's pieces go to the socket together, as one writev
      stream.writeEncoded = (data) => {
        socket.cork();
        for (const piece of data) socket.write(piece);
        socket.uncork();
        for (const piece of data) stream.outByteCount += piece.length;
      };
    }
    return stream;
  };
  return true;
}

/** nodemailer's DATA stream, as far as takeEncodedData changes it. */
interface DataStreamInternals {
  outByteCount: number;
  _transform(chunk: Buffer, encoding: string, done: () => void): void;
  _flush(done: () => void): void;
  push(chunk: Buffer): boolean;
}

interface EncodedDataStream {
  /** Writes data already in DATA form, end marker included, straight to the connection. */
  writeEncoded(data: readonly Buffer[]): void;
}

function pieces(message: OutgoingMessage): readonly Buffer[] {
  return Buffer.isBuffer(message.raw) ? [message.raw] : message.raw;
}

function connectFailure(err: unknown): Outcome {
  const e = err as SmtpErrorLike;
  const auth = e.code === 'EAUTH' || e.responseCode === 535 || e.responseCode === 530;
  const detail = e.response ?? `${e.code ?? 'ERROR'}: ${e.message ?? String(err)}`;
  return {
    kind: 'abort',
    reply: auth ? `authentication failed: ${detail}` : `cannot connect to the SMTP server: ${detail}`,
  };
}

export function createSmtpPool(url: string | undefined, settings: SmtpSettings): SmtpPool {
  if (!url) {
    throw new HeraldError(ErrorCode.ECONFIG, 'HERALD_SMTP_URL is not set', {
      hint: 'Set it to your SMTP server, e.g. HERALD_SMTP_URL=smtps://user:password@smtp.example.com:465 (or use --dry-run).',
    });
  }
  return new SmtpPool(parseSmtpUrl(url), settings);
}
