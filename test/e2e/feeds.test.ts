import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { startFeedServer, type TestFeedServer } from '../support/feed-server';
import { type FixtureItem, ghost, hugo, jekyll, microblog, substack, wordpress } from '../fixtures/feeds';
import { spawnCli } from '../support/cli';
import { subscribersCsv } from '../support/newsletter';
import { FAST_SMTP, copiesByRecipient, herald, heraldEnv, killWhen, recordRows } from './helpers';

const LIST = 'email,name\nada@example.com,Ada\nalan@example.org,Alan\n';
const OLD: FixtureItem[] = [
  { slug: 'first', title: 'The first post', html: '<p>First.</p>', date: '2026-10-01T09:00:00Z' },
  { slug: 'second', title: 'The second post', html: '<p>Second.</p>', date: '2026-10-02T09:00:00Z' },
];
const NOW = { HERALD_NOW: '2026-11-05T12:00:00Z' };

describe('feeds as a source of posts, end to end through the CLI, a feed server and an SMTP server', () => {
  let smtp: TestSmtpServer;
  let feeds: TestFeedServer;
  let nl: TempNewsletter;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    feeds = await startFeedServer();
  });
  afterEach(async () => {
    await smtp?.close();
    await feeds?.close();
    nl?.remove();
  });

  function newsletter(feedList: unknown[]): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, feeds: feedList },
      posts: { 'old.md': '---\ntitle: An old post\ndate: 2020-01-01\n---\nFrom before herald.\n' },
      subscribers: { 'list.csv': LIST },
    });
  }
  const send = (...args: string[]) => herald(nl, ['send', ...args], smtp, NOW);
  const subjects = (): string[] => smtp.messages.map((m) => String(m.parsed.subject));

  test('baseline, a new item sent once, an edit and a removal and return not resent, an unchanged feed a 304', async () => {
    const base = feeds.url;
    feeds.set('/feed/', { body: wordpress(base, OLD) });
    nl = newsletter([{ url: `${base}/feed/`, allowPrivate: true }]);

    const first = await send();
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/first read of the feed .*\/feed\/: 2 items were recorded as already published and not mailed/);
    expect(first.stderr).toContain('herald send ITEM');
    expect(smtp.messages).toHaveLength(0);
    expect(feeds.requests[0]!.headers['user-agent']).toMatch(/^herald\//);
    expect(feeds.requests[0]!.headers['accept-encoding']).toMatch(/gzip/);

    const fresh: FixtureItem = { slug: 'third', title: 'A new post', html: '<p>Brand new, with <img src="/wp-content/uploads/pic.png" alt="pic"> and <a href="about/">a link</a>.</p>', date: '2026-11-04T09:00:00Z' };
    feeds.set('/feed/', { body: wordpress(base, [fresh, ...OLD]) });
    const second = await send();
    expect(second.stderr).not.toMatch(/error/);
    expect(second.code).toBe(0);
    expect(subjects()).toEqual(['A new post', 'A new post']);
    const html = String(smtp.messages[0]!.parsed.html);
    expect(html).toContain(`${base}/wp-content/uploads/pic.png`);
    expect(html).toContain(`${base}/third/about/`);
    expect(smtp.messages[0]!.parsed.text).toContain('Brand new');

    // edited (title and content), then removed, then restored: never mailed again
    feeds.set('/feed/', { body: wordpress(base, [{ ...fresh, title: 'A new post (updated)', html: '<p>Edited.</p>' }, ...OLD]) });
    expect((await send()).code).toBe(0);
    feeds.set('/feed/', { body: wordpress(base, OLD) });
    expect((await send()).code).toBe(0);
    feeds.set('/feed/', { body: wordpress(base, [fresh, ...OLD]) });
    expect((await send()).code).toBe(0);
    // unchanged since the last read: a conditional request answered 304
    const before = feeds.requests.length;
    const idle = await send();
    expect(idle.code).toBe(0);
    expect(feeds.requests[before]!.status).toBe(304);
    expect(smtp.messages).toHaveLength(2);

    const status = await herald(nl, ['status', '--json'], undefined, NOW);
    const rows = JSON.parse(status.stdout).posts as { id: string; title: string; source?: string }[];
    expect(rows.find((r) => r.title.startsWith('A new post'))).toMatchObject({ source: `${base}/feed/` });
  });

  test('feeds shaped like WordPress, Ghost, Hugo, jekyll-feed, Substack and Micro.blog: one new item each, sent once, links absolute', async () => {
    const base = feeds.url;
    const shapes = { wp: wordpress, ghost, hugo, jekyll, substack, micro: microblog } as const;
    const names = Object.keys(shapes) as (keyof typeof shapes)[];
    for (const n of names) feeds.set(`/${n}`, { body: shapes[n](`${base}/${n}`, OLD), type: n === 'micro' ? 'application/feed+json' : undefined });
    nl = newsletter(names.map((n) => ({ url: `${base}/${n}`, name: n, allowPrivate: true, ...(n === 'substack' ? { fullContent: false } : {}) })));
    expect((await send()).code).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    for (const n of names) {
      const item: FixtureItem = { slug: `news-${n}`, title: n === 'micro' ? '' : `News from ${n}`, html: `<p>Body of ${n} <a href="rel-${n}/">relative</a> <img src="img/${n}.png" alt="x"></p>`, date: '2026-11-04T09:00:00Z', summary: `Summary of ${n}` };
      feeds.set(`/${n}`, { body: shapes[n](`${base}/${n}`, [item, ...OLD]), type: n === 'micro' ? 'application/feed+json' : undefined });
    }
    const res = await send();
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    expect(smtp.messages).toHaveLength(names.length * 2);
    const byFeed = (n: string) => smtp.messages.find((m) => String(m.parsed.text).includes(n === 'substack' ? 'Summary of substack' : `Body of ${n}`));
    for (const n of names.filter((x) => x !== 'substack')) {
      const html = String(byFeed(n)?.parsed.html);
      expect(html).toMatch(new RegExp(`href="${base}/${n}/[^"]*rel-${n}/"`));
      expect(html).toMatch(new RegExp(`src="${base}/${n}/[^"]*img/${n}.png"`));
    }
    // jekyll-feed: the content's xml:base is the post's page
    expect(String(byFeed('jekyll')?.parsed.html)).toContain(`${base}/jekyll/2026/rel-jekyll/`);
    // a summary-only feed: the summary and a link to the whole post
    const sub = byFeed('substack')!;
    expect(String(sub.parsed.html)).toContain('Read the whole post');
    expect(String(sub.parsed.html)).toContain(`${base}/substack/p/news-substack`);
    expect(String(sub.parsed.html)).not.toContain('Body of substack');
    // Micro.blog items have no title: the text stands for one
    expect(subjects()).toContain('Body of micro relative');
    expect((await send()).code).toBe(0);
    expect(smtp.messages).toHaveLength(names.length * 2);
  });

  test('a 500, malformed XML and an oversized feed are named, the good feed and the posts still go out, and a recovered feed sends its item once', async () => {
    const base = feeds.url;
    for (const p of ['/good', '/flaky', '/broken', '/huge']) feeds.set(p, { body: hugo(`${base}${p}`, OLD) });
    nl = newsletter(['/good', '/flaky', '/broken', '/huge'].map((p) => ({ url: `${base}${p}`, allowPrivate: true })));
    expect((await send()).code).toBe(0);
    const item = (slug: string): FixtureItem => ({ slug, title: `Item ${slug}`, html: `<p>${slug}</p>`, date: '2026-11-04T09:00:00Z' });
    feeds.set('/good', { body: hugo(`${base}/good`, [item('g'), ...OLD]) });
    feeds.set('/flaky', { status: 500, body: 'oops' });
    feeds.set('/broken', { body: hugo(`${base}/broken`, [item('b'), ...OLD]).replace('</channel>', '<item><title>cut') });
    feeds.set('/huge', { body: hugo(`${base}/huge`, [{ ...item('h'), html: 'x'.repeat(11 * 1024 * 1024) }, ...OLD]) });
    nl.write('posts/new.md', '# A new markdown post\n\nHello.\n');
    const res = await send();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${base}/flaky: answered 500`);
    expect(res.stderr).toMatch(new RegExp(`${base}/broken: is not (well-formed|an RSS)`));
    expect(res.stderr).toContain(`${base}/huge: is larger than 10 MB; refused`);
    expect(subjects().sort()).toEqual(['A new markdown post', 'A new markdown post', 'Item g', 'Item g']);
    feeds.set('/flaky', { body: hugo(`${base}/flaky`, [item('f'), ...OLD]) });
    const again = await send();
    expect(again.code).toBe(1); // broken and huge still are
    expect(subjects().filter((s) => s === 'Item f')).toHaveLength(2);
    expect(subjects()).toHaveLength(6);
  });

  test('a hostile item loses its scripts, iframes, event handlers and javascript: links', async () => {
    const base = feeds.url;
    feeds.set('/feed', { body: ghost(base, OLD) });
    nl = newsletter([{ url: `${base}/feed`, allowPrivate: true }]);
    await send();
    const hostile: FixtureItem = {
      slug: 'hostile', title: 'Totally normal', date: '2026-11-04T09:00:00Z',
      html: '<p onclick="steal()">Hi <script>alert(1)</script><iframe src="https://evil.example/"></iframe><a href="javascript:alert(2)">click</a> <img src="x.png" onerror="alert(3)"> <a href="https://ok.example/">ok</a></p>',
    };
    feeds.set('/feed', { body: ghost(base, [hostile, ...OLD]) });
    expect((await send()).code).toBe(0);
    const html = String(smtp.messages[0]!.parsed.html);
    expect(html).not.toMatch(/<script|alert\(|<iframe|onclick|onerror|javascript:/i);
    expect(html).toContain('https://ok.example/');
  });

  test('the flood guard holds a burst of new items, names them, and --accept-new or herald send ITEM resolves it', async () => {
    const base = feeds.url;
    feeds.set('/index.xml', { body: hugo(base, OLD) });
    nl = newsletter([{ url: `${base}/index.xml`, allowPrivate: true }]);
    await send();
    const burst = [1, 2, 3, 4, 5].map((n): FixtureItem => ({ slug: `burst-${n}`, title: `Burst ${n}`, html: `<p>${n}</p>`, date: '2026-11-04T09:00:00Z' }));
    feeds.set('/index.xml', { body: hugo(base, [...burst, ...OLD]) });
    const held = await send();
    expect(held.code).toBe(1);
    expect(held.stderr).toContain('brought 5 new items in one read, more than its flood guard of 3; none was sent');
    for (const b of burst) expect(held.stderr).toContain(`"${b.title}" (${base}/posts/${b.slug}/)`);
    expect(held.stderr).toContain('herald send --accept-new');
    expect(smtp.messages).toHaveLength(0);
    const one = await send(`${base}/posts/burst-2/`);
    expect(one.code).toBe(0);
    expect(subjects()).toEqual(['Burst 2', 'Burst 2']);
    const accepted = await send('--accept-new');
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toContain('4 new items were accepted as already published');
    expect((await send()).code).toBe(0);
    expect(smtp.messages).toHaveLength(2);
  });

  test('guids that flip to https or lose a trailing slash mail nobody; a new item with an old link but a new title is new', async () => {
    const base = feeds.url;
    const items: FixtureItem[] = OLD.map((i) => ({ ...i, id: `http://blog.example/${i.slug}/`, link: 'http://blog.example/today' }));
    feeds.set('/feed', { body: wordpress(base, items) });
    nl = newsletter([{ url: `${base}/feed`, allowPrivate: true }]);
    await send();
    feeds.set('/feed', { body: wordpress(base, items.map((i) => ({ ...i, id: `https://blog.example/${i.slug}`, link: 'https://blog.example/today/' }))) });
    const flipped = await send();
    expect(flipped.code).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    const same: FixtureItem = { slug: 'third', title: 'Another day', html: '<p>Same link, new item</p>', date: '2026-11-04T09:00:00Z', id: 'https://blog.example/third', link: 'https://blog.example/today/' };
    feeds.set('/feed', { body: wordpress(base, [same, ...items]) });
    expect((await send()).code).toBe(0);
    expect(subjects()).toEqual(['Another day', 'Another day']);
  });

  test('ids that hash the content do not make an edited item new', async () => {
    const base = feeds.url;
    const hashed = (items: FixtureItem[]) => items.map((i) => ({ ...i, id: require('node:crypto').createHash('md5').update(i.title + i.html).digest('hex') as string }));
    feeds.set('/feed.json', { body: microblog(base, hashed(OLD)), type: 'application/feed+json' });
    nl = newsletter([{ url: `${base}/feed.json`, allowPrivate: true }]);
    await send();
    feeds.set('/feed.json', { body: microblog(base, hashed([{ ...OLD[0]!, title: 'Retitled', html: '<p>Edited</p>' }, OLD[1]!])), type: 'application/feed+json' });
    expect((await send()).code).toBe(0);
    expect(smtp.messages).toHaveLength(0);
  });

  test('a feed on a loopback address is refused without allowPrivate, by send and by check', async () => {
    feeds.set('/feed', { body: hugo(feeds.url, OLD) });
    nl = newsletter([`${feeds.url}/feed`]);
    const res = await send();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${feeds.url}/feed: 127.0.0.1 is a private or loopback address; read only with "allowPrivate": true`);
    expect(feeds.requests).toHaveLength(0);
    const check = await herald(nl, ['check', '--no-smtp'], undefined, NOW);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('private or loopback address');
  });

  test('send --dry-run previews new items, named after the item, and changes nothing', async () => {
    const base = feeds.url;
    feeds.set('/feed', { body: substack(base, OLD) });
    nl = newsletter([{ url: `${base}/feed`, allowPrivate: true }]);
    await send();
    feeds.set('/feed', { body: substack(base, [{ slug: 'preview-me', title: 'Preview me', html: '<p>Look</p>', date: '2026-11-04T09:00:00Z' }, ...OLD]) });
    const check = await herald(nl, ['check', '--no-smtp'], undefined, NOW);
    expect(check.stdout).toContain(`feed ${base}/feed: 3 items (1 new, 0 dated in the future)`);
    const dry = await herald(nl, ['send', '--dry-run'], smtp, NOW);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would send "Preview me" \(.*\/p\/preview-me\) to 2 subscribers/);
    expect(dry.stdout).toMatch(/preview-me/);
    expect(smtp.messages).toHaveLength(0);
    expect((await send()).code).toBe(0);
    expect(subjects()).toEqual(['Preview me', 'Preview me']);
  });

  test('a future-dated item waits for its time; herald preview renders an item by its link; log names the source', async () => {
    const base = feeds.url;
    feeds.set('/atom.xml', { body: jekyll(base, OLD) });
    nl = newsletter([{ url: `${base}/atom.xml`, allowPrivate: true, template: 'default' }]);
    await send();
    const later: FixtureItem = { slug: 'later', title: 'Later', html: '<p>Not yet</p>', date: '2026-11-20T09:00:00Z' };
    feeds.set('/atom.xml', { body: jekyll(base, [later, ...OLD]) });
    expect((await send()).code).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    const preview = await herald(nl, ['preview', `${base}/2026/later.html`], undefined, NOW);
    expect(preview.stderr).not.toMatch(/error/);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('"Later"');
    const copy = await herald(nl, ['send', `${base}/2026/later.html`, '--to', 'me@example.net'], smtp, NOW);
    expect(copy.code).toBe(0);
    expect(smtp.messages.map((m) => m.envelopeTo)).toEqual([['me@example.net']]);
    smtp.messages.length = 0;
    const due = await herald(nl, ['send'], smtp, { HERALD_NOW: '2026-11-21T00:00:00Z' });
    expect(due.code).toBe(0);
    expect(subjects()).toEqual(['Later', 'Later']);
    const log = await herald(nl, ['log'], undefined, NOW);
    expect(log.stdout).toContain(`(from ${base}/atom.xml)`);
  });

  test('a feed item cut short by the per-run cap is finished as it began, even when its feed fails or the item is edited', async () => {
    const base = feeds.url;
    feeds.set('/feed', { body: hugo(base, OLD) });
    nl = makeNewsletter({
      config: { smtp: { ...FAST_SMTP, maxPerRun: 1 }, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, feeds: [{ url: `${base}/feed`, allowPrivate: true }] },
      subscribers: { 'list.csv': LIST },
    });
    await send();
    feeds.set('/feed', { body: hugo(base, [{ slug: 'capped', title: 'Capped', html: '<p>Original words</p>', date: '2026-11-04T09:00:00Z' }, ...OLD]) });
    expect((await send()).code).toBe(75);
    expect(smtp.messages).toHaveLength(1);
    feeds.set('/feed', { status: 500 });
    const down = await send();
    expect(down.code).toBe(1);
    expect(smtp.messages).toHaveLength(2);
    expect(String(smtp.messages[1]!.parsed.text)).toContain('Original words');
    const perRecipient = smtp.messages.map((m) => m.envelopeTo[0]).sort();
    expect(perRecipient).toEqual(['ada@example.com', 'alan@example.org']);
    feeds.set('/feed', { body: hugo(base, [{ slug: 'capped', title: 'Capped, edited', html: '<p>Other words</p>', date: '2026-11-04T09:00:00Z' }, ...OLD]) });
    expect((await send()).code).toBe(0);
    expect(smtp.messages).toHaveLength(2);
  });

  test('a feed send killed with SIGKILL and run again (the item edited meanwhile): nobody gets two copies, nobody is skipped silently', async () => {
    await smtp.close();
    smtp = await startSmtpServer({ dataDelayMs: 5 });
    const base = feeds.url;
    feeds.set('/feed', { body: ghost(base, OLD) });
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, feeds: [{ url: `${base}/feed`, allowPrivate: true }] },
      subscribers: { 'list.csv': subscribersCsv(120) },
    });
    expect((await send()).code).toBe(0);
    feeds.set('/feed', { body: ghost(base, [{ slug: 'big', title: 'Big news', html: '<p>As first written</p>', date: '2026-11-04T09:00:00Z' }, ...OLD]) });
    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(smtp, NOW) });
    await killWhen(child, () => smtp.messages.length >= 30);
    expect(smtp.messages.length).toBeLessThan(120);
    feeds.set('/feed', { body: ghost(base, [{ slug: 'big', title: 'Big news, edited', html: '<p>Rewritten</p>', date: '2026-11-04T09:00:00Z' }, ...OLD]) });
    await send();
    const copies = copiesByRecipient(smtp);
    expect(Math.max(...copies.values())).toBe(1);
    const status = JSON.parse((await herald(nl, ['status', '--json'], undefined, NOW)).stdout) as { posts: { id: string; title: string }[] };
    const id = status.posts.find((p) => p.title.startsWith('Big news'))!.id;
    const rows = await recordRows(nl, id);
    expect(rows).toHaveLength(120);
    for (const row of rows) {
      if (row.state === 'sent') expect(copies.get(row.email)).toBe(1);
      else expect(row.state).toBe('in_doubt');
    }
    expect(smtp.messages.every((m) => m.parsed.subject === 'Big news' && String(m.parsed.text).includes('As first written'))).toBe(true);
  });

  test('a 301 is remembered for the next read, and an item with neither id nor link is named with its feed while the others go out', async () => {
    const base = feeds.url;
    feeds.set('/old.xml', { status: 301, headers: { location: '/new.xml' } });
    feeds.set('/new.xml', { body: hugo(base, OLD) });
    nl = newsletter([{ url: `${base}/old.xml`, allowPrivate: true }]);
    expect((await send()).code).toBe(0);
    feeds.set('/old.xml', { status: 404 });
    const good: FixtureItem = { slug: 'moved', title: 'After the move', html: '<p>moved</p>', date: '2026-11-04T09:00:00Z' };
    const body = hugo(base, [good, ...OLD]).replace('<item>', '<item><title>No way to tell</title><description>lost</description></item><item>');
    feeds.set('/new.xml', { body });
    const res = await send();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${base}/old.xml: item "No way to tell" has neither an id (guid) nor a link`);
    expect(subjects()).toEqual(['After the move', 'After the move']);
    expect(feeds.requests.filter((r) => r.path === '/old.xml')).toHaveLength(1);
  });
});

