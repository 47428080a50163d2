/**
 * A real SMTP server for tests, with fault injection.
 *
 * Built on `smtp-server` so that the code under test talks genuine SMTP over TCP
 * (pipelining, dot-stuffing, connection reuse), and every accepted message is
 * parsed with mailparser so tests can assert on headers, html and text.
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';

export interface ReceivedMessage {
  readonly envelopeFrom: string; // MAIL FROM address
  readonly envelopeTo: readonly string[]; // RCPT TO addresses of this transaction
  readonly raw: Buffer; // the DATA exactly as received
  readonly parsed: ParsedMail;
  readonly connectionId: string;
}

/** A reply to inject: e.g. '550 5.1.1 No such user', '451 4.3.0 Try later', '421 4.7.0 Going away'. */
export type Reply = string;

export interface FaultPlan {
  /** Called for each RCPT TO; return a Reply to reject it, undefined to accept. n = 1-based count of RCPT commands seen by the server so far. */
  /** 'drop' destroys the socket without answering the RCPT TO (a connection lost before the data). */
  onRcpt?(address: string, n: number): Reply | 'drop' | undefined;
  /** Called for each new connection (n = 1-based count of connections so far, `accepted` = messages accepted so far); 'refuse' closes it before the greeting. */
  onConnect?(n: number, accepted: number): 'refuse' | undefined;
  /** Called for each MAIL FROM. */
  onMailFrom?(address: string, n: number): Reply | undefined;
  /**
   * Called after the full DATA of message n (1-based count of messages whose data fully arrived)
   * and BEFORE replying. Return undefined to accept (250), a Reply to reject, 'drop' to destroy
   * the socket without any reply (recorded in `droppedAfterData`, not in `messages`), or 'stall'
   * to never answer (until the server closes; also recorded in `droppedAfterData`).
   */
  onData?(msg: { envelopeTo: readonly string[]; raw: Buffer }, n: number): Reply | 'drop' | 'stall' | undefined;
  /** Require AUTH PLAIN/LOGIN with these credentials (insecure auth allowed, no TLS). Wrong credentials get '535 5.7.8 Authentication failed'. */
  auth?: { user: string; pass: string };
  /** Advertise SMTPUTF8 (default true) */
  smtputf8?: boolean;
  /** Advertise 8BITMIME (default true) */
  eightBitMime?: boolean;
  /** Speak TLS from the first byte (smtps), with smtp-server's bundled certificate: clients must not verify it. */
  secure?: boolean;
  /** Offer STARTTLS with this key and certificate (e.g. from test/support/tls.ts); without it STARTTLS is never offered. */
  starttls?: { key: string; cert: string };
  /** Delay in ms before every reply to DATA (to simulate a slow server) */
  dataDelayMs?: number;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly url: string; // e.g. 'smtp://127.0.0.1:PORT' (with user:pass@ when auth is set, URL-encoded)
  readonly messages: ReceivedMessage[]; // accepted messages in arrival order
  readonly droppedAfterData: { envelopeTo: readonly string[]; raw: Buffer }[]; // data fully received but answered with drop/stall
  readonly connectionsOpened: number; // total connections accepted so far
  readonly maxConcurrentConnections: number; // high-water mark of simultaneous connections
  readonly auths: readonly { user: string; secure: boolean }[]; // every AUTH the server received, and whether TLS protected it
  /** resolves when at least n messages were accepted; rejects after timeoutMs (default 20000) with a message saying how many arrived */
  waitForMessages(n: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** messages accepted for this recipient (case-insensitive) */
  messagesTo(address: string): ReceivedMessage[];
  /** closes the server and destroys every open connection (also stalled ones); safe to call twice */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_WAIT_MS = 20_000;

/** The error shape smtp-server turns into a reply: `responseCode` plus the text as message. */
type SmtpReplyError = Error & { responseCode: number };
type SmtpCallback = (err?: Error | null) => void;
type DataCallback = (err?: Error | null, message?: string) => void;

/**
 * Turns '550 5.1.1 No such user' into an error smtp-server answers with verbatim.
 * Enhanced status codes are off by default in smtp-server, so the '5.1.1' in the text is
 * not duplicated by the server.
 */
function replyError(reply: Reply): SmtpReplyError {
  const match = /^([2-5]\d\d)(?:[ -](.*))?$/s.exec(reply.trim());
  if (!match) {
    // A malformed plan is a bug in the test; answer with something the client will surface.
    return replyError(`451 4.3.0 test smtp server: invalid fault reply ${JSON.stringify(reply)}`);
  }
  const err = new Error(match[2] ?? '') as SmtpReplyError;
  err.responseCode = Number(match[1]);
  return err;
}

/** Runs a fault hook; a hook that throws becomes a 451 so the failure shows up client-side instead of crashing the server. */
function runHook<T>(hook: () => T): T | Reply {
  try {
    return hook();
  } catch (err) {
    return `451 4.3.0 test smtp server: fault hook threw: ${(err as Error).message}`;
  }
}

/** Key that ties an SMTP session to its raw socket; every client is on 127.0.0.1, so the port is unique. */
function socketKey(address: string | undefined, port: number | undefined): string {
  return `${address ?? ''}:${port ?? ''}`.replace(/^::ffff:/, '');
}

/** A login without TLS needs herald's explicit opt-out, tls=off. */
function buildUrl(port: number, plan: FaultPlan): string {
  const auth = plan.auth;
  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
  return `smtp://${credentials}${HOST}:${port}${auth && !plan.starttls ? '?tls=off' : ''}`;
}

function readStream(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    // smtp-server only destroys the stream with an error when someone listens, and a client
    // vanishing mid-DATA is routine in fault tests, so this must never go unhandled.
    stream.on('error', reject);
  });
}

