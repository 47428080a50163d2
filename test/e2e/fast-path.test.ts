/**
 * HERALD_FAST_PATH=0 turns off everything in src/fast/ (code cache, deferred loading, the SMTP
 * connection that takes encoded data, the periodic collection). The same newsletter sent with and
 * without it must put the same bytes on the wire.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald } from './helpers';

const SEED = fs.readFileSync(path.join(__dirname, '../fixtures/seed-post.md'));

const POSTS: Record<string, string | Buffer> = {
  'seed.md': SEED,
  // lines that start with a dot (stuffed in DATA), a bare CR, non-ASCII, a long line
  'dots.md': `---\ntitle: "Dots … and more"\n---\n.leading dot\n\n..two dots\n\n\`\`\`\n.in code\n.\n\`\`\`\n\nÜnïcødé ${'long '.repeat(200)}\r\n`,
  'plain.md': '# Plain\n\nHello {{ name }}.\n',
};

const SUBSCRIBERS = 'email,name\nada@example.com,Ada Lovelace\nalan@example.org,Alan Turing\ngrace@example.net,"Hopper, Grace"\nzoë@exämple.com,Zoë\n';

/** The message as it arrived, with what differs between any two runs made equal: the Date, and the MIME boundary (random per post and run). */
function comparable(raw: Buffer): string {
  return raw.toString('latin1').replace(/^Date: .*\r\n/im, 'Date: (run)\r\n').replace(/--_herald-[0-9a-f]+/g, '--_herald-(run)');
}

describe('HERALD_FAST_PATH=0 changes nothing a subscriber receives', () => {
  const opened: { server: TestSmtpServer; nl: TempNewsletter; cache: string }[] = [];
  afterAll(async () => {
    for (const { server, nl, cache } of opened) {
      await server.close();
      nl.remove();
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  async function sendOnce(fastPath: string | undefined): Promise<{ byRecipient: Map<string, string>; code: number | null; cached: string[] }> {
    const server = await startSmtpServer();
    const nl = makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' } },
      posts: POSTS,
      subscribers: { 'list.csv': SUBSCRIBERS },
    });
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-fast-cache-'));
    opened.push({ server, nl, cache });
    const res = await herald(nl, ['send', '--include-existing'], server, { HERALD_FAST_PATH: fastPath, HERALD_CODE_CACHE: cache });
    const byRecipient = new Map<string, string>();
    for (const m of server.messages) {
      const key = `${m.envelopeTo.join(',')} ${m.parsed.subject}`;
      expect(byRecipient.has(key)).toBe(false);
      byRecipient.set(key, comparable(m.raw));
    }
    return { byRecipient, code: res.code, cached: fs.readdirSync(cache) };
  }

  test('the same newsletter sent with and without the fast path arrives byte for byte the same', async () => {
    const fast = await sendOnce(undefined);
    const plain = await sendOnce('0');
    expect([fast.code, plain.code]).toEqual([0, 0]);
    expect(fast.byRecipient.size).toBe(4 * Object.keys(POSTS).length);
    expect([...plain.byRecipient.keys()].sort()).toEqual([...fast.byRecipient.keys()].sort());
    for (const [key, bytes] of fast.byRecipient) expect({ key, bytes: plain.byRecipient.get(key) }).toEqual({ key, bytes });
    // and the switch is really off: the code cache, for one, was not written
    expect(fast.cached.length).toBeGreaterThan(0);
    expect(plain.cached).toEqual([]);
  });
});
