import { parseFeedBody, plainText } from '../../src/feeds/parse';

const atom = `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/blog/">
<title type="html">My &lt;i&gt;blog&lt;/i&gt;</title><link href="/"/><id>tag:x</id><updated>2026-11-01T00:00:00Z</updated>
<entry xml:base="posts/"><title type="html">A &lt;b&gt;bold&lt;/b&gt; &amp;amp; title</title><link rel="alternate" href="one/"/><link rel="enclosure" href="a.mp3"/>
<id>tag:site.example,2026:one</id><published>2026-11-01T08:00:00Z</published><updated>2026-11-02T00:00:00Z</updated><author><name>Ann</name></author>
<category term="go" label="Go"/><summary>Plain &lt;summary&gt;</summary><content type="html">&lt;p&gt;x &lt;a href="rel"&gt;r&lt;/a&gt;&lt;/p&gt;</content></entry></feed>`;

describe('parsing feeds into items', () => {
  test('Atom: xml:base on the feed and the entry resolve links and content; html titles become text; text summaries are escaped', () => {
    const feed = parseFeedBody(Buffer.from(atom), 'https://site.example/feed.xml');
    expect(feed.title).toBe('My blog');
    const [entry] = feed.items;
    expect(entry).toMatchObject({
      id: 'tag:site.example,2026:one', link: 'https://site.example/blog/posts/one/', title: 'A bold & title', author: 'Ann', categories: ['Go'],
      summaryHtml: '<p>Plain &lt;summary&gt;</p>', contentHtml: '<p>x <a href="rel">r</a></p>', baseUrl: 'https://site.example/blog/posts/',
    });
    expect(entry!.date?.toISOString()).toBe('2026-11-01T08:00:00.000Z');
  });

  test('RSS in ISO-8859-1, JSON Feed with content_text, and anything else refused in words', () => {
    const latin = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>T</title><link>https://l.example/</link><item><title>Caf'), Buffer.from([0xe9]), Buffer.from('</title><link>/c</link></item></channel></rss>')]);
    expect(parseFeedBody(latin, 'https://l.example/rss').items[0]).toMatchObject({ title: 'Café', link: 'https://l.example/c', baseUrl: 'https://l.example/c' });
    const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'J', items: [{ id: '7', content_text: 'a < b\n\nnext' }] });
    expect(parseFeedBody(Buffer.from(json), 'https://j.example/feed.json').items[0]).toMatchObject({ id: '7', contentHtml: '<p>a &lt; b</p>\n<p>next</p>' });
    expect(() => parseFeedBody(Buffer.from('<html><body>hi</body></html>'), 'https://x.example/')).toThrow('is not an RSS, Atom or JSON feed');
    expect(() => parseFeedBody(Buffer.from('<rss version="2.0"><channel><item><title>cut'), 'https://x.example/')).toThrow(/is not (well-formed|an RSS)/);
  });

  test('an item link that is not http(s) is no link: the item falls back to its id and the feed\'s page', () => {
    const rss = '<rss version="2.0"><channel><title>T</title><link>https://t.example/</link><item><title>Bad</title><link>javascript:alert(1)</link><guid>g1</guid></item></channel></rss>';
    expect(parseFeedBody(Buffer.from(rss), 'https://t.example/rss').items[0]).toMatchObject({ id: 'g1', link: undefined, baseUrl: 'https://t.example/' });
  });

  test('plain text from HTML decodes entities and drops markup', () => {
    expect(plainText('<b>Fish &amp; chips</b>&#8230; &#x2014;\n done')).toBe('Fish & chips… — done');
  });
});
