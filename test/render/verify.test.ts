/**
 * A template MJML tolerates but that loses the post or the unsubscribe link never mails: every
 * compiled email is verified (once per post), and check proves each template with a probe post.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource, type Post } from '../../src/discover/posts';
import { HeraldError } from '../../src/errors';
import { fillMessage, readTemplate, renderPost } from '../../src/render/post';
import type { RecipientValues } from '../../src/render/template';
import { probeTemplate } from '../../src/render/template-probe';
import { unbalancedMjmlTag, verifyEmail } from '../../src/render/verify';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';

const REPO_TEMPLATES = path.resolve(__dirname, '../../templates');
const NOW = new Date(2026, 0, 15);
const ANN: RecipientValues = { name: 'Ann', email: 'ann@example.com', unsubscribe_url: 'https://blog.example.com/unsubscribe?token=ann' };

describe('verifyEmail on compiled HTML', () => {
  const M = { start: 'CSTART', end: 'CEND' };
  const U = ['UNSUB'];
  const page = (body: string, head = ''): string => `<!doctype html><html><head><title>T</title>${head}</head><body><div>${body}</div></body></html>`;
  const LINK = '<a href="UNSUB">Unsubscribe</a>';
  const kinds = (html: string): string[] => verifyEmail(html, M, U).map((f) => f.kind);

  test('content between its markers in the body and a visible unsubscribe link pass', () => {
    expect(kinds(page(`<p>CSTART<p>Post</p>CEND</p><p>${LINK}</p>`))).toEqual([]);
  });

  test('an empty post passes: both markers are there, in order', () => {
    expect(kinds(page(`<div>CSTARTCEND</div>${LINK}`))).toEqual([]);
  });

  test.each([
    ['in a comment', `<!-- CSTART<p>Post</p>CEND -->${LINK}`],
    ['in an Outlook-only conditional comment', `<!--[if mso]>CSTART<p>Post</p>CEND<![endif]-->${LINK}`],
    ['in an attribute', `<div aria-label="CSTART<p>Post</p>CEND">x</div>${LINK}`],
    ['in a display:none element', `<div style="display:none;max-height:0">CSTART<p>Post</p>CEND</div>${LINK}`],
    ['in an element with the hidden attribute', `<div hidden>CSTART<p>Post</p>CEND</div>${LINK}`],
    ['in a <style> block of the body', `<style>CSTART p{} CEND</style>${LINK}`],
    ['with only its start marker', `CSTART<p>Post</p>${LINK}`],
    ['with its end marker before the start', `CEND<p>Post</p>CSTART${LINK}`],
  ])('content %s is reported lost', (_where, body) => {
    expect(kinds(page(body))).toEqual(['content']);
  });

  test('content only in the <head> (e.g. the <title>) is reported lost', () => {
    expect(kinds(page(LINK).replace('<title>T</title>', '<title>CSTART Post CEND</title>'))).toEqual(['content']);
  });

  test('a hidden element ends where it closes, nested elements of its name included', () => {
    expect(kinds(page(`<div style="display: none"><div>pre</div>header</div><div>CSTART<p>Post</p>CEND</div>${LINK}`))).toEqual([]);
  });

  test.each([
    ['an image with alt text', '<a href="UNSUB"><img src="x.png" alt="Unsubscribe"></a>'],
    ['text inside inner elements', '<a href="UNSUB" style="color:#777"><span><b>Leave</b></span></a>'],
    ['whitespace around the href', '<a href=" UNSUB ">Unsubscribe</a>'],
  ])('an unsubscribe link with %s passes', (_what, link) => {
    expect(kinds(page(`CSTART<p>Post</p>CEND${link}`))).toEqual([]);
  });

  test.each([
    ['no text', '<a href="UNSUB"></a>'],
    ['only blanks and zero-width characters', '<a href="UNSUB"> &nbsp;&#8203;\u200b </a>'],
    ['an image without alt text', '<a href="UNSUB"><img src="x.png"></a>'],
    ['the URL as plain text, not a link', '<p>UNSUB</p>'],
    ['the URL in another attribute', '<a href="https://example.com/" title="UNSUB">Leave</a>'],
    ['the URL inside another link\'s href', '<a href="https://example.com/?next=UNSUB">Unsubscribe</a>'],
    ['a hidden link', '<div style="visibility:hidden"><a href="UNSUB">Unsubscribe</a></div>'],
    ['a link in a comment', '<!-- <a href="UNSUB">Unsubscribe</a> -->'],
  ])('an unsubscribe link with %s is reported missing', (_what, link) => {
    expect(kinds(page(`CSTART<p>Post</p>CEND${link}`))).toEqual(['unsubscribe']);
  });

  test('an MJML tag left in the HTML is reported as uncompiled', () => {
    expect(verifyEmail(page(`CSTART<p>Post</p>CEND<mj-text>${LINK}</mj-text>`), M, U)).toEqual([{ kind: 'uncompiled', tag: 'mj-text' }]);
  });
});

describe('unbalancedMjmlTag: where in the template a tag is closed wrongly', () => {
  const lines = (...l: string[]): string => l.join('\n');

  test('a balanced template with comments, self-closing tags and HTML inside <mj-text> has none', () => {
    for (const file of ['default.mjml', 'minimal.mjml']) {
      expect(unbalancedMjmlTag(fs.readFileSync(path.join(REPO_TEMPLATES, file), 'utf8'))).toBeUndefined();
    }
  });

  test('a misspelt closing tag names its line and the tag it should close', () => {
    expect(unbalancedMjmlTag(lines('<mjml><mj-body>', '<mj-text>', '<p>x</p>', '</mj-txt>', '</mj-body></mjml>'))).toEqual({
      line: 4,
      message: '</mj-txt> does not close <mj-text> (line 2)',
    });
  });

  test('an unclosed tag names the line it was opened on', () => {
    expect(unbalancedMjmlTag(lines('<mjml><mj-body><mj-section><mj-column>', '<mj-text>', '<p>x</p>', '</mj-column></mj-section></mj-body></mjml>'))).toEqual({
      line: 2,
      message: '<mj-text> is not closed (</mj-column> on line 4 comes first)',
    });
  });

  test('a tag still open at the end is named', () => {
    expect(unbalancedMjmlTag(lines('<mjml>', '<mj-body>'))?.message).toBe('<mj-body> is never closed');
  });

  test('a tag inside a comment does not count', () => {
    expect(unbalancedMjmlTag(lines('<mjml><mj-body>', '<!-- <mj-text> -->', '</mj-body></mjml>'))).toBeUndefined();
  });
});

describe('renderPost refuses a template that loses the post or the unsubscribe link', () => {
  let nl: TempNewsletter;
  let settings: Settings;

  const DEFAULT = fs.readFileSync(path.join(REPO_TEMPLATES, 'default.mjml'), 'utf8');
  const POST_TEXT = '<mj-text css-class="pad post">\n          {{{ content }}}\n        </mj-text>';
  /** A custom template, one element per line so the tests can name lines. */
  const custom = (post: string, footer = '<mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>'): string =>
    ['<mjml>', '  <mj-body>', '    <mj-section>', '      <mj-column>', `        ${post}`, `        ${footer}`, '      </mj-column>', '    </mj-section>', '  </mj-body>', '</mjml>', ''].join('\n');

  beforeEach(() => {
    nl = makeNewsletter({ config: { unsubscribe: { url: 'https://blog.example.com/unsubscribe' } } });
    fs.mkdirSync(path.join(nl.root, 'posts'));
    settings = loadSettings(nl.root, { HERALD_SECRET: 'test-secret-test-secret' });
  });
  afterEach(() => nl.remove());

  const post = (text: string, template?: string): Post => ({ ...postFromSource(text, 'hello.md'), ...(template ? { template } : {}) });
  const HELLO = '---\ntitle: Hello\n---\nThe distinctive first paragraph.\n';

  async function refusal(template: string, source: string, text = HELLO): Promise<HeraldError> {
    nl.write(`templates/${template}.mjml`, source);
    const err = await renderPost(post(text, template), settings, NOW).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe('ETEMPLATE');
    expect((err as HeraldError).location?.file).toBe(`templates/${template}.mjml`);
    expect((err as HeraldError).message).toContain('posts/hello.md');
    return err as HeraldError;
  }

  test('the default template with </mj-txt> for </mj-text> around the content is refused, naming the line', async () => {
    const source = DEFAULT.replace(POST_TEXT, POST_TEXT.replace('</mj-text>', '</mj-txt>'));
    expect(source).not.toBe(DEFAULT);
    const err = await refusal('default', source);
    expect(err.message).toContain('without its content');
    expect(err.message).toMatch(/<\/mj-txt> does not close <mj-text>/);
    expect(err.location?.line).toBe(source.split('\n').findIndex((l) => l.includes('</mj-txt>')) + 1);
    expect(err.hint).toContain('posts/hello.md is not sent');
  });

  test('the default template with the content\'s <mj-text> left unclosed is refused, naming the line it opens on', async () => {
    const source = DEFAULT.replace(POST_TEXT, POST_TEXT.replace('</mj-text>', ''));
    const err = await refusal('default', source);
    expect(err.message).toContain('without its content');
    expect(err.message).toContain('<mj-text> is not closed');
    expect(err.location?.line).toBe(source.split('\n').findIndex((l) => l.includes('css-class="pad post"')) + 1);
  });

  test('the default template with the footer\'s </mj-raw> misspelt is refused: no unsubscribe link', async () => {
    const at = DEFAULT.lastIndexOf('</mj-raw>');
    const err = await refusal('default', DEFAULT.slice(0, at) + '</mj-rw>' + DEFAULT.slice(at + '</mj-raw>'.length));
    expect(err.message).toContain('without a visible unsubscribe link');
  });

  test('a custom template with an unclosed <mj-text> that swallows the footer is refused', async () => {
    const err = await refusal('mine', custom('<mj-text>{{{ content }}}'));
    expect(err.message).toMatch(/MJML left <mj-text> uncompiled|without/);
    expect(err.location?.line).toBe(5);
  });

  test('a template without {{{ content }}} is refused', async () => {
    const err = await refusal('mine', custom('<mj-text>{{ title }}</mj-text>'));
    expect(err.message).toContain('without its content');
    expect(err.message).toContain('the template has no {{{ content }}}');
    expect(err.hint).toContain('{{{ content }}}');
  });

  test('a template without the unsubscribe link is refused', async () => {
    const err = await refusal('mine', custom('<mj-text>{{{ content }}}</mj-text>', '<mj-text>Thanks for reading.</mj-text>'));
    expect(err.message).toContain('without a visible unsubscribe link');
    expect(err.message).toContain('the template has no {{ unsubscribe_url }}');
    expect(err.hint).toContain('<a href="{{ unsubscribe_url }}">Unsubscribe</a>');
  });

  test('a template that shows the unsubscribe URL only as text is refused, naming its line', async () => {
    const err = await refusal('mine', custom('<mj-text>{{{ content }}}</mj-text>', '<mj-text>Leave: {{ unsubscribe_url }}</mj-text>'));
    expect(err.message).toContain('without a visible unsubscribe link');
    expect(err.location?.line).toBe(6);
  });

  test('content inside a section the post leaves out is refused for that post only', async () => {
    const source = custom('{{#summary}}<mj-text>{{{ content }}}</mj-text>{{/summary}}');
    const err = await refusal('mine', source);
    expect(err.message).toContain('without its content');
    expect(err.message).toContain('{{{ content }}} on line 5');
    const withSummary = await renderPost(post('---\ntitle: S\nsummary: Here\n---\nBody.\n', 'mine'), settings, NOW);
    expect(fillMessage(withSummary, ANN).html).toContain('Body.');
  });

  test('content inside a hidden element is refused', async () => {
    const err = await refusal('mine', custom('<mj-raw><div style="display:none">{{{ content }}}</div></mj-raw>'));
    expect(err.message).toContain('without its content');
  });

  test('content in <mj-preview> only (hidden) is refused', async () => {
    const source = custom('<mj-text>{{ title }}</mj-text>').replace('<mj-body>', '<mj-head><mj-preview>{{{ content }}}</mj-preview></mj-head>\n  <mj-body>');
    const err = await refusal('mine', source);
    expect(err.message).toContain('without its content');
  });

  test('an unknown MJML tag around the content is refused (MJML drops it)', async () => {
    nl.write('templates/mine.mjml', custom('<mj-txt>{{{ content }}}</mj-txt>'));
    const err = (await renderPost(post(HELLO, 'mine'), settings, NOW).catch((e: unknown) => e)) as HeraldError;
    expect(err).toMatchObject({ code: 'ETEMPLATE', location: { file: 'templates/mine.mjml', line: 5 } });
    expect(err.hint).toContain('posts/hello.md');
  });

  test.each([
    ['default', 'a paragraph', HELLO],
    ['default', 'only an image', '---\ntitle: Picture\n---\n![A chart](https://blog.example.com/chart.png)\n'],
    ['default', 'nothing that survives sanitising', '---\ntitle: Nearly empty\n---\n<!-- only a comment -->\n'],
    ['minimal', 'a paragraph', HELLO],
    ['minimal', 'only an image', '---\ntitle: Picture\n---\n![A chart](https://blog.example.com/chart.png)\n'],
  ])('the %s template with a post of %s renders, without herald\'s markers', async (template, _what, text) => {
    if (template === 'minimal') nl.write('templates/minimal.mjml', fs.readFileSync(path.join(REPO_TEMPLATES, 'minimal.mjml'), 'utf8'));
    const filled = fillMessage(await renderPost(post(text, template), settings, NOW), ANN);
    expect(filled.html).not.toContain('HERALDCONTENT');
    expect(filled.html).toMatch(/<a href="https:\/\/blog\.example\.com\/unsubscribe\?token=ann"[^>]*>Unsubscribe<\/a>/);
    expect(filled.text).toContain('Unsubscribe: https://blog.example.com/unsubscribe?token=ann');
    if (text.includes('chart.png')) {
      expect(filled.html).toMatch(/<img [^>]*src="https:\/\/blog\.example\.com\/chart\.png"/);
      expect(filled.text).toContain('https://blog.example.com/chart.png');
    }
    if (text === HELLO) {
      expect(filled.html).toContain('The distinctive first paragraph.');
      expect(filled.text).toContain('The distinctive first paragraph.');
    }
  });

  test('without an unsubscribe URL the mailto link is the unsubscribe link, and it passes', async () => {
    nl.write('herald.config.json', JSON.stringify({ name: 'Test Letter', siteUrl: 'https://blog.example.com/', from: 'Test Letter <news@example.com>' }));
    settings = loadSettings(nl.root, {});
    const rendered = await renderPost(post(HELLO), settings, NOW);
    const filled = fillMessage(rendered, { ...ANN, unsubscribe_url: 'mailto:news@example.com?subject=unsubscribe%20x' });
    expect(filled.html).toMatch(/<a href="mailto:news@example\.com\?subject=unsubscribe%20x"[^>]*>Unsubscribe<\/a>/);
  });
});

