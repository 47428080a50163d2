import type { Readable, Writable } from 'node:stream';
import type { SmtpSettings } from '../config/schema';
import { ErrorCode, HeraldError } from '../errors';
import { type OutgoingMessage, messageBytes } from './transport';
import { type Outcome, type SmtpErrorLike, classifySmtpError } from './outcome';
import { type EncodedDataSink, encodeMessageData } from '../fast/smtp-encoded-data';
import { type Session, connectFailure, offersSmtpUtf8, openSession } from './smtp-session';
import { type SmtpTarget, describeTls, parseSmtpUrl, tlsFailure } from './smtp-url';
import type { Transport } from './transport';
import { sleep } from './wait';

export { type SmtpTarget, parseSmtpUrl, redactSmtpUrl } from './smtp-url';

interface Job {
  readonly message: OutgoingMessage;
  readonly resolve: (outcome: Outcome) => void;
}


/**
 * A pool of nodemailer SMTP connections, each carrying one message at a time.
 *
 * herald drives nodemailer's SMTPConnection itself instead of the pooled transport because the
 * pooled transport re-queues a message whose connection closed mid-send, which duplicates it when
 * the server had already accepted it. Here nothing is ever re-sent by the transport: each message
 * gets exactly one attempt and an outcome saying how far it got, and the record decides.
 */
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
    /** The run's stop: no new connection is opened, and no reconnect waited for, once it aborts. */
    private readonly stop?: AbortSignal,
  ) {
    this.capacity = settings.connections;
  }

  send(message: OutgoingMessage): Promise<Outcome> {
    return new Promise((resolve) => {
      this.queue.push({ message, resolve });
      this.pump();
    });
  }

  /** Connects, authenticates and says goodbye: proves the settings work without sending. Returns how TLS was used. */
  async verify(): Promise<string> {
    const session = await openSession(this.target, this.settings);
    const tls = describeTls(this.target.tls, session.conn.secure);
    await new Promise<void>((resolve) => {
      session.conn.once('end', () => resolve());
      session.conn.quit();
      setTimeout(resolve, 2000).unref();
    });
    return tls;
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
      // stopping is not a connection failure: the message was certainly not sent
      job.resolve(this.stop?.aborted ? { kind: 'retry', reply: 'herald is stopping', throttle: false } : connectFailure(err));
      this.pump();
      return;
    }
    this.opening--;
    this.open.add(session);
    this.run(session, job);
  }

  /** Callbacks rather than promises from here down: this runs once per message. */
  private run(session: Session, job: Job): void {
    this.deliver(session, job.message, (outcome) => {
      session.sent++;
      if (!session.broken && outcome.kind !== 'accepted' && outcome.kind !== 'in_doubt') {
        this.reset(session, () => this.finish(session, job, outcome));
      } else {
        this.finish(session, job, outcome);
      }
    });
  }

  private finish(session: Session, job: Job, outcome: Outcome): void {
    if (session.broken || this.closed || session.sent >= this.settings.maxMessagesPerConnection) {
      this.discard(session, !session.broken);
    } else {
      this.idle.push(session);
    }
    job.resolve(outcome);
    this.pump();
  }

  private deliver(session: Session, message: OutgoingMessage, done: (outcome: Outcome) => void): void {
    if (message.smtputf8 && !offersSmtpUtf8(session.conn)) {
      // without SMTPUTF8 the address would go out as raw bytes the server may mangle or misroute
      done({ kind: 'failed', reply: 'not sent: the address needs SMTPUTF8, which this SMTP server does not offer' });
      return;
    }
    // the shared pieces go to the socket as they are: a 50 KB copy per message would only feed
    // the garbage collector
    const data = session.encoded ? encodeMessageData(pieces(message), this.encodedPieces) : [messageBytes(message)];
    // Once the whole message, final dot included, is handed to the connection, a failure may
    // have delivered it; before that, it cannot have.
    let dataEnded = false;
    // nodemailer pipes a stream-like message into what takes the data: takeEncodedData's sink,
    // which gets all the pieces at once, or for a plain message nodemailer's own DATA stream
    const source = {
      pipe(into: Writable & Partial<EncodedDataSink>): Writable {
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
        // a recipient throttled alone (454 to RCPT TO) leaves the session usable
        if (!(err as SmtpErrorLike).responseCode || outcome.kind === 'in_doubt' || (outcome.kind === 'retry' && outcome.throttle)) session.broken = true;
        done(outcome);
        return;
      }
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.some((r) => r.toLowerCase() === message.envelope.to.toLowerCase())) {
        const reply = (info.rejectedErrors?.[0] as SmtpErrorLike | undefined)?.response ?? 'recipient rejected';
        done(classifySmtpError({ code: 'EENVELOPE', command: 'RCPT TO', response: reply, responseCode: Number(reply.slice(0, 3)) || 550 }, true));
        return;
      }
      done({ kind: 'accepted', reply: (info.response ?? '250 OK').replace(/\s+/g, ' ').trim() });
    });
  }

  private reset(session: Session, done: () => void): void {
    try {
      session.conn.reset((err) => {
        if (err) session.broken = true;
        done();
      });
    } catch {
      session.broken = true;
      done();
    }
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
      if (attempt > 0) await sleep(this.settings.retryDelayMs * 2 ** (attempt - 1), this.stop);
      if (this.closed || this.stop?.aborted) break;
      try {
        return await openSession(this.target, this.settings);
      } catch (err) {
        lastError = err;
        // settings that are wrong now will be wrong on the next attempt too
        if ((err as SmtpErrorLike).code === 'EAUTH' || (err as SmtpErrorLike).responseCode === 535 || tlsFailure(err as SmtpErrorLike)) break;
      }
    }
    throw lastError ?? new Error('the pool was closed');
  }

}

function pieces(message: OutgoingMessage): readonly Buffer[] {
  return Buffer.isBuffer(message.raw) ? [message.raw] : message.raw;
}

export function createSmtpPool(url: string | undefined, settings: SmtpSettings, stop?: AbortSignal): SmtpPool {
  if (!url) {
    throw new HeraldError(ErrorCode.ECONFIG, 'HERALD_SMTP_URL is not set', {
      hint: 'Set it to your SMTP server, e.g. HERALD_SMTP_URL=smtps://user:password@smtp.example.com:465 (or use --dry-run).',
    });
  }
  return new SmtpPool(parseSmtpUrl(url), settings, stop);
}
