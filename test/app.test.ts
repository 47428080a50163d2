import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../src/app';
import { loadSettings } from '../src/config/load';
import { ErrorCode, HeraldError } from '../src/errors';
import type { Output } from '../src/output';
import { makeNewsletter, type TempNewsletter } from './support/newsletter';

let nl: TempNewsletter;
beforeEach(() => {
  nl = makeNewsletter({ posts: { 'hello.md': '# Hello\n\ntext\n' } });
});
afterEach(() => nl.remove());

const quiet: Output = { out: () => undefined, err: () => undefined };
const appIn = (env: Record<string, string> = {}) => createApp(loadSettings(nl.root, env), quiet);

describe('the composition root', () => {
  test('reading the record where nothing was ever recorded gives none and creates nothing', () => {
    const app = appIn();
    expect(app.readRecord()).toBeUndefined();
    expect(fs.existsSync(app.settings.stateDir)).toBe(false);
  });

  test('the record opened for writing is the one read afterwards', () => {
    const app = appIn();
    const record = app.openRecord();
    record.initialize([], app.now());
    record.close();
    const read = app.readRecord();
    expect(read?.isInitialized()).toBe(true);
    read?.close();
    expect(path.dirname(read!.file)).toBe(app.settings.stateDir);
  });

  test('a second run lock in the same folder is refused as busy while the first is held', async () => {
    const app = appIn();
    const lock = await app.lock('send', 0);
    try {
      await expect(appIn().lock('send', 0)).rejects.toMatchObject({ code: ErrorCode.ELOCKED });
    } finally {
      lock.release();
    }
  });

  test('without HERALD_SMTP_URL the SMTP transport is a settings error, before any connection', () => {
    expect(() => appIn().smtp()).toThrow(HeraldError);
  });

  test('a command that does not listen for signals is never stopped', () => {
    expect(appIn().stop.aborted).toBe(false);
  });
});
