/**
 * A template typo MJML tolerates must never mail an email without the post or without a way to
 * leave: through the built CLI and a real SMTP server, the broken template's post stays unsent
 * (and unrecorded) while the others go, every command names the template, and the post goes out
 * once the template is fixed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { FAST_SMTP, herald, recordRows } from './helpers';

const DEFAULT = fs.readFileSync(path.resolve(__dirname, '../../templates/default.mjml'), 'utf8');
const POST_TEXT = '<mj-text css-class="pad post">\n          {{{ content }}}\n        </mj-text>';
/** The default template with the typo of the report: </mj-txt> for the </mj-text> around the post. */
const MISCLOSED = DEFAULT.replace(POST_TEXT, POST_TEXT.replace('</mj-text>', '</mj-txt>'));
const MISCLOSED_LINE = MISCLOSED.split('\n').findIndex((l) => l.includes('</mj-txt>')) + 1;

const GOOD_POST = '---\ntitle: The good post\n---\nGood post body, with its own words.\n';
const BROKEN_POST = '---\ntitle: The broken post\ntemplate: letter\n---\nBroken post body, which must arrive whole.\n';

describe('a template that loses the post or the unsubscribe link', () => {
  let server: TestSmtpServer;
  let nl: TempNewsletter;
  afterEach(async () => {
    await server?.close();
    nl?.remove();
  });

  function newsletter(): TempNewsletter {
    return makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://blog.example.com/unsubscribe' } },
      templates: { 'letter.mjml': MISCLOSED },
      subscribers: { 'list.csv': 'email,name\nada@example.com,Ada\nalan@example.org,Alan\n' },
    });
  }

  test('send: the good post arrives, nothing of the broken one; the template is named, exit 1; once fixed, the broken post goes out and the good one is not resent', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    expect((await herald(nl, ['send'], server)).code).toBe(0); // the first run: an empty baseline
    nl.write('posts/good.md', GOOD_POST);
    nl.write('posts/broken.md', BROKEN_POST);

    const res = await herald(nl, ['send'], server);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`error: templates/letter.mjml:${MISCLOSED_LINE}: posts/broken.md would be mailed without its content`);
    expect(res.stderr).toContain('</mj-txt> does not close <mj-text>');
    expect(server.messages.map((m) => m.parsed.subject)).toEqual(['The good post', 'The good post']);
    for (const m of server.messages) {
      expect(m.parsed.html).toContain('Good post body, with its own words.');
      expect(m.parsed.html).toMatch(/<a href="https:\/\/blog\.example\.com\/unsubscribe\?token=[^"]+"[^>]*>Unsubscribe<\/a>/);
      expect(m.parsed.text).toContain('Good post body, with its own words.');
      expect(m.parsed.text).toMatch(/Unsubscribe: https:\/\/blog\.example\.com\/unsubscribe\?token=\S+/);
    }
    expect((await recordRows(nl)).map((r) => `${r.postId} ${r.state}`).sort()).toEqual(['good sent', 'good sent']);

    nl.write('templates/letter.mjml', DEFAULT);
    const fixed = await herald(nl, ['send'], server);
    expect(fixed.stderr).not.toMatch(/error/);
    expect(fixed.code).toBe(0);
    expect(server.messages.map((m) => m.parsed.subject)).toEqual(['The good post', 'The good post', 'The broken post', 'The broken post']);
    for (const m of server.messages.slice(2)) {
      expect(m.parsed.html).toContain('Broken post body, which must arrive whole.');
      expect(m.parsed.text).toContain('Broken post body, which must arrive whole.');
    }
    expect((await recordRows(nl)).map((r) => `${r.postId} ${r.state}`).sort()).toEqual(['broken sent', 'broken sent', 'good sent', 'good sent']);
  });

  test('send --dry-run reports the template and previews only the good post, exit 1', async () => {
    nl = newsletter();
    nl.write('posts/good.md', GOOD_POST);
    nl.write('posts/broken.md', BROKEN_POST);
    const res = await herald(nl, ['send', '--dry-run', '--include-existing']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`templates/letter.mjml:${MISCLOSED_LINE}: posts/broken.md would be mailed without its content`);
    expect(res.stdout).toContain('would send "The good post"');
    expect(res.stdout).not.toContain('would send "The broken post"');
    expect(nl.exists('.herald/preview/good/email.html')).toBe(true);
    expect(nl.exists('.herald/preview/broken')).toBe(false);
  });

  test('when the broken post is the only one, send and its dry run say nothing was mailed, not that there was nothing new', async () => {
    server = await startSmtpServer();
    nl = newsletter();
    nl.write('posts/broken.md', BROKEN_POST);
    const dry = await herald(nl, ['send', '--dry-run', '--include-existing']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('nothing would be mailed (see the problems above).');
    const res = await herald(nl, ['send', '--include-existing'], server);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('nothing was sent (see the problems above).');
    expect(server.messages).toHaveLength(0);
  });

  test('preview reports the template, exit 1', async () => {
    nl = newsletter();
    nl.write('posts/broken.md', BROKEN_POST);
    const res = await herald(nl, ['preview', 'broken']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`templates/letter.mjml:${MISCLOSED_LINE}: posts/broken.md would be mailed without its content`);
  });

  test('check fails naming the template and its line, once, even with no post using it yet', async () => {
    nl = newsletter();
    nl.write('posts/good.md', GOOD_POST);
    const unused = await herald(nl, ['check', '--no-smtp']);
    expect(unused.code).toBe(1);
    expect(unused.stderr).toContain(`error: templates/letter.mjml:${MISCLOSED_LINE}: a post would be mailed without its content`);
    expect(unused.stdout).toContain('check found problems');

    nl.write('posts/broken.md', BROKEN_POST);
    const used = await herald(nl, ['check', '--no-smtp']);
    expect(used.code).toBe(1);
    expect(used.stderr.match(/templates\/letter\.mjml/g)).toHaveLength(1);
  });

  test('check fails when a template has no unsubscribe link, and passes once it has one', async () => {
    nl = newsletter();
    nl.write('templates/letter.mjml', DEFAULT.replace(/<a href="\{\{ unsubscribe_url \}\}"[^>]*>Unsubscribe<\/a> at any time\./, ''));
    const res = await herald(nl, ['check', '--no-smtp']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error: templates\/letter\.mjml: a post would be mailed without a visible unsubscribe link: the template has no \{\{ unsubscribe_url \}\}/);
    nl.write('templates/letter.mjml', DEFAULT);
    expect((await herald(nl, ['check', '--no-smtp'])).code).toBe(0);
  });
});