interface Waiter {
  n: number;
  resolve(messages: ReceivedMessage[]): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Tracks raw TCP sockets ourselves instead of relying on smtp-server's `connections` set:
 * smtp-server forgets a connection as soon as it *starts* closing (e.g. after a 421), but
 * the socket can linger half-open for seconds, and close() must not wait for that.
 */
class SocketTracker {
  readonly open = new Map<string, net.Socket>();
  opened = 0;
  maxConcurrent = 0;

  attach(server: net.Server, refuse: (n: number) => boolean): void {
    server.on('connection', (socket: net.Socket) => {
      if (refuse(this.opened + 1)) {
        this.opened++;
        socket.destroy();
        return;
      }
      const key = socketKey(socket.remoteAddress, socket.remotePort);
      this.opened++;
      this.open.set(key, socket);
      this.maxConcurrent = Math.max(this.maxConcurrent, this.open.size);
      socket.once('close', () => this.open.delete(key));
    });
  }

  socketOf(session: SMTPServerSession): net.Socket | undefined {
    return this.open.get(socketKey(session.remoteAddress, session.remotePort));
  }

  destroyAll(): void {
    for (const socket of this.open.values()) socket.destroy();
  }
}

export function startSmtpServer(plan: FaultPlan = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const droppedAfterData: { envelopeTo: readonly string[]; raw: Buffer }[] = [];
  const sockets = new SocketTracker();
  const waiters = new Set<Waiter>();
  const auths: { user: string; secure: boolean }[] = [];
  let mailFromCount = 0;
  let rcptCount = 0;
  let dataCount = 0;

  function settleWaiters(): void {
    for (const waiter of waiters) {
      if (messages.length >= waiter.n) {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
        waiter.resolve(messages.slice());
      }
    }
  }

  function onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: { user: string }) => void,
  ): void {
    auths.push({ user: auth.username ?? '', secure: Boolean(session.secure) });
    const expected = plan.auth;
    if (expected && auth.username === expected.user && auth.password === expected.pass) {
      callback(null, { user: auth.username });
    } else {
      callback(replyError('535 5.7.8 Authentication failed'));
    }
  }

  function onMailFrom(address: { address: string }, _session: SMTPServerSession, callback: SmtpCallback): void {
    const n = ++mailFromCount;
    const reply = plan.onMailFrom && runHook(() => plan.onMailFrom!(address.address, n));
    callback(reply ? replyError(reply) : null);
  }

  function onRcptTo(address: { address: string }, session: SMTPServerSession, callback: SmtpCallback): void {
    const n = ++rcptCount;
    const reply = plan.onRcpt && runHook(() => plan.onRcpt!(address.address, n));
    if (reply === 'drop') {
      socketOf(session)?.destroy();
      return;
    }
    callback(reply ? replyError(reply) : null);
  }

  async function acceptMessage(envelope: Omit<ReceivedMessage, 'parsed'>): Promise<void> {
    const parsed = await simpleParser(envelope.raw);
    // Stored before the 250 goes out, so a client that awaited its send can assert immediately.
    messages.push({ ...envelope, parsed });
    settleWaiters();
  }

  async function handleData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: DataCallback): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readStream(stream);
    } catch {
      return; // the client went away mid-DATA; there is nobody left to answer
    }
    // Copied now: smtp-server resets the session envelope as soon as we answer.
    const mailFrom = session.envelope.mailFrom;
    const envelopeFrom = mailFrom ? mailFrom.address : '';
    const envelopeTo = session.envelope.rcptTo.map((rcpt) => rcpt.address);
    const n = ++dataCount;
    const verdict = plan.onData && runHook(() => plan.onData!({ envelopeTo, raw }, n));

    if (verdict === 'drop' || verdict === 'stall') {
      // Recorded now, not when acted on: the point is that the message reached the server.
      droppedAfterData.push({ envelopeTo, raw });
    }
    if (verdict === 'stall') return; // never call back: the client waits until close() kills the socket

    if (plan.dataDelayMs) await new Promise((resolve) => setTimeout(resolve, plan.dataDelayMs));

    if (verdict === 'drop') {
      // Destroying the socket without calling back means no reply line is ever written.
      socketOf(session)?.destroy();
      return;
    }
    if (verdict) {
      callback(replyError(verdict));
      return;
    }
    try {
      await acceptMessage({ envelopeFrom, envelopeTo, raw, connectionId: session.id });
    } catch (err) {
      callback(replyError(`451 4.3.0 test smtp server could not parse the message: ${(err as Error).message}`));
      return;
    }
    callback(null, 'OK: message queued');
  }

  /** Our own tracking first; smtp-server's (private) per-connection socket as a fallback. */
  function socketOf(session: SMTPServerSession): net.Socket | undefined {
    const tracked = sockets.socketOf(session);
    if (tracked) return tracked;
    for (const connection of smtp.connections) {
      if (connection.session === session) return connection._socket;
    }
    return undefined;
  }

  const smtp = new SMTPServer({
    logger: false,
    secure: Boolean(plan.secure),
    // The bundled certificate has expired, so STARTTLS is only offered with a certificate of the test's own.
    disabledCommands: plan.starttls ? [] : ['STARTTLS'],
    ...(plan.starttls ?? {}),
    authOptional: !plan.auth,
    allowInsecureAuth: Boolean(plan.auth),
    authMethods: ['PLAIN', 'LOGIN'],
    hideSMTPUTF8: plan.smtputf8 === false,
    hide8BITMIME: plan.eightBitMime === false,
    onAuth,
    onMailFrom,
    onRcptTo,
    onData(stream, session, callback) {
      void handleData(stream, session, callback);
    },
  });
  // Resets and broken pipes from clients killed mid-transaction are expected in fault tests;
  // without a listener smtp-server's 'error' event would crash the jest worker.
  smtp.on('error', () => undefined);
  // a refused socket is destroyed as it arrives: the client sees it close before any greeting
  sockets.attach(smtp.server, (n) => plan.onConnect?.(n, messages.length) === 'refuse');

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`test smtp server closed while waiting for ${waiter.n} message(s); ${messages.length} arrived`));
      }
      waiters.clear();
      // Sockets first: smtp-server's own close() would otherwise wait up to 30 s for
      // stalled sessions before giving up on them.
      sockets.destroyAll();
      smtp.close(() => resolve());
    });
    return closing;
  }

  function waitForMessages(n: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage[]> {
    if (messages.length >= n) return Promise.resolve(messages.slice());
    if (closing) return Promise.reject(new Error(`test smtp server is closed; ${messages.length} of ${n} message(s) arrived`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        n,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `waitForMessages: expected ${n} message(s) within ${timeoutMs} ms, but only ${messages.length} arrived` +
                ` (${droppedAfterData.length} dropped/stalled after DATA)`,
            ),
          );
        }, timeoutMs),
      };
      waiters.add(waiter);
    });
  }

  function messagesTo(address: string): ReceivedMessage[] {
    const wanted = address.toLowerCase();
    return messages.filter((msg) => msg.envelopeTo.some((to) => to.toLowerCase() === wanted));
  }

  return new Promise((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(0, HOST, () => {
      smtp.server.off('error', reject);
      const port = (smtp.server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: buildUrl(port, plan),
        auths,
        messages,
        droppedAfterData,
        get connectionsOpened() {
          return sockets.opened;
        },
        get maxConcurrentConnections() {
          return sockets.maxConcurrent;
        },
        waitForMessages,
        messagesTo,
        close,
      });
    });
  });
}
