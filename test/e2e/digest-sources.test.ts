import { wordpress, type FixtureItem } from '../fixtures/feeds';
import { startFeedServer, type TestFeedServer } from '../support/feed-server';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald } from './helpers';

const at = (iso: string): Record<string, string> => ({ HERALD_NOW: iso });
const OLD: FixtureItem[] = [{ slug: 'old-item', title: 'An old item', html: '<p>Old.</p>', date: '2026-02-01T09:00:00Z' }];

describe('a digest holds every kind of post: markdown files and feed items', () => {
  let smtp: TestSmtpServer;
  let feeds: TestFeedServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await smtp?.close();
    await feeds?.close();
    nl?.remove();
  });

  test('a daily reader gets the day\'s post and the day\'s feed item in one digest; an instant reader gets each alone', async () => {
    smtp = await startSmtpServer();
    feeds = await startFeedServer();
    feeds.set('/feed/', { body: wordpress(feeds.url, OLD) });
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, feeds: [{ url: `${feeds.url}/feed/`, allowPrivate: true }] },
      posts: { 'old.md': '---\ndate: 2026-01-01\n---\n# Old\n\nold\n' },
      subscribers: { 'list.csv': 'email,frequency\ninstant@example.com,instant\ndaily@example.com,daily\n' },
    });
    expect((await herald(nl, ['send'], smtp, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    expect(smtp.messages).toHaveLength(0);

    nl.write('posts/file-post.md', '---\ntitle: A file post\ndate: 2026-03-02\nsummary: From the posts folder\n---\nFile.\n');
    const item: FixtureItem = { slug: 'feed-item', title: 'A feed item', html: '<p>From the feed, in full.</p>', date: '2026-03-02T09:00:00Z' };
    feeds.set('/feed/', { body: wordpress(feeds.url, [item, ...OLD]) });
    const monday = await herald(nl, ['send'], smtp, at('2026-03-02T09:00:00Z'));
    expect(monday.stderr).not.toMatch(/error/);
    expect(monday.code).toBe(0);
    const to = (address: string) => smtp.messages.filter((m) => m.envelopeTo.includes(address));
    expect(to('instant@example.com').map((m) => m.parsed.subject).sort()).toEqual(['A feed item', 'A file post']);
    expect(to('daily@example.com')).toHaveLength(0);

    // Tuesday after 08:00: Monday's digest is due
    expect((await herald(nl, ['send'], smtp, at('2026-03-03T09:00:00Z'))).code).toBe(0);
    const digests = to('daily@example.com');
    expect(digests).toHaveLength(1);
    expect(digests[0]!.parsed.subject).toMatch(/2 new posts/);
    const html = String(digests[0]!.parsed.html);
    expect(html).toContain('A file post');
    expect(html).toContain('A feed item');
    expect(to('instant@example.com')).toHaveLength(2);
  });
});
