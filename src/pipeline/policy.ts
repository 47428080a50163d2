import type { Settings } from '../config/load';
import { isMailboxGone } from '../deliver/outcome';
import { checkAddress, legacyKey } from '../subscribers/address';
import { type DiscoverOptions, fileStamp, type Post } from '../discover/posts';
import type { RecordView } from '../plan/plan';
import { fingerprint } from './fingerprint';
import { diskError } from '../record/disk-error';
import type { FileStamp, SendRecord } from '../record/sqlite';

/*
 * The rules of a real send around the delivery loop: what may be skipped at discovery, how many
 * messages a run may hand over, when it must end, and what a bounce does to the list.
 */

/**
 * A file the record has seen with the same size and modification time, whose post has nothing
 * left to send, is not read again: its identity is known and nothing about it can change a send.
 */
export function unchangedKnownPost(record: SendRecord, view: RecordView, resendInDoubt: boolean): DiscoverOptions['unchanged'] {
  const stamps = record.fileStamps();
  return (file, stat) => {
    const known = stamps.get(file);
    if (!known || known.size !== stat.size || known.mtimeMs !== Math.floor(stat.mtimeMs)) return undefined;
    const open = view.counts.get(known.id);
    if (open && open.pending + open.sending + open.deferred + (resendInDoubt ? open.in_doubt : 0) > 0) return undefined;
    return known.id;
  };
}

/**
 * Stamps the files of every post the record now knows (except those about to be queued, which are
 * stamped then), with what each says now: a record from before fingerprints gains them this way.
 */
export function rememberFiles(record: SendRecord, settings: Settings, posts: readonly Post[], view: RecordView, fresh: readonly Post[]): void {
  const known = new Set([...view.posts.keys(), ...record.posts().keys()]);
  const stamps = posts
    .filter((p) => known.has(p.id) && !fresh.includes(p))
    .map((p) => ({ ...fingerprint(p, settings), id: p.id, file: p.file, stamp: fileStamp(settings.root, p) }))
    .filter((s): s is typeof s & { stamp: FileStamp } => s.stamp !== undefined);
  if (stamps.length) record.stampFiles(stamps);
}

/**
 * Mailboxes the server said do not exist go on the suppression list, taken from the record
 * itself so that a crash between the failure and this write loses nothing; they also leave this
 * run's audience at once.
 */
export function suppressGoneMailboxes(record: SendRecord, settings: Settings, audience: { delete(key: string): boolean }): void {
  const gone = record.failures().filter((f) => isMailboxGone(f.reply));
  if (!gone.length) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { addSuppressions, suppressionPath } = require('../subscribers/suppression') as typeof import('../subscribers/suppression');
  const { subscriberFolder } = require('../subscribers/files') as typeof import('../subscribers/files');
  try {
    const folder = subscriberFolder(settings.root, settings.subscribersDir);
    addSuppressions(settings.subscribersDir, gone.map((f) => ({ email: f.email, reason: 'bounced', at: f.updatedAt, note: f.reply.slice(0, 200) })), folder);
  } catch (err) {
    throw diskError(err, suppressionPath(settings.subscribersDir), 'the suppression list', 'The file is as it was before. The record keeps these bounces: free some space, then run herald send again to add them.');
  }
  for (const f of gone) {
    const check = checkAddress(f.email);
    if (check.ok) audience.delete(check.key);
    audience.delete(f.email.toLowerCase());
  }
}

/** The audience as keys; rows queued before Unicode domains were keyed in ASCII keep their old key: still these subscribers. */
export function subscribedKeys(audience: ReadonlyMap<string, { readonly email: string; readonly smtputf8: boolean }>): Set<string> {
  const subscribed = new Set(audience.keys());
  for (const s of audience.values()) {
    const old = s.smtputf8 ? legacyKey(s.email) : undefined;
    if (old) subscribed.add(old);
  }
  return subscribed;
}

/** Most messages this run may still hand over: the per-run cap and what is left of the day's. */
export function runBudget(settings: Settings, record: SendRecord, now: Date): number {
  let budget = settings.smtp.maxPerRun > 0 ? settings.smtp.maxPerRun : Number.POSITIVE_INFINITY;
  if (settings.smtp.maxPerDay > 0) {
    const sentToday = record.sentSince(new Date(now.getTime() - 24 * 3_600_000));
    budget = Math.min(budget, Math.max(0, settings.smtp.maxPerDay - sentToday));
  }
  return budget;
}

export function runDeadline(minutes: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  if (minutes <= 0) return { signal: controller.signal, clear: () => undefined };
  const timer = setTimeout(() => controller.abort(), minutes * 60_000);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
