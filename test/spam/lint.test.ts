/**
 * lintEmail: each warning on a small message that has exactly that fault, and none on the
 * example post as herald renders it.
 */
import { GMAIL_CLIP_BYTES } from '../../src/render/post';
import { lintEmail, type LintInput } from '../../src/spam/lint';
import { examplePosts, exampleSettings, renderWith } from '../templates/example';

const ADDRESS = 'The Example Dispatch, 1 Example Street, Exampleton EX1 2MP';
const FOOTER = `<p><a href="https://example.com/unsubscribe?t=abc">Unsubscribe</a></p><p>${ADDRESS}</p>`;

function email(body: string, over: Partial<LintInput> = {}): LintInput {
  return {
    html: `<!doctype html><html><head><title>t</title></head><body>${body}${FOOTER}</body></html>`,
    text: 'The plain text.',
    postalAddress: ADDRESS,
    file: 'posts/hello.md',
    ...over,
  };
}

const messages = (input: LintInput): string[] => lintEmail(input).map((p) => p.message);

test('a clean message has no warnings', () => {
  expect(lintEmail(email('<p>Hello <a href="https://example.com/a?b=1&amp;c=2">link</a> <a href="mailto:me@example.com">mail</a> <a href="tel:+441234">call</a></p><img src="https://example.com/a.png" alt="A chart">'))).toEqual([]);
});

test('every example post, rendered with each template, is clean', async () => {
  const settings = exampleSettings();
  for (const post of examplePosts(settings)) {
    for (const template of ['default', 'minimal']) {
      const { filled } = await renderWith(settings, post, template);
      expect([post.file, template, lintEmail({ html: filled.html, text: filled.text, postalAddress: settings.postalAddress, file: post.file })]).toEqual([post.file, template, []]);
    }
  }
});

test('warnings are warnings, with the post file and a hint', () => {
  const problems = lintEmail(email('<img src="https://example.com/a.png">'));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatchObject({ severity: 'warning', code: 'EPOST', location: { file: 'posts/hello.md' }, hint: expect.any(String) });
});

test('HTML over ~102 KB: Gmail clips it', () => {
  const big = `<p>${'x'.repeat(GMAIL_CLIP_BYTES)}</p>`;
  expect(messages(email(big))).toEqual([expect.stringMatching(/^its email HTML is 10[2-4] KB; Gmail clips messages over ~102 KB/)]);
  expect(messages(email(`<p>${'x'.repeat(GMAIL_CLIP_BYTES - 1000)}</p>`))).toEqual([]);
});

test('images without alt text (missing or blank)', () => {
  const found = messages(email('<img src="https://example.com/a.png"><img alt="  " src="https://example.com/b.png"><img src="https://example.com/c.png" alt="C">'));
  expect(found).toEqual(['2 images have no alt text (https://example.com/a.png, https://example.com/b.png); with images off, as many clients start, the reader sees nothing there']);
});

test('images that are not at an absolute address', () => {
  const found = messages(email('<img src="images/a.png" alt="A"><img src=\'//cdn.example.com/b.png\' alt="B"><img src="cid:logo" alt="logo">'));
  expect(found).toEqual([expect.stringMatching(/^2 images are not at an absolute http\(s\) address \(images\/a\.png, \/\/cdn\.example\.com\/b\.png\)/)]);
});

