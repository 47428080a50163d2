import { validateConfig } from '../../src/config/schema';

const base = { siteUrl: 'https://example.com/' };

describe('the feeds setting', () => {
  test('a URL or path alone, or an object with options; defaults filled in', () => {
    const result = validateConfig({ ...base, feeds: ['https://blog.example/feed/', { url: 'feed.xml', name: 'local', allowPrivate: true, fullContent: false, floodGuard: 0 }] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.feeds).toEqual([
      { url: 'https://blog.example/feed/', fullContent: true, floodGuard: 3, timeoutSeconds: 30, allowPrivate: false },
      { url: 'feed.xml', name: 'local', fullContent: false, floodGuard: 0, timeoutSeconds: 30, allowPrivate: true },
    ]);
    expect(validateConfig(base)).toMatchObject({ ok: true, config: { feeds: [] } });
  });

  test('an unknown option or a wrong type is a settings error naming the feed', () => {
    const result = validateConfig({ ...base, feeds: [{ url: 'https://blog.example/feed/', allowprivate: true }, { url: 'x', floodGuard: -1 }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^feeds\.0/), expect.stringMatching(/^feeds\.1/)]));
  });
});
