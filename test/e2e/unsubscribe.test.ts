/**
 * The whole loop through the real CLI: `herald send` mails everyone; the links in those emails
 * go to a running `herald serve`; a scanner opening a link changes nothing; a one-click POST
 * unsubscribes; `herald subscribers remove` suppresses; the next `herald send` mails everyone else
 * exactly once and the unsubscribed nobody. Every email carries the postal address and the
 * unsubscribe link in both parts. After a secret rotation the old links still work.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { type Serving, startServe } from '../support/serve-process';
import { startSmtpServer, type ReceivedMessage, type TestSmtpServer } from '../support/smtp-server';
import { makeDkimKey, verifyDkim } from '../serve/helpers';
import { legacyUnsubscribeToken, verifyUnsubscribeToken } from '../../src/unsubscribe/token';
import { FAST_SMTP, SECRET, copiesByRecipient, herald, heraldEnv } from './helpers';

const PUBLIC_URL = 'https://news.example.com/unsubscribe';
const POSTAL = '1 Long Road, Springfield 12345';
const READERS = ['ann@example.com', 'bo@example.com', 'cy@example.com', 'di@example.com', 'ed@example.com', 'fay@example.com'];
const ROTATED = 'the-new-secret-after-rotation-0123456789';
const dkim = makeDkimKey('example.com', 'news');

/** A header as it arrived, unfolded. */
function rawHeader(message: ReceivedMessage, name: string): string {
  const text = message.raw.toString('utf8');
  const lines = text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const line = lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/** The https link from a message's List-Unsubscribe header, pointed at the local server. */
function unsubscribeLink(message: ReceivedMessage, origin: string): string {
  const header = rawHeader(message, 'List-Unsubscribe');
  const https = /<(https:[^>]+)>/.exec(header)?.[1];
  if (!https) throw new Error(`no https List-Unsubscribe in ${header}`);
  const url = new URL(https);
  return `${origin}${url.pathname}${url.search}`;
}

function messageTo(server: TestSmtpServer, address: string, subject: string): ReceivedMessage {
  const found = server.messagesTo(address).filter((m) => m.parsed.subject === subject);
  if (found.length !== 1) throw new Error(`expected one "${subject}" to ${address}, found ${found.length}`);
  return found[0]!;
}

describe('unsubscribe, end to end', () => {
  let smtp: TestSmtpServer;
  let nl: TempNewsletter;
  let serving: Serving | undefined;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    nl = makeNewsletter({
      config: {
        smtp: FAST_SMTP,
        unsubscribe: { url: PUBLIC_URL },
        postalAddress: POSTAL,
        dkim: { domain: 'example.com', selector: 'news', keyFile: 'keys/dkim.pem' },
      },
      posts: { 'first.md': '---\ntitle: The first issue\n---\nHello, readers.\n' },
      subscribers: { 'readers.csv': `email,name\n${READERS.map((r) => `${r},${r.split('@')[0]}`).join('\n')}\n` },
    });
    fs.mkdirSync(path.join(nl.root, 'keys'));
    dkim.writeTo(path.join(nl.root, 'keys'));
  });

  afterEach(async () => {
    if (serving && serving.child.exitCode === null) await serving.stop();
    serving = undefined;
    await smtp.close();
    nl.remove();
  });

  test('one-click unsubscribe and remove are honoured by the next send; everyone else gets exactly one copy', async () => {
    const first = await herald(nl, ['send', '--include-existing'], smtp);
    expect(first.stderr).not.toMatch(/error/);
    expect(first.code).toBe(0);
    expect([...copiesByRecipient(smtp).keys()].sort()).toEqual(READERS);

    serving = await startServe(nl, heraldEnv(undefined));

    // a mail scanner opens Bo's link: a page, nothing else
    const bo = unsubscribeLink(messageTo(smtp, 'bo@example.com', 'The first issue'), serving.origin);
    const page = await fetch(bo);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);

    // Ann's mail client uses RFC 8058 one-click
    const ann = unsubscribeLink(messageTo(smtp, 'ann@example.com', 'The first issue'), serving.origin);
    const res = await fetch(ann, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(nl.read('subscribers/suppressed.csv')).toMatch(/^ann@example\.com,unsubscribed,/m);

    // a tampered link does nothing
    const tampered = ann.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(403);

    // the operator removes Cy
    const removed = await herald(nl, ['subscribers', 'remove', 'cy@example.com', '--note', 'asked by email']);
    expect(removed.code).toBe(0);

    nl.write('posts/second.md', '---\ntitle: The second issue\n---\nHello again.\n');
    const second = await herald(nl, ['send'], smtp);
    expect(second.stderr).not.toMatch(/error/);
    expect(second.code).toBe(0);

    const secondIssue = smtp.messages.filter((m) => m.parsed.subject === 'The second issue');
    const copies = new Map<string, number>();
    for (const m of secondIssue) for (const to of m.envelopeTo) copies.set(to, (copies.get(to) ?? 0) + 1);
    expect([...copies.entries()].sort()).toEqual([['bo@example.com', 1], ['di@example.com', 1], ['ed@example.com', 1], ['fay@example.com', 1]]);
    expect(smtp.messages).toHaveLength(READERS.length + 4);

    expect(await serving.stop()).toBe(0);
    expect(serving.stderr).toMatch(/SIGTERM, stopping/);
    expect(serving.stderr).toMatch(/stopped/);
    // one log line per request, no address in it
    const lines = serving.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/ POST \/unsubscribe 200 unsubscribed a\*\*\*@example\.com /);
    expect(serving.stdout).not.toMatch(/ann@|bo@/);
  });

  test('after a secret rotation, links in mail already sent still work while HERALD_SECRET_PREVIOUS lists the old secret', async () => {
    expect((await herald(nl, ['send', '--include-existing'], smtp)).code).toBe(0);
    const ann = messageTo(smtp, 'ann@example.com', 'The first issue');

    serving = await startServe(nl, heraldEnv(undefined, { HERALD_SECRET: ROTATED }));
    expect((await fetch(unsubscribeLink(ann, serving.origin), { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(403);
    expect(await serving.stop()).toBe(0);

    serving = await startServe(nl, heraldEnv(undefined, { HERALD_SECRET: ROTATED, HERALD_SECRET_PREVIOUS: SECRET }));
    expect((await fetch(unsubscribeLink(ann, serving.origin), { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(200);

    nl.write('posts/second.md', '---\ntitle: The second issue\n---\nHello again.\n');
    expect((await herald(nl, ['send'], smtp, { HERALD_SECRET: ROTATED })).code).toBe(0);
    const second = smtp.messages.filter((m) => m.parsed.subject === 'The second issue').map((m) => m.envelopeTo[0]).sort();
    expect(second).toEqual(READERS.filter((r) => r !== 'ann@example.com'));
    // the new mail's links are signed with the new secret and work too
    const bo = messageTo(smtp, 'bo@example.com', 'The second issue');
    expect((await fetch(unsubscribeLink(bo, serving.origin), { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
  });

  test('a --to test copy to a subscriber carries links, the one-click header\'s included, that unsubscribe nobody', async () => {
    const sent = await herald(nl, ['send', 'first', '--to', 'ann@example.com'], smtp);
    expect(sent.code).toBe(0);
    const copy = messageTo(smtp, 'ann@example.com', '[test] The first issue');
    expect(rawHeader(copy, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    serving = await startServe(nl, heraldEnv(undefined));
    const oneClick = unsubscribeLink(copy, serving.origin);
    const res = await fetch(oneClick, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('nobody was unsubscribed');
    // the visible link in both parts is the same inert link
    const visible = /href="(https:\/\/news\.example\.com\/unsubscribe\?token=[^"]+)"/.exec(copy.parsed.html as string)![1]!.replace(/&amp;/g, '&');
    expect(`${serving.origin}${new URL(visible).pathname}${new URL(visible).search}`).toBe(oneClick);
    expect(copy.parsed.text).toContain(`Unsubscribe: ${visible}`);
    const page = await fetch(oneClick);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('<form method="post"');
    expect(nl.exists('subscribers/suppressed.csv')).toBe(false);
    // and the next real send still reaches Ann
    expect((await herald(nl, ['send', '--include-existing'], smtp)).code).toBe(0);
    expect(smtp.messagesTo('ann@example.com').filter((m) => m.parsed.subject === 'The first issue')).toHaveLength(1);
  });

  test('a link in the earlier form (the address in base64, a dot, the MAC), as mailed before tokens were opaque, still unsubscribes', async () => {
    serving = await startServe(nl, heraldEnv(undefined));
    const link = `${serving.origin}/unsubscribe?token=${legacyUnsubscribeToken('bo@example.com', SECRET)}`;
    const res = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(nl.read('subscribers/suppressed.csv')).toMatch(/^bo@example\.com,unsubscribed,/m);
  });

  test('every email has the postal address and its unsubscribe link in the HTML footer and the plain text', async () => {
    expect((await herald(nl, ['send', '--include-existing'], smtp)).code).toBe(0);
    expect(smtp.messages).toHaveLength(READERS.length);
    for (const m of smtp.messages) {
      const mail: ParsedMail = m.parsed;
      const link = /<(https:[^>]+)>/.exec(rawHeader(m, 'List-Unsubscribe'))![1]!;
      expect(link).toMatch(/^https:\/\/news\.example\.com\/unsubscribe\?token=/);
      expect(rawHeader(m, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      const html = mail.html as string;
      // everything after the post's own text: the footer, whatever its wording
      const footer = html.slice(html.lastIndexOf('Hello, readers.'));
      expect(footer.length).toBeLessThan(html.length);
      expect(footer).toContain(POSTAL);
      expect(footer).toContain(`href="${link.replace(/&/g, '&amp;')}"`);
      expect(footer).toContain(m.envelopeTo[0]);
      const text = mail.text!;
      expect(text).toContain(POSTAL);
      expect(text).toContain(`Unsubscribe: ${link}`);
      // and it is this subscriber's own link, which does not show the address
      const token = new URL(link).searchParams.get('token')!;
      expect(verifyUnsubscribeToken(token, [SECRET])).toBe(m.envelopeTo[0]);
      expect(link).not.toContain(m.envelopeTo[0]!);
      expect(link).not.toContain(encodeURIComponent(m.envelopeTo[0]!));
      expect(link).not.toContain(Buffer.from(m.envelopeTo[0]!).toString('base64url').slice(0, 8));
    }
  });

  test('herald serve refuses to start without what it needs (exit 2), and says why', async () => {
    const noSecret = await herald(nl, ['serve', '--port', '0'], undefined, { HERALD_SECRET: undefined });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/HERALD_SECRET is not set/);
    const badPort = await herald(nl, ['serve', '--port', '70000']);
    // commander's own argument errors exit 1 for every subcommand today (exitOverride is set after they are built in cli.ts)
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toMatch(/port number/);
  });

  test('every email is DKIM-signed for the From domain and verifies on arrival', async () => {
    expect((await herald(nl, ['send', '--include-existing'], smtp)).code).toBe(0);
    for (const m of smtp.messages) {
      const { statuses, result } = await verifyDkim(m.raw, [dkim]);
      expect(statuses).toEqual(['pass']);
      expect(result.results[0]!.status.aligned).toBe('example.com');
    }
  });
});