test('links that are not absolute http(s) or mailto', () => {
  const found = messages(email('<a href="/about/">a</a> <a href="next-post/">b</a> <a href="#top">c</a> <a href="javascript:alert(1)">d</a> <a href="">e</a> <a name="anchor">no href</a> <A HREF="HTTPS://EXAMPLE.COM/">ok</A>'));
  expect(found).toEqual([expect.stringMatching(/^5 links are not absolute \(\/about\/, next-post\/, #top, and 2 more\); in an email only http\(s\):\/\/ and mailto: links work$/)]);
});

test('a missing plain-text part', () => {
  expect(messages(email('<p>x</p>', { text: '  \n' }))).toEqual([expect.stringMatching(/^the message has no plain-text part/)]);
});

test('no postal address configured, or configured but not shown', () => {
  expect(messages(email('<p>x</p>', { postalAddress: undefined }))).toEqual([expect.stringMatching(/^there is no postal address in the footer/)]);
  expect(messages(email('<p>x</p>', { postalAddress: ' ' }))).toEqual([expect.stringMatching(/^there is no postal address in the footer/)]);
  expect(messages(email('<p>x</p>', { postalAddress: 'PO Box 7, Elsewhere' }))).toEqual([expect.stringMatching(/^the postal address is not in the email's footer/)]);
});

test('the postal address is found however the HTML escapes or wraps it', () => {
  const address = 'Smith & Sons, 1 "Quoted" Road,\nTown';
  const html = `<html><body><p>Smith &amp; Sons, 1 &quot;Quoted&quot;<br>\n   Road, Town</p><a href="https://x.example/u">Unsubscribe</a></body></html>`;
  expect(lintEmail({ html, text: 'x', postalAddress: address, file: 'f' })).toEqual([]);
  // only visible text counts: an address in an attribute or a comment is not in the footer
  const hidden = `<html><body><p title="Smith &amp; Sons, 1 &quot;Quoted&quot; Road, Town">x</p><!-- Smith & Sons, 1 "Quoted" Road, Town --><a href="https://x.example/u">Unsubscribe</a></body></html>`;
  expect(messages({ html: hidden, text: 'x', postalAddress: address, file: 'f' })).toEqual([expect.stringMatching(/^the postal address is not in the email's footer/)]);
});

test('no unsubscribe link', () => {
  const html = `<html><body><p>x</p><p>${ADDRESS}</p></body></html>`;
  expect(messages({ html, text: 'x', postalAddress: ADDRESS, file: 'f' })).toEqual(['the email has no visible unsubscribe link']);
});

test("Outlook's conditional comments are not read as content", () => {
  expect(lintEmail(email('<!--[if mso]><img src="spacer.gif"><a href="relative">x</a><![endif]--><p>x</p>'))).toEqual([]);
});

describe('links, images and the subject as filters read them', () => {
  const link = (href: string, text = 'read more'): string => `<a href="${href}">${text}</a>`;

  test('a URL shortener is named; a full address is not', () => {
    expect(messages(email(`<p>${link('https://bit.ly/3xYz')} and ${link('http://www.tinyurl.com/abc')}</p>`))).toEqual([
      '2 links go through a URL shortener (https://bit.ly/3xYz, http://www.tinyurl.com/abc); spam filters distrust them because they hide where a link leads',
    ]);
    expect(messages(email(`<p>${link('https://bitly.example.org/3xYz')} ${link('https://example.com/t.co')}</p>`))).toEqual([]);
  });

  test('an IP-literal link or image is named; a domain name is not', () => {
    const found = messages(email(`<p>${link('http://192.0.2.10/login')}</p><img src="https://[2001:db8::1]/a.png" alt="A">`));
    expect(found).toEqual([expect.stringMatching(/^2 links or images point at an IP address instead of a domain name \(http:\/\/192\.0\.2\.10\/login, https:\/\/\[2001:db8::1\]\/a\.png\)/)]);
    expect(messages(email(`<p>${link('https://v192.example.com/1.2.3.4')}</p>`))).toEqual([]);
  });

  test('link text that shows one domain while the link goes to another is named; the same site, a subdomain, or words are fine', () => {
    const found = messages(email(`<p>${link('https://login.attacker.example/x', 'www.mybank.com')} ${link('https://evil.example/', 'https://paypal.com/account')}</p>`));
    expect(found).toEqual([expect.stringMatching(/^2 links show one address but go to another \("www\.mybank\.com" → login\.attacker\.example, "https:\/\/paypal\.com\/account" → evil\.example\)/)]);
    expect(messages(email(`<p>${link('https://www.example.com/a?utm=1', 'example.com/a')} ${link('https://news.example.com/', 'example.com')} ${link('https://evil.example/', 'Read the paypal.com story')}</p>`))).toEqual([]);
  });

  test('more than 30 links is named; 30 are not', () => {
    // the footer carries one link already
    const many = (n: number): string => `<p>${Array.from({ length: n }, (_, i) => link(`https://example.com/${i}`, `item ${i}`)).join(' ')}</p>`;
    expect(messages(email(many(30)))).toEqual([expect.stringMatching(/^the email has 31 links; with more than 30, filters start to treat it as a link list/)]);
    expect(messages(email(many(29)))).toEqual([]);
  });

  test('an image-only post is named; a post that says in words what its images show is not', () => {
    const img = '<img src="https://example.com/a.png" alt="A">';
    expect(messages(email(img, { markdown: '![A sale](https://example.com/a.png)\n\n![B](b.png)\n\nBuy [now](https://example.com)!\n' }))).toEqual([
      'the post is mostly images (2 images, 2 words of text); filters score image-only mail as spam, and with images off the reader sees almost nothing',
    ]);
    const words = 'This week we went to the coast and photographed the lighthouse at dawn, when the fog was lifting over the harbour and the boats were going out.';
    expect(messages(email(img, { markdown: `![The lighthouse](a.png)\n\n${words}\n` }))).toEqual([]);
    expect(messages(email('<p>Short.</p>', { markdown: 'Short note without pictures.' }))).toEqual([]);
  });

  test('a subject in capitals is named; acronyms in a normal subject are not', () => {
    expect(messages(email('<p>x</p>', { subject: 'HUGE SAVINGS INSIDE, ACT NOW' }))).toEqual([
      'the subject "HUGE SAVINGS INSIDE, ACT NOW" is in capitals; filters score shouting subjects as spam, and readers skip them',
    ]);
    expect(messages(email('<p>x</p>', { subject: 'NASA and the ESA send a probe to Mars' }))).toEqual([]);
    expect(messages(email('<p>x</p>', { subject: 'OK' }))).toEqual([]);
  });

  test('a subject with more than two emoji is named; one or two are not', () => {
    expect(messages(email('<p>x</p>', { subject: '🔥🔥 Big news 🎉' }))).toEqual(['the subject "🔥🔥 Big news 🎉" has 3 emoji; more than two is a pattern filters score as spam']);
    expect(messages(email('<p>x</p>', { subject: 'Summer notes ☀️' }))).toEqual([]);
    expect(messages(email('<p>x</p>', { subject: 'Été 🎉 à Paris 🗼' }))).toEqual([]);
  });
});
