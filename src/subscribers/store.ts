import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { checkAddress } from './address';
import { writeFileAtomic } from './atomic-write';
import { cleanName, findColumns, nameColumns } from './columns';
import { csvLine, normalizeText, readRecords } from './csv';
import { DEFAULT_FOLDER, MAIN_FILE, listFileName as rel } from './files';
import { withListLock } from './lock';
import { discoverSubscribers, parseSubscriberCsv, scanFiles } from './read';
import { type Suppression, type SuppressionReason, addSuppressions, readSuppressions, removeSuppression, stamp } from './suppression';

/**
 * Changing the subscriber list by one address: `subscribers add` and the subscribe form append a
 * row, `subscribers remove` suppresses one. Each change happens under the list lock, atomically.
 */

// kept here too for the callers that know the list by this module
export { MAIN_FILE } from './files';
export { type ListEntry, type SubscriberList, countByStatus, exportLines, readList } from './export';
export { type ImportOptions, type ImportReport, importName, importSubscribers } from './import';

export type AddResult =
  | { readonly kind: 'added'; readonly email: string; readonly file: string; readonly lifted?: Suppression }
  | { readonly kind: 'already'; readonly email: string; readonly file: string; readonly line: number; readonly lifted?: Suppression }
  | { readonly kind: 'suppressed'; readonly email: string; readonly suppression: Suppression }
  | { readonly kind: 'excluded'; readonly email: string; readonly file: string };

export interface AddOptions {
  /** Suppression reasons this add may lift (the address is taken off the suppression list); others refuse. */
  readonly lift?: readonly SuppressionReason[];
  /** The subscriber folder as messages name it (the `subscribers` setting). */
  readonly folder?: string;
}

/**
 * Adds one address to subscribers.csv in the subscriber folder (appended, atomically). An address that is
 * already active is left alone; one on the suppression list is refused unless its reason is in
 * `lift`; one another file marks as unsubscribed (a status column) is refused, since only that
 * file can change it.
 */
export function addSubscriber(dir: string, input: { email: string; name?: string }, opts: AddOptions = {}): AddResult {
  const check = checkAddress(input.email);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, check.reason);
  const name = cleanName(input.name ?? '');
  const folder = opts.folder ?? DEFAULT_FOLDER;
  return withListLock(dir, () => {
    const suppression = readSuppressions(dir, folder).get(check.key);
    if (suppression && !(opts.lift ?? []).includes(suppression.reason)) return { kind: 'suppressed', email: check.address, suppression };
    const files = scanFiles(dir, folder);
    const broken = files.find((f) => f.parsed.broken);
    if (broken) {
      throw new HeraldError(ErrorCode.ESUBSCRIBER, 'cannot be read, so the list cannot be changed safely', {
        location: { file: broken.file }, hint: 'Fix that file first (herald check shows what is wrong).',
      });
    }
    const marking = files.find((f) => f.parsed.excluded.has(check.key));
    if (marking) return { kind: 'excluded', email: check.address, file: marking.file };
    const existing = files.flatMap((f) => f.parsed.rows).find((r) => r.key === check.key);
    let result: AddResult;
    if (existing) {
      result = { kind: 'already', email: existing.email, file: existing.file, line: existing.line };
    } else {
      appendRow(path.join(dir, MAIN_FILE), check.address, check.key, name, folder);
      result = { kind: 'added', email: check.address, file: rel(MAIN_FILE, folder) };
    }
    // lifted only once the row is in place: a crash in between leaves the address suppressed, never mailed by mistake
    if (suppression) {
      removeSuppression(dir, check.key, folder);
      result = { ...result, lifted: suppression } as AddResult;
    }
    return result;
  });
}

function appendRow(file: string, address: string, key: string, name: string, folder: string): void {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const header = readRecords(normalizeText(text))?.[0]?.cells;
  if (!header) text = `${text.replace(/\s+$/, '')}${text.trim() ? '\n' : ''}email,name\n`;
  const cells = header ? [...header].fill('') : ['', ''];
  const columns = header ? findColumns(header) : undefined;
  const email = columns ? columns.email : 0;
  if (email < 0) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, 'has no email column', { location: { file: rel(file, folder) } });
  }
  cells[email] = address;
  const [first, last] = columns ? nameColumns(columns) : [1];
  if (first !== undefined && last !== undefined) {
    const space = name.indexOf(' ');
    cells[first] = space < 0 ? name : name.slice(0, space);
    cells[last] = space < 0 ? '' : name.slice(space + 1);
  } else if (first !== undefined) {
    cells[first] = name;
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const next = `${text}${text && !text.endsWith('\n') ? eol : ''}${csvLine(cells)}${eol}`;
  // read back as `herald send` reads it before anything is written: the row must be exactly this subscriber
  const check = parseSubscriberCsv(next, rel(file, folder));
  const appended = check.rows[check.rows.length - 1];
  if (check.broken || !appended || appended.key !== key || check.excluded.has(key)) {
    throw new HeraldError(ErrorCode.ESUBSCRIBER, `appending ${address} would not read back as an active subscriber; nothing was written`, {
      location: { file: rel(file, folder) },
    });
  }
  writeFileAtomic(file, next);
}

export type RemoveResult = { readonly kind: 'removed'; readonly email: string; readonly wasActive: boolean } | { readonly kind: 'already'; readonly email: string; readonly suppression: Suppression };

/** Puts an address on the suppression list as `removed` (the subscriber files are not edited). */
export function removeSubscriber(dir: string, email: string, note: string, now = new Date(), folder: string = DEFAULT_FOLDER): RemoveResult {
  const check = checkAddress(email);
  if (!check.ok) throw new HeraldError(ErrorCode.EUSAGE, check.reason);
  return withListLock(dir, () => {
    const existing = readSuppressions(dir, folder).get(check.key);
    if (existing) return { kind: 'already', email: check.address, suppression: existing };
    const wasActive = discoverSubscribers(dir, folder).subscribers.some((s) => s.key === check.key);
    addSuppressions(dir, [{ email: check.address, reason: 'removed', at: stamp(now), note }], folder);
    return { kind: 'removed', email: check.address, wasActive };
  });
}

