import { confirmToken } from '../../src/serve/confirm-token';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, SECRET, herald, heraldEnv, recordRows, until } from './helpers';
import { type Serving, startServe } from '../support/serve-process';

const WELCOME = '---\ntitle: Welcome aboard\n---\nGlad you are here. Here is what to expect.\n';

describe('the welcome post: each new subscriber gets it once, recorded like any delivery', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;
  let serving: Serving | undefined;

  afterEach(async () => {
    await serving?.stop();
    serving = undefined;
    await server?.close();
    nl?.remove();
  });

  async function setUp(config: Record<string, unknown> = {}): Promise<void> {
    server = await startSmtpServer();
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://news.example.com/unsubscribe' }, ...config },
      posts: { 'old.md': '# Old\n\nFrom before.\n' },
      subscribers: { 'list.csv': 'email,name\nann@example.com,Ann\nbo@example.com,Bo\n' },
    });
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    nl.write('posts/welcome.md', WELCOME);
  }

  const subjectsTo = (address: string): string[] => server.messages.filter((m) => m.envelopeTo.includes(address)).map((m) => m.parsed.subject ?? '');

  test('subscribers add --welcome sends it once; the list never gets it; a second add sends nothing', async () => {
    await setUp();
    const idle = await herald(nl, ['send'], server);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toContain('nothing to send');
    expect(server.messages).toHaveLength(0);
    const status = await herald(nl, ['status']);
    expect(status.stdout).toMatch(/welcome \(each new subscriber once\)\s+welcome — Welcome aboard/);

    const added = await herald(nl, ['subscribers', 'add', 'cy@example.com', '--name', 'Cy', '--welcome'], server);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('"Welcome aboard": sent 1');
    expect(subjectsTo('cy@example.com')).toEqual(['Welcome aboard']);
    const message = server.messages[0]!;
    expect(message.parsed.text).toContain('Glad you are here');
    expect(message.raw.toString('utf8')).toMatch(/^List-Unsubscribe:\s+<https:\/\/news\.example\.com\/unsubscribe\?token=/m);

    const again = await herald(nl, ['subscribers', 'add', 'cy@example.com', '--welcome'], server);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('was welcomed before');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(1);
    expect((await recordRows(nl, 'welcome')).map((r) => [r.email, r.state])).toEqual([['cy@example.com', 'sent']]);

    // a new post goes to the list as usual, Cy included, and the welcome is not part of it
    nl.write('posts/next.md', '# Next\n\nNews.\n');
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages.map((m) => m.parsed.subject).sort()).toEqual(['Next', 'Next', 'Next', 'Welcome aboard']);
  });

  test('a welcome that could not go out at once is delivered by the next send', async () => {
    await setUp();
    const added = await herald(nl, ['subscribers', 'add', 'cy@example.com', '--welcome'], undefined, { HERALD_SMTP_URL: 'smtp://127.0.0.1:1' });
    expect(added.code).not.toBe(0);
    expect(server.messages).toHaveLength(0);
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(subjectsTo('cy@example.com')).toEqual(['Welcome aboard']);
    expect((await herald(nl, ['send'], server)).code).toBe(0);
    expect(server.messages).toHaveLength(1);
  });

  test('a configured welcome post; "welcome": false sends none', async () => {
    await setUp({ welcome: 'posts/hello/new-reader.md' });
    nl.write('posts/hello/new-reader.md', '# Hello, new reader\n\nHi.\n');
    expect((await herald(nl, ['subscribers', 'add', 'cy@example.com', '--welcome'], server)).code).toBe(0);
    expect(subjectsTo('cy@example.com')).toEqual(['Hello, new reader']);
    nl.write('herald.config.json', JSON.stringify({ name: 'Test Letter', siteUrl: 'https://blog.example.com/', from: 'Test Letter <news@example.com>', welcome: false }));
    const none = await herald(nl, ['subscribers', 'add', 'di@example.com', '--welcome'], server);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no welcome sent: no welcome post is set');
  });

  test('confirming through herald serve sends the welcome once, even when the button is pressed twice', async () => {
    await setUp({ serve: { subscribeForm: true } });
    serving = await startServe(nl, heraldEnv(server, { HERALD_PUBLIC_URL: 'https://news.example.com/unsubscribe' }));
    const token = confirmToken({ email: 'New@example.com', name: 'New', at: new Date() }, SECRET);
    const press = (): Promise<Response> => fetch(`${serving!.origin}/subscribe/confirm?token=${token}`, { method: 'POST', body: new URLSearchParams({ confirm: 'yes' }) });
    expect((await press()).status).toBe(200);
    await until(() => server.messages.length >= 1, 'the welcome');
    expect((await press()).status).toBe(200);
    // the record says so, once the serve process has settled it
    await until(() => serving!.stdout.includes('"Welcome aboard": sent 1'), 'the welcome to be recorded');
    expect((await recordRows(nl, 'welcome')).map((r) => [r.email, r.state])).toEqual([['New@example.com', 'sent']]);
    expect(await serving.stop()).toBe(0);
    serving = undefined;
    expect(subjectsTo('New@example.com')).toEqual(['Welcome aboard']);
  });
});
