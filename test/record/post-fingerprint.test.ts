import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Post } from '../../src/discover/posts';
import { contentHash, siteUrlOf } from '../../src/pipeline/fingerprint';
import { RECORD_FILE, SendRecord } from '../../src/record/sqlite';

describe('what the record keeps to recognise a renamed post', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-fingerprint-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const now = new Date('2026-03-01T08:00:00Z');
  const fingerprints = (record: SendRecord): [string, string | null, string | null][] =>
    [...record.posts().values()].map((p) => [p.id, p.contentHash, p.url]);

  test('the hash of a post\'s text ignores line endings, wrapping and surrounding space; no text gives no hash', () => {
    const hash = contentHash({ body: 'One line\nand the next.\n\n- item\n' });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ body: '\uFEFF  One line and the next.\r\n\r\n\r\n- item  ' })).toBe(hash);
    expect(contentHash({ body: 'One line and the next!\n\n- item\n' })).not.toBe(hash);
    expect(contentHash({ body: ' \n\t\n' })).toBe('');
  });

  test('a post\'s URL is its url or postUrl filled in, under the site; none when it may not be linked', () => {
    const settings = { siteUrl: 'https://blog.example.com/repo/', postUrl: '{{year}}/{{slug}}/' };
    const post: Pick<Post, 'slug' | 'id' | 'date' | 'url'> = { slug: 'hello', id: 'x', date: new Date(2024, 0, 2) };
    expect(siteUrlOf(post, settings)).toBe('https://blog.example.com/repo/2024/hello/');
    expect(siteUrlOf({ ...post, url: '/notes/hello/' }, settings)).toBe('https://blog.example.com/repo/notes/hello/');
    expect(siteUrlOf({ ...post, url: 'javascript:alert(1)' }, settings)).toBeNull();
  });

  test('baseline and queued posts keep their hash and URL; a later read updates them', () => {
    const record = SendRecord.open(dir, { readonly: false })!;
    try {
      record.initialize([{ id: 'old', file: 'posts/old.md', title: 'Old', contentHash: 'h-old', url: 'https://x.example/old/' }, { id: 'plain', file: 'posts/plain.md', title: 'Plain' }], now);
      record.queuePost({ id: 'new', file: 'posts/new.md', title: 'New', contentHash: 'h-new', url: 'https://x.example/new/' }, [], now);
      expect(fingerprints(record)).toEqual([
        ['new', 'h-new', 'https://x.example/new/'],
        ['old', 'h-old', 'https://x.example/old/'],
        ['plain', null, null],
      ]);
      record.stampFiles([{ id: 'old', file: 'posts/old.md', stamp: { size: 1, mtimeMs: 2 }, contentHash: 'h-edited', url: null }]);
      record.stampFiles([{ id: 'plain', file: 'posts/plain.md', stamp: { size: 1, mtimeMs: 2 } }]);
      expect(fingerprints(record).slice(1)).toEqual([['old', 'h-edited', 'https://x.example/old/'], ['plain', null, null]]);
    } finally {
      record.close();
    }
  });

  test('a record made before these columns reads them as null, and gains them when a send opens it', () => {
    const first = SendRecord.open(dir, { readonly: false })!;
    first.initialize([{ id: 'old', file: 'posts/old.md', title: 'Old' }], now);
    first.close();
    const db = new Database(path.join(dir, RECORD_FILE));
    db.exec('ALTER TABLE posts DROP COLUMN content_hash; ALTER TABLE posts DROP COLUMN url');
    db.close();
    const reader = SendRecord.open(dir, { readonly: true })!;
    try {
      expect(fingerprints(reader)).toEqual([['old', null, null]]);
    } finally {
      reader.close();
    }
    const writer = SendRecord.open(dir, { readonly: false })!;
    try {
      writer.queuePost({ id: 'new', file: 'posts/new.md', title: 'New', contentHash: 'h', url: 'https://x.example/new/' }, [], now);
      expect(fingerprints(writer)).toEqual([['new', 'h', 'https://x.example/new/'], ['old', null, null]]);
    } finally {
      writer.close();
    }
  });
});
