/**
 * The subscribe form's persistent counters: windows, all-or-nothing takes, release, retention,
 * and a second opening of the same file (another process, or the server after a restart) sees
 * every count.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RATE_LIMIT_FILE, RETENTION_MS, RateLimits } from '../../src/record/rate-limit';

let dir: string;
const open: RateLimits[] = [];
const limits = (secret = 'secret'): RateLimits => {
  const l = RateLimits.open(dir, secret);
  open.push(l);
  return l;
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-limits-'));
});

afterEach(() => {
  for (const l of open.splice(0)) l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);
const client = (subject: string) => ({ scope: 'client', subject, windows: [{ max: 2, ms: 60_000 }, { max: 3, ms: 3_600_000 }] });

test('each window holds at most its max; the answer says when a place frees up', () => {
  const l = limits();
  expect(l.take([client('a')], at(0)).ok).toBe(true);
  expect(l.take([client('a')], at(10_000)).ok).toBe(true);
  expect(l.take([client('a')], at(20_000))).toEqual({ ok: false, scope: 'client', retryAfterMs: 40_000 });
  expect(l.take([client('b')], at(20_000)).ok).toBe(true); // another subject has its own count
  expect(l.take([client('a')], at(60_001)).ok).toBe(true);
  // the hourly window is full now: three in the last hour
  expect(l.take([client('a')], at(200_000))).toEqual({ ok: false, scope: 'client', retryAfterMs: 3_600_000 - 200_000 });
});

test('a take is all or nothing, and release gives the places back', () => {
  const l = limits();
  const address = { scope: 'address', subject: 'x@example.com', windows: [{ max: 1, ms: 900_000 }] };
  const taken = l.take([address, client('a')], at(0));
  expect(taken.ok).toBe(true);
  // the address is full: the client is not counted either
  expect(l.take([client('a'), address], at(1000)).ok).toBe(false);
  expect(l.take([client('a')], at(1000)).ok).toBe(true);
  expect(l.take([client('a')], at(2000)).ok).toBe(false);
  l.release(taken.ok ? taken.ids : []);
  expect(l.take([address], at(3000)).ok).toBe(true);
  expect(l.take([client('a')], at(3000)).ok).toBe(true);
});

test('counts survive closing and reopening, and are shared by two openings of the file', () => {
  const first = limits();
  const second = limits();
  expect(first.take([client('a')], at(0)).ok).toBe(true);
  expect(second.take([client('a')], at(1)).ok).toBe(true);
  expect(first.take([client('a')], at(2)).ok).toBe(false);
  first.close();
  second.close();
  expect(limits().take([client('a')], at(3)).ok).toBe(false);
});

test('rows older than the retention are deleted as new ones come in', () => {
  const l = limits();
  for (let i = 0; i < 3; i++) expect(l.take([client(`c${i}`)], at(i)).ok).toBe(true);
  l.take([client('later')], at(RETENTION_MS + 10));
  l.close();
  const db = new Database(path.join(dir, RATE_LIMIT_FILE), { readonly: true });
  try {
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(1);
  } finally {
    db.close();
  }
});
