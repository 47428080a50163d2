import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, copiesByRecipient, herald } from './helpers';

const LIST = 'email,name,tags\nrusty@example.com,Rusty,rust;cargo\ngopher@example.com,Gopher,go\nboth@example.com,Both,Rust|Go\nall@example.com,Anyone,\n';
const TOPICS = { rust: { label: 'Rust', match: ['cargo'] }, go: { label: 'Go', match: ['golang'] } };

describe('topics, end to end: a post goes to the subscribers whose topics match', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;

  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  function newsletter(config: Record<string, unknown> = {}): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' }, topics: TOPICS, ...config },
      posts: { 'old.md': '# Old\n\nFrom before.\n' },
      subscribers: { 'list.csv': LIST },
    });
  }

  async function firstRun(): Promise<void> {
    expect((await herald(nl, ['send'], server)).code).toBe(0);
  }

  test('tagged posts reach their topics and the readers who chose none; an untagged post reaches everyone', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await firstRun();
    nl.write('posts/cargo.md', '---\ntitle: Cargo tips\ntags: [cargo]\ndate: 2026-01-01\n---\nBuild faster.\n');
    nl.write('posts/golang.md', '---\ntitle: Go news\ncategories: golang\ndate: 2026-01-02\n---\nGoroutines.\n');
    nl.write('posts/hello.md', '---\ntitle: Hello all\ntags: [misc]\ndate: 2026-01-03\n---\nFor everyone.\n');
    const dry = await herald(nl, ['send', '--dry-run'], server);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would send "Cargo tips" \(posts\/cargo.md\) to 3 subscribers\n {2}by topic: Rust 2, no topic chosen 1/);
    expect(dry.stdout).toMatch(/"Go news".* to 3 subscribers\n {2}by topic: Go 2, no topic chosen 1/);
    expect(dry.stdout).toMatch(/"Hello all".* to 4 subscribers\n {2}preview/);
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(0);
    const to = (subject: string): string[] => server.messages.filter((m) => m.parsed.subject === subject).flatMap((m) => m.envelopeTo).sort();
    expect(to('Cargo tips')).toEqual(['all@example.com', 'both@example.com', 'rusty@example.com']);
    expect(to('Go news')).toEqual(['all@example.com', 'both@example.com', 'gopher@example.com']);
    expect(to('Hello all')).toHaveLength(4);
  });

  test('noTopics: nothing keeps topical posts from readers without topics; audience overrides the tags', async () => {
    server = await startSmtpServer();
    nl = newsletter({ noTopics: 'nothing' });
    await firstRun();
    nl.write('posts/rust.md', '---\ntitle: Rust only\ntags: rust\n---\nBorrowing.\n');
    nl.write('posts/news.md', '---\ntitle: Big news\ntags: rust\naudience: all\n---\nFor all.\n');
    nl.write('posts/go.md', '---\ntitle: Go by audience\naudience: [Go]\n---\nChannels.\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    const to = (subject: string): string[] => server.messages.filter((m) => m.parsed.subject === subject).flatMap((m) => m.envelopeTo).sort();
    expect(to('Rust only')).toEqual(['both@example.com', 'rusty@example.com']);
    expect(to('Big news')).toHaveLength(4);
    expect(to('Go by audience')).toEqual(['both@example.com', 'gopher@example.com']);
  });

  test('an audience naming an unknown topic is not sent, says which file, and the run exits non-zero', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    await firstRun();
    nl.write('posts/py.md', '---\ntitle: Python\naudience: python\n---\nSnakes.\n');
    nl.write('posts/ok.md', '---\ntitle: Fine\n---\nText.\n');
    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/posts\/py\.md.*"python".*not a topic/);
    expect(server.messages.every((m) => m.parsed.subject === 'Fine')).toBe(true);
    expect(copiesByRecipient(server).size).toBe(4);
  });

  test('without a topics setting a tags column changes nothing: everyone gets every post', async () => {
    server = await startSmtpServer();
    nl = newsletter({ topics: undefined });
    await firstRun();
    nl.write('posts/cargo.md', '---\ntitle: Cargo tips\ntags: [cargo]\n---\nBuild faster.\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages.flatMap((m) => m.envelopeTo)).toHaveLength(4);
  });
});
