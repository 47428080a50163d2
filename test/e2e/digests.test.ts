import { spawnCli } from '../support/cli';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald, heraldEnv, killWhen, recordRows } from './helpers';

const at = (iso: string): Record<string, string> => ({ HERALD_NOW: iso });

describe('digests, end to end: daily and weekly readers get one email per period, exactly once', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  const subjectsTo = (address: string): string[] => server.messages.filter((m) => m.envelopeTo.includes(address)).map((m) => m.parsed.subject ?? '');
  const digestTo = (address: string, n: number): string => String(server.messages.filter((m) => m.envelopeTo.includes(address))[n]!.parsed.text);

  test('a week of posts: instant readers get each, daily readers one digest a day, weekly readers one on Monday; a switch to weekly repeats nothing', async () => {
    server = await startSmtpServer();
    const list = (instFrequency: string): string =>
      `email,name,frequency\ninst@example.com,Inst,${instFrequency}\nday@example.com,Day,daily\nweek@example.com,Week,weekly monday\n`;
    nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'old.md': '---\ndate: 2026-01-01\n---\n# Old\n\nold\n' }, subscribers: { 'list.csv': list('instant') } });
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);

    // Monday 09:00 UTC: the first post; digests of today (due 08:00) hold only what came before
    nl.write('posts/p1.md', '---\ntitle: First post\ndate: 2026-03-02\nsummary: The first summary\n---\nOne.\n');
    const dry = await herald(nl, ['send', '--dry-run'], server, at('2026-03-02T09:00:00Z'));
    expect(dry.stdout).toMatch(/would send "First post" \(posts\/p1\.md\) to 1 subscriber\n {2}and 2 digest readers in their next digest/);
    expect((await herald(nl, ['send'], server, at('2026-03-02T09:00:00Z'))).code).toBe(0);
    expect(server.messages.flatMap((m) => m.envelopeTo)).toEqual(['inst@example.com']);

    // Inst switches to weekly: the first post, already mailed to them, is not repeated
    nl.write('subscribers/list.csv', list('weekly'));
    nl.write('posts/p2.md', '---\ntitle: Second post\ndate: 2026-03-03\n---\nTwo paragraphs.\n\nThe second one.\n');
    expect((await herald(nl, ['send'], server, at('2026-03-03T09:00:00Z'))).code).toBe(0);
    nl.write('posts/p3.md', '---\ntitle: Third post\ndate: 2026-03-04\n---\nThree.\n');
    for (const day of ['2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']) {
      expect((await herald(nl, ['send'], server, at(`${day}T09:00:00Z`))).code).toBe(0);
      expect((await herald(nl, ['send'], server, at(`${day}T09:30:00Z`))).code).toBe(0); // a second tick in the same period sends nothing more
    }

    expect(subjectsTo('inst@example.com')).toEqual(['First post', 'Test Letter: 2 new posts']);
    expect(subjectsTo('day@example.com')).toEqual(['Test Letter: a new post', 'Test Letter: a new post', 'Test Letter: a new post']);
    expect(subjectsTo('week@example.com')).toEqual(['Test Letter: 3 new posts']);
    expect(digestTo('day@example.com', 0)).toContain('The first summary');
    expect(digestTo('day@example.com', 1)).toContain('Two paragraphs.');
    expect(digestTo('day@example.com', 1)).not.toContain('The second one.');
    const weekly = digestTo('week@example.com', 0);
    expect(weekly.indexOf('First post')).toBeLessThan(weekly.indexOf('Second post'));
    expect(weekly.indexOf('Second post')).toBeLessThan(weekly.indexOf('Third post'));
    expect(weekly).toContain('https://blog.example.com/p1/');
    expect(digestTo('inst@example.com', 1)).not.toContain('First post');
    expect([...copiesByRecipient(server).values()].reduce((a, b) => a + b)).toBe(6);
    const rows = (await recordRows(nl)).filter((r) => r.postId.startsWith('digest/'));
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
    expect(rows).toHaveLength(5);
  });

  test('a digest run killed with SIGKILL and run again: nobody gets two copies, nobody is skipped silently', async () => {
    const READERS = 150;
    server = await startSmtpServer({ dataDelayMs: 10 });
    const csv = ['email,frequency', ...Array.from({ length: READERS }, (_, i) => `reader${i}@example.com,daily`)].join('\n') + '\n';
    nl = makeNewsletter({ config: { smtp: FAST_SMTP }, posts: { 'old.md': '---\ndate: 2026-01-01\n---\n# Old\n\nold\n' }, subscribers: { 'list.csv': csv } });
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    nl.write('posts/news.md', '---\ntitle: News\ndate: 2026-03-01\n---\nNews.\n');
    expect((await herald(nl, ['send'], server, at('2026-03-01T13:00:00Z'))).code).toBe(0);
    expect(server.messages).toHaveLength(0);

    const child = spawnCli(['send', '--root', nl.root], { env: heraldEnv(server, at('2026-03-02T08:00:00Z')) });
    await killWhen(child, () => server.messages.length >= 40);
    expect(server.messages.length).toBeLessThan(READERS);
    await herald(nl, ['send'], server, at('2026-03-02T08:10:00Z'));
    await herald(nl, ['send'], server, at('2026-03-03T08:10:00Z'));

    const copies = copiesByRecipient(server);
    expect(Math.max(...copies.values())).toBe(1);
    const rows = (await recordRows(nl)).filter((r) => r.postId.startsWith('digest/'));
    expect(rows).toHaveLength(READERS);
    expect(rows.filter((r) => r.state === 'in_doubt').length).toBeLessThanOrEqual(FAST_SMTP.connections);
    for (const row of rows) {
      if (row.state === 'sent') expect(copies.get(row.email.toLowerCase())).toBe(1);
      else expect(row.state).toBe('in_doubt');
    }
  });
  test('a digest has the digest layout: each title linked, its date, its summary or first paragraph, "Read more", in order; no reading time, no site button; the footer links to the preferences page', async () => {
    server = await startSmtpServer();
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://news.example.com/unsubscribe' } },
      posts: { 'old.md': '---\ndate: 2026-01-01\n---\n# Old\n\nold\n' },
      subscribers: { 'list.csv': 'email,name,frequency\nday@example.com,Day,daily\n' },
    });
    expect((await herald(nl, ['send'], server, at('2026-03-01T09:00:00Z'))).code).toBe(0);
    // queued in this order, which is not the order of their names
    nl.write('posts/zeta.md', '---\ntitle: Zeta comes first\ndate: 2026-03-01\nsummary: Zeta\'s <summary> & more\n---\n# Heading\n\nNot shown.\n');
    expect((await herald(nl, ['send'], server, at('2026-03-01T10:00:00Z'))).code).toBe(0);
    nl.write('posts/alpha.md', '---\ntitle: Alpha comes second\n---\n![a picture](pic.png)\n\nAlpha opens with [a link](notes/) and *emphasis*.\n\nAlpha\'s second paragraph.\n');
    expect((await herald(nl, ['send'], server, at('2026-03-01T11:00:00Z'))).code).toBe(0);
    nl.write('posts/mid.md', `---\ntitle: Mid comes third\ndate: 2026-03-01\n---\n${'word '.repeat(150)}\n`);
    expect((await herald(nl, ['send'], server, at('2026-03-01T12:00:00Z'))).code).toBe(0);
    expect(server.messages).toHaveLength(0);
    expect((await herald(nl, ['send'], server, at('2026-03-02T09:00:00Z'))).code).toBe(0);

    expect(server.messages).toHaveLength(1);
    const mail = server.messages[0]!.parsed;
    expect(mail.subject).toBe('Test Letter: 3 new posts');
    const html = String(mail.html);
    const titles = [...html.matchAll(/<h2><a href="([^"]+)"[^>]*>([^<]+)<\/a><\/h2>/g)].map((m) => [m[1], m[2]]);
    expect(titles).toEqual([
      ['https://blog.example.com/zeta/', 'Zeta comes first'],
      ['https://blog.example.com/alpha/', 'Alpha comes second'],
      ['https://blog.example.com/mid/', 'Mid comes third'],
    ]);
    const more = [...html.matchAll(/<a href="([^"]+)"[^>]*>Read more<\/a>/g)].map((m) => m[1]);
    expect(more).toEqual(['https://blog.example.com/zeta/', 'https://blog.example.com/alpha/', 'https://blog.example.com/mid/']);
    expect(html.match(/<small>1 March 2026<\/small>/g)).toHaveLength(2);
    expect(html).toContain("Zeta's &lt;summary&gt; &amp; more");
    expect(html).not.toContain('Not shown.');
    // the first paragraph keeps its markdown, its relative link resolved against the post's own page
    expect(html).toMatch(/Alpha opens with <a href="https:\/\/blog\.example\.com\/alpha\/notes\/"[^>]*>a link<\/a> and <em>emphasis<\/em>\./);
    expect(html).not.toContain('second paragraph');
    expect(html).not.toContain('pic.png');
    expect(html).toMatch(/(word ){50,}[^<]*…/);
    expect(html).not.toContain('min read');
    expect(html).not.toContain('Read it on the website');
    expect(html).not.toContain('Read on the website');
    expect(html).toMatch(/<a href="https:\/\/news\.example\.com\/unsubscribe\?token=[^"]+"[^>]*>Unsubscribe<\/a>/);
    expect(html).toMatch(/<a href="https:\/\/news\.example\.com\/preferences\?token=[^"]+"[^>]*>Manage your subscription<\/a>/);
    expect(html).toContain('prefers-color-scheme: dark');

    const text = String(mail.text);
    expect(text.indexOf('Zeta comes first')).toBeGreaterThan(0);
    expect(text.indexOf('Zeta comes first')).toBeLessThan(text.indexOf('Alpha comes second'));
    expect(text.indexOf('Alpha comes second')).toBeLessThan(text.indexOf('Mid comes third'));
    expect(text).toContain('https://blog.example.com/alpha/');
    expect(text).not.toContain('min read');
    expect(text).not.toContain('Read it on the website');
    expect(text).toMatch(/Manage your subscription: https:\/\/news\.example\.com\/preferences\?token=\S+/);
  });
});
