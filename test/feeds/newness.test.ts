import { type FeedMemory, judgeItems, normaliseKey, type SeenItem } from '../../src/feeds/newness';
import type { FeedItem } from '../../src/feeds/parse';

const item = (over: Partial<FeedItem>): FeedItem => ({ title: 'A title', categories: [], baseUrl: 'https://blog.example/', ...over });
const memory = (seen: SeenItem[], idsUnstable = false): FeedMemory => ({ read: true, idsUnstable, seen });
const seen = (postId: string, idKey: string, linkKey: string | undefined, title: string): SeenItem => ({ postId, idKey, linkKey, title });

describe('which feed items are new', () => {
  test('ids are compared without their scheme, host case or trailing slash', () => {
    expect(normaliseKey('http://Blog.Example/a/')).toBe(normaliseKey('https://blog.example/a'));
    expect(normaliseKey('https://blog.example/?p=12')).toBe('//blog.example?p=12'.replace('//blog.example', '//blog.example'));
    expect(normaliseKey('tag:blog.example,2026:1')).toBe('tag:blog.example,2026:1');
    const j = judgeItems([item({ id: 'https://blog.example/a/', link: 'https://blog.example/a/' })], memory([seen('b/a', normaliseKey('http://blog.example/a'), normaliseKey('http://blog.example/a'), 'A title')]), 'b');
    expect(j.items[0]).toMatchObject({ known: true, postId: 'b/a', newKeys: false });
  });

  test('a new id on a known link is the same item only with the same title; the feed is then known to change ids', () => {
    const mem = memory([seen('b/x', 'old-id', normaliseKey('https://blog.example/today'), 'Monday')]);
    const j = judgeItems([
      item({ id: 'new-id', link: 'https://blog.example/today', title: 'Monday' }),
      item({ id: 'other', link: 'https://blog.example/today', title: 'Tuesday' }),
    ], mem, 'b');
    expect(j.items.map((i) => i.known)).toEqual([true, false]);
    expect(j.items[0]!.newKeys).toBe(true);
    // the link is shared by two items in this read, so it proves nothing about ids
    expect(j.idsUnstable).toBe(false);
    const single = judgeItems([item({ id: 'new-id', link: 'https://blog.example/today', title: 'Monday' })], mem, 'b');
    expect(single.idsUnstable).toBe(true);
  });

  test('once ids are known to change, or an id looks like a hash, an edited item is found by its unique link', () => {
    const mem = memory([seen('b/x', 'id-1', normaliseKey('https://blog.example/x/'), 'Old title')]);
    const edited = item({ id: 'id-2', link: 'https://blog.example/x/', title: 'New title' });
    expect(judgeItems([edited], mem, 'b').items[0]!.known).toBe(false);
    expect(judgeItems([edited], { ...mem, idsUnstable: true }, 'b').items[0]!.known).toBe(true);
    expect(judgeItems([{ ...edited, id: 'd41d8cd98f00b204e9800998ecf8427e' }], mem, 'b').items[0]!.known).toBe(true);
  });

  test('an item with neither id nor link, or a repeated id, is rejected by name; a new item gets a readable, stable post id', () => {
    const j = judgeItems([
      item({ title: 'Nothing to go by' }),
      item({ id: 'https://blog.example/posts/hello-world/', title: 'Hello' }),
      item({ id: 'http://blog.example/posts/hello-world', title: 'Hello again' }),
    ], memory([]), 'myblog');
    expect(j.rejected.map((r) => r.reason)).toEqual([expect.stringContaining('neither an id'), expect.stringContaining('repeats the id')]);
    expect(j.items).toHaveLength(1);
    expect(j.items[0]!.postId).toMatch(/^myblog\/hello-world-[0-9a-f]{8}$/);
    expect(judgeItems([item({ id: 'https://blog.example/posts/hello-world/' })], memory([]), 'myblog').items[0]!.postId).toBe(j.items[0]!.postId);
  });
});
