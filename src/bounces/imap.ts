import { ErrorCode, HeraldError } from '../errors';
import type { SourceMessage } from './sources';

/**
 * The bounce mailbox over IMAP (imapflow). HERALD_BOUNCE_IMAP_URL names the server, the account
 * and the mailbox: `imaps://USER:PASSWORD@HOST[:PORT]/MAILBOX`, with `?processed=FOLDER` (default
 * "Processed") where read messages are moved, or `?processed=` (empty) to leave them in place,
 * flagged \Seen and $HeraldProcessed. Each message is acted on (durably, in the record) before it
 * is moved or flagged, so a crash in between only means it is read again, which changes nothing.
 * A message that could not be read stays where it is, flagged $HeraldSkipped: never lost, never
 * retried in a loop.
 */
export interface ImapOptions {
  readonly maxBytes: number;
  readonly stop: AbortSignal;
  readonly log: (line: string) => void;
}

export interface ImapTarget {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user: string;
  readonly pass: string;
  readonly mailbox: string;
  /** undefined: flag instead of moving */
  readonly processed?: string;
}

const PROCESSED = '$HeraldProcessed';
const SKIPPED = '$HeraldSkipped';

export function parseImapUrl(value: string): ImapTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('it is not a URL');
  }
  if (url.protocol !== 'imap:' && url.protocol !== 'imaps:') throw invalid('it must start with imap:// or imaps://');
  if (!url.username) throw invalid('it names no user');
  const secure = url.protocol === 'imaps:';
  const processed = url.searchParams.has('processed') ? url.searchParams.get('processed')! : 'Processed';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    mailbox: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX',
    processed: processed || undefined,
  };
}

function invalid(why: string): HeraldError {
  return new HeraldError(ErrorCode.ECONFIG, `HERALD_BOUNCE_IMAP_URL: ${why}`, {
    hint: 'For example imaps://bounces%40example.com:PASSWORD@imap.example.com/INBOX (characters such as @ in the user or password percent-encoded).',
  });
}

/**
 * Reads every message not yet processed; `read` acts on each and says whether it could be read
 * (it throws only for a fault of herald's own, which leaves the message as it was for the next run).
 */
export async function readImap(urlText: string, opts: ImapOptions, read: (m: SourceMessage) => Promise<boolean>): Promise<{ moved: number; flagged: number; skipped: number }> {
  const target = parseImapUrl(urlText);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ImapFlow } = require('imapflow') as typeof import('imapflow');
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    auth: { user: target.user, pass: target.pass },
    logger: false,
  });
  const done = { moved: 0, flagged: 0, skipped: 0 };
  try {
    await client.connect();
  } catch (err) {
    throw new HeraldError(ErrorCode.ESYSTEM, `cannot log in to the bounce mailbox at ${target.host}:${target.port}: ${(err as Error).message}`, {
      hint: 'Check HERALD_BOUNCE_IMAP_URL (host, port, user, password) and that the server is reachable.',
      cause: err,
    });
  }
  try {
    if (target.processed) {
      const exists = (await client.list()).some((box) => box.path === target.processed);
      if (!exists) await client.mailboxCreate(target.processed);
    }
    const lock = await client.getMailboxLock(target.mailbox);
    try {
      const uids = (await client.search({ unKeyword: target.processed ? SKIPPED : PROCESSED }, { uid: true })) || [];
      const pending = target.processed ? uids : ((await client.search({ unKeyword: SKIPPED }, { uid: true })) || []).filter((u) => uids.includes(u));
      for (const uid of pending) {
        if (opts.stop.aborted) break;
        const head = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
        if (!head) continue;
        const size = head.size ?? 0;
        const message = size > opts.maxBytes ? undefined : await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
        const raw = message && message.source ? message.source : Buffer.alloc(opts.maxBytes + 1);
        if (!(await read({ source: `${target.mailbox} UID ${uid}`, raw }))) {
          await client.messageFlagsAdd(String(uid), [SKIPPED], { uid: true });
          done.skipped++;
        } else if (target.processed) {
          await client.messageMove(String(uid), target.processed, { uid: true });
          done.moved++;
        } else {
          await client.messageFlagsAdd(String(uid), ['\\Seen', PROCESSED], { uid: true });
          done.flagged++;
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  opts.log(`bounce mailbox ${target.mailbox}: ${done.moved ? `${done.moved} moved to ${target.processed}` : `${done.flagged} flagged ${PROCESSED}`}${done.skipped ? `, ${done.skipped} left in place flagged ${SKIPPED}` : ''}`);
  return done;
}