describe('probeTemplate: what herald check reports for each template', () => {
  let nl: TempNewsletter;
  let settings: Settings;
  beforeEach(() => {
    nl = makeNewsletter();
    settings = loadSettings(nl.root, {});
  });
  afterEach(() => nl.remove());

  const probe = (name: string, source: string): ReturnType<typeof probeTemplate> => {
    nl.write(`templates/${name}.mjml`, source);
    return probeTemplate(readTemplate(settings, name), settings);
  };
  const wrap = (inner: string): string => `<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n${inner}\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>\n`;
  const LINK = '<mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>';

  test('the repository\'s templates pass', async () => {
    for (const name of ['default', 'minimal']) {
      expect(await probe(name, fs.readFileSync(path.join(REPO_TEMPLATES, `${name}.mjml`), 'utf8'))).toEqual([]);
    }
  });

  test('a misspelt closing tag is an ETEMPLATE error naming the file and line', async () => {
    const problems = await probe('broken', wrap(`<mj-text>\n{{{ content }}}\n</mj-txt>\n${LINK}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'ETEMPLATE', severity: 'error', location: { file: 'templates/broken.mjml', line: 7 } });
    expect(problems[0]!.message).toMatch(/^a post would be mailed with part of the template missing: <\/mj-txt> does not close <mj-text> \(line 5\)/);
  });

  test('content only in a section for posts with a summary is reported for posts without one', async () => {
    const problems = await probe('sectioned', wrap(`{{#summary}}<mj-text>{{{ content }}}</mj-text>{{/summary}}\n${LINK}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/^a post without a summary, date, postal address or logo would be mailed without its content/);
  });

  test('an unsubscribe link only for posts without a postal address is reported', async () => {
    const problems = await probe('sectioned', wrap(`<mj-text>{{{ content }}}</mj-text>\n{{^postal_address}}${LINK}{{/postal_address}}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('without a visible unsubscribe link');
  });

  test('MJML\'s own problems are reported as before, with their lines', async () => {
    const problems = await probe('unknown', wrap(`<mj-foo>x</mj-foo>\n<mj-text>{{{ content }}}</mj-text>\n${LINK}`));
    expect(problems[0]).toMatchObject({ code: 'ETEMPLATE', location: { file: 'templates/unknown.mjml', line: 5 } });
    expect(problems[0]!.message).toContain('mj-foo');
  });
});
