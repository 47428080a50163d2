/**
 * herald's template language and the per-post render: values are escaped, only content is raw,
 * mistakes are reported with the template's line, text from a post is never treated as a
 * placeholder, and MJML is compiled once per post however many subscribers there are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/load';
import { postFromSource, type Post } from '../../src/discover/posts';
import { HeraldError } from '../../src/errors';
import * as mjml from '../../src/render/mjml';
import { fillMessage, GMAIL_CLIP_BYTES, longDate, renderPost, type RenderedPost } from '../../src/render/post';
import { escapeHtml, fill, prepareTemplate, splitSegments, type PostValues, type RecipientValues } from '../../src/render/template';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';

const REPO_TEMPLATES = path.resolve(__dirname, '../../templates');
const NOW = new Date(2026, 0, 15);

// A cast rather than an annotation: the set of post variables grows (e.g. logo_url), and every
// variable a test does not name is simply empty.
const VALUES = {
  title: 'A title',
  summary: 'A summary',
  date: '13 May 2024',
  date_iso: '2024-05-13',
  reading_time: '1 min read',
  url: 'https://blog.example.com/a/',
  newsletter_name: 'Test Letter',
  site_url: 'https://blog.example.com/',
  postal_address: '',
  logo_url: '',
  year: '2026',
  content: '<p>Content</p>',
} as PostValues;
const ANN: RecipientValues = { name: 'Ann', email: 'ann@example.com', unsubscribe_url: 'https://blog.example.com/unsubscribe?token=ann' };

/** Prepares and fills a template in one go, as renderPost + fillMessage do (without MJML). */
function render(template: string, values: Partial<PostValues> = {}, recipient: RecipientValues = ANN): string {
  const prepared = prepareTemplate(template, 'templates/t.mjml', { ...VALUES, ...values });
  return fill(splitSegments(prepared.source, prepared), recipient);
}

function templateError(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe('ETEMPLATE');
    return err as HeraldError;
  }
  throw new Error('expected an ETEMPLATE error, but nothing was thrown');
}

async function asyncTemplateError(promise: Promise<unknown>): Promise<HeraldError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe('ETEMPLATE');
    return err as HeraldError;
  }
  throw new Error('expected an ETEMPLATE error, but the render succeeded');
}

describe('template language', () => {
  test('{{ var }} inserts the value HTML-escaped', () => {
    expect(render('<h1>{{ title }}</h1>', { title: `<b>"Tom" & 'Jerry'</b>` })).toBe(
      '<h1>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</h1>',
    );
  });

  test('spaces inside the braces are optional', () => {
    expect(render('{{title}}|{{  title  }}')).toBe('A title|A title');
  });

  test('recipient values are escaped too', () => {
    expect(render('Hi {{ name }} <{{ email }}>', {}, { ...ANN, name: '<img src=x onerror=alert(1)>' })).toBe(
      'Hi &lt;img src=x onerror=alert(1)&gt; <ann@example.com>',
    );
  });

  test('{{ name | "there" }} uses the fallback when the subscriber has no name', () => {
    const template = '<p>Hi {{ name | "there" }},</p>';
    expect(render(template, {}, { ...ANN, name: '' })).toBe('<p>Hi there,</p>');
    expect(render(template, {}, ANN)).toBe('<p>Hi Ann,</p>');
  });

  test('a post value may have a fallback too, and the fallback is escaped', () => {
    expect(render('{{ postal_address | "No <address>" }}')).toBe('No &lt;address&gt;');
    expect(render('{{ postal_address | "none" }}', { postal_address: '1 Street' })).toBe('1 Street');
  });

  test('{{{ content }}} inserts the content HTML as is', () => {
    expect(render('<div>{{{ content }}}</div>', { content: '<p>Hello <em>you</em></p>' })).toBe('<div><p>Hello <em>you</em></p></div>');
  });

  test.each(['title', 'summary', 'name', 'unsubscribe_url'])('{{{ %s }}} is refused with ETEMPLATE and its line', (name) => {
    const err = templateError(() => prepareTemplate(`<mjml>\n<p>\n{{{ ${name} }}}\n</p>`, 'templates/t.mjml', VALUES));
    expect(err.location).toEqual({ file: 'templates/t.mjml', line: 3 });
    expect(err.message).toContain(name);
  });

  test('{{ content }} with two braces is refused (it would show HTML as text)', () => {
    const err = templateError(() => prepareTemplate('a\n{{ content }}', 'templates/t.mjml', VALUES));
    expect(err.location?.line).toBe(2);
    expect(err.hint).toMatch(/three braces/);
  });

  test('unbalanced braces are refused', () => {
    const err = templateError(() => prepareTemplate('\n\n{{{ content }}', 'templates/t.mjml', VALUES));
    expect(err.location?.line).toBe(3);
  });

  test('an unknown variable is an ETEMPLATE error with the file, the line and the known names', () => {
    const err = templateError(() => prepareTemplate('<mjml>\n  <mj-body>\n\n    {{ titel }}\n', 'templates/custom.mjml', VALUES));
    expect(err.message).toContain('titel');
    expect(err.location).toEqual({ file: 'templates/custom.mjml', line: 4 });
    expect(err.hint).toContain('title');
  });

  test('{{#summary}}…{{/summary}} is kept only when the post has a summary', () => {
    const template = 'A{{#summary}}[{{ summary }}]{{/summary}}B';
    expect(render(template, { summary: 'Sum' })).toBe('A[Sum]B');
    expect(render(template, { summary: '' })).toBe('AB');
    expect(render(template, { summary: '   ' })).toBe('AB');
  });

  test('{{^summary}}…{{/summary}} is kept only when the post has no summary', () => {
    const template = '{{^summary}}no summary{{/summary}}{{#summary}}has summary{{/summary}}';
    expect(render(template, { summary: '' })).toBe('no summary');
    expect(render(template, { summary: 'S' })).toBe('has summary');
  });

  test('sections may hold recipient values', () => {
    expect(render('{{#postal_address}}{{ name }} at {{ postal_address }}{{/postal_address}}', { postal_address: 'Here' })).toBe('Ann at Here');
  });

  test('a removed section keeps its line breaks, so later errors still name the right line', () => {
    const template = 'line1\n{{#summary}}\nline3\nline4\n{{/summary}}\nline6\n{{ oops }}\n';
    const err = templateError(() => prepareTemplate(template, 'templates/t.mjml', { ...VALUES, summary: '' }));
    expect(err.location?.line).toBe(7);
  });

  test('a section on a recipient value is refused with its line', () => {
    const err = templateError(() => prepareTemplate('a\nb\n{{#name}}x{{/name}}', 'templates/t.mjml', VALUES));
    expect(err.location).toEqual({ file: 'templates/t.mjml', line: 3 });
  });

  test('a section that is never closed is refused with its line', () => {
    const err = templateError(() => prepareTemplate('a\n{{#summary}}\nb', 'templates/t.mjml', VALUES));
    expect(err.location?.line).toBe(2);
    expect(err.message).toMatch(/matching section/);
  });

  test('a value is never scanned again: placeholders inside post values come out literally', () => {
    const values = {
      title: '{{ name }}',
      summary: '{{ unsubscribe_url }}',
      content: '<p>{{ name }} {{ email }} {{ unsubscribe_url }} {{{ content }}} {{#summary}}x{{/summary}} $& $1</p>',
    };
    const out = render('<t>{{ title }}</t><s>{{ summary }}</s>{{{ content }}}<f>{{ name }}</f>', values);
    expect(out).toBe(
      '<t>{{ name }}</t><s>{{ unsubscribe_url }}</s><p>{{ name }} {{ email }} {{ unsubscribe_url }} {{{ content }}} {{#summary}}x{{/summary}} $& $1</p><f>Ann</f>',
    );
  });

  test('a subscriber value is never scanned either', () => {
    expect(render('Hi {{ name }} / {{ email }}', {}, { ...ANN, name: '{{ unsubscribe_url }}' })).toBe('Hi {{ unsubscribe_url }} / ann@example.com');
  });

  test('escapeHtml escapes the five HTML characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('renderPost and fillMessage', () => {
  let nl: TempNewsletter;
  let root: string;
  let settings: Settings;

  beforeEach(() => {
    nl = makeNewsletter({
      config: { postalAddress: '1 Example Street, Exampleton', unsubscribe: { url: 'https://blog.example.com/unsubscribe' } },
    });
    root = nl.root;
    fs.mkdirSync(path.join(root, 'posts'));
    settings = loadSettings(root, { HERALD_SECRET: 'test-secret-test-secret' });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    nl.remove();
  });

  function post(text: string, rel = 'hello.md'): Post {
    return postFromSource(text, rel);
  }

  function writeTemplate(name: string, source: string): void {
    fs.writeFileSync(path.join(root, 'templates', name), source);
  }

  const HELLO = '---\ntitle: Hello & welcome\nsummary: The preheader text\ndate: 2024-05-13\n---\nFirst paragraph.\n\n![Chart](images/chart.png)\n\n[Read more](/more/)\n';

  async function renderHello(): Promise<RenderedPost> {
    return renderPost(post(HELLO), settings, NOW);
  }

  test('the filled HTML has the title, the content, the greeting, the footer and the unsubscribe link', async () => {
    const filled = fillMessage(await renderHello(), ANN);
    expect(filled.html).toMatch(/^<!doctype html>/i);
    expect(filled.html).toContain('Hello &amp; welcome');
    expect(filled.html).toContain('First paragraph.');
    expect(filled.html).toContain('Hi Ann,');
    expect(filled.html).toContain('ann@example.com');
    expect(filled.html).toContain('1 Example Street, Exampleton');
    expect(filled.html).toMatch(/<a href="https:\/\/blog\.example\.com\/unsubscribe\?token=ann"[^>]*>Unsubscribe<\/a>/);
    expect(filled.html).toContain('href="https://blog.example.com/hello/"');
    expect(filled.html).not.toMatch(/HERALD[0-9a-f]{12}X/);
  });

  test('the summary becomes the hidden preheader', async () => {
    const filled = fillMessage(await renderHello(), ANN);
    expect(filled.html).toMatch(/<div style="display:none;[^"]*">The preheader text/);
  });

  test('a post without a summary has no preheader', async () => {
    const filled = fillMessage(await renderPost(post('# No summary\n\nBody.\n'), settings, NOW), ANN);
    expect(filled.html).not.toMatch(/<div style="display:none;[^"]*">/);
  });

  test('relative images and links in the post are absolute in the email, resolved against the post\'s own page', async () => {
    const filled = fillMessage(await renderHello(), ANN);
    expect(filled.html).toContain('src="https://blog.example.com/hello/images/chart.png"');
    expect(filled.html).toContain('href="https://blog.example.com/more/"');
    expect(filled.html).not.toMatch(/src="images\//);
  });

  test('the subject is the title, unescaped', async () => {
    expect(fillMessage(await renderHello(), ANN).subject).toBe('Hello & welcome');
  });

  test('the plain-text part has the title, the content, the post URL and the unsubscribe URL, and no HTML', async () => {
    const { text } = fillMessage(await renderHello(), ANN);
    expect(text).toContain('Hello & welcome');
    expect(text).toContain('First paragraph.');
    expect(text).toContain('https://blog.example.com/hello/images/chart.png');
    expect(text).toContain('Read it on the website: https://blog.example.com/hello/');
    expect(text).toContain('You are receiving this because you subscribed with\nann@example.com.');
    expect(text).toContain('Unsubscribe: https://blog.example.com/unsubscribe?token=ann');
    expect(text).toContain('1 Example Street, Exampleton');
    expect(text).not.toMatch(/<\/?(p|a|div|img)\b/);
  });

  test('{{ name }}, {{ unsubscribe_url }} and {{{ content }}} written in a post reach the reader literally', async () => {
    const text = [
      '---',
      'title: About {{ name }}',
      'summary: Try {{ unsubscribe_url }}',
      '---',
      'Write {{ name }} to greet the reader.',
      '',
      'The link is {{ unsubscribe_url }} and the body is {{{ content }}}.',
      '',
      '`{{ email }}` in code.',
      '',
    ].join('\n');
    const rendered = await renderPost(post(text), settings, NOW);
    const filled = fillMessage(rendered, ANN);
    expect(filled.html).toContain('Write {{ name }} to greet the reader.');
    expect(filled.html).toContain('The link is {{ unsubscribe_url }} and the body is {{{ content }}}.');
    expect(filled.html).toMatch(/<code[^>]*>\{\{ email \}\}<\/code> in code\./);
    expect(filled.html).toContain('About {{ name }}');
    expect(filled.html).toContain('Try {{ unsubscribe_url }}');
    expect(filled.html).toContain('Hi Ann,');
    expect(filled.subject).toBe('About {{ name }}');
    expect(filled.text).toContain('Write {{ name }} to greet the reader.');
    expect(filled.text).toContain('The link is {{ unsubscribe_url }} and the body is {{{ content }}}.');
    // the real values appear only where the template put them
    expect(filled.html.split('https://blog.example.com/unsubscribe?token=ann')).toHaveLength(2);
  });

  test('MJML is compiled once per post, not once per subscriber (1,000 subscribers)', async () => {
    const spy = jest.spyOn(mjml, 'compileMjml');
    const rendered = await renderHello();
    expect(spy).toHaveBeenCalledTimes(1);
    const bodies = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const filled = fillMessage(rendered, {
        name: `Reader ${i}`,
        email: `reader${i}@example.com`,
        unsubscribe_url: `https://blog.example.com/unsubscribe?token=t${i}`,
      });
      expect(filled.html).toContain(`Hi Reader ${i},`);
      expect(filled.text).toContain(`token=t${i}\n`);
      bodies.add(filled.html);
    }
    expect(bodies.size).toBe(1000);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  test('a post may name another template, and it is used', async () => {
    fs.copyFileSync(path.join(REPO_TEMPLATES, 'minimal.mjml'), path.join(root, 'templates', 'minimal.mjml'));
    const rendered = await renderPost(post('---\ntitle: Min\ntemplate: minimal\n---\nBody.\n'), settings, NOW);
    expect(rendered.templateFile).toBe('templates/minimal.mjml');
    expect(fillMessage(rendered, ANN).html).toContain('sent to ann@example.com');
  });

  test('a template of the newsletter\'s own, with a name not in the repository, renders', async () => {
    writeTemplate(
      'custom-letter.mjml',
      '<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>{{ title }} for {{ name | "you" }}</mj-text>\n        <mj-text>{{{ content }}}</mj-text>\n        <mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n',
    );
    const rendered = await renderPost(post('---\ntitle: Custom\ntemplate: custom-letter\n---\nBody text.\n'), settings, NOW);
    const filled = fillMessage(rendered, { ...ANN, name: '' });
    expect(rendered.templateFile).toBe('templates/custom-letter.mjml');
    expect(filled.html).toContain('Custom for you');
    expect(filled.html).toContain('Body text.');
  });

  test('an unknown <mj-foo> element gives ETEMPLATE naming the template and its line', async () => {
    writeTemplate(
      'broken.mjml',
      '<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-foo>x</mj-foo>\n        <mj-text>{{{ content }}}</mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n',
    );
    const err = await asyncTemplateError(renderPost(post('---\ntitle: B\ntemplate: broken\n---\nBody.\n'), settings, NOW));
    expect(err.location?.file).toBe('templates/broken.mjml');
    expect(err.message).toContain('mj-foo');
    expect(err.location?.line).toBe(5);
    expect(err.hint).toContain('posts/hello.md');
  });

  test('a template error in the default template names templates/default.mjml', async () => {
    writeTemplate('default.mjml', '<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-text>{{{ content }}}</mj-text>\n<mj-foo></mj-foo>\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>\n');
    const err = await asyncTemplateError(renderHello());
    expect(err.location?.file).toBe('templates/default.mjml');
    expect(err.message).toContain('mj-foo');
    expect(err.location?.line).toBe(6);
  });

  test('a template without <mj-body> gives ETEMPLATE naming the template', async () => {
    writeTemplate('default.mjml', '<mjml>\n  <mj-head></mj-head>\n</mjml>\n');
    const err = await asyncTemplateError(renderHello());
    expect(err.location?.file).toBe('templates/default.mjml');
  });

  test('an unknown variable in the template gives ETEMPLATE with the template file and line', async () => {
    writeTemplate('default.mjml', '<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-text>{{ subscriber }}</mj-text>\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>\n');
    const err = await asyncTemplateError(renderHello());
    expect(err.location).toEqual({ file: 'templates/default.mjml', line: 5 });
  });

  test('a missing template gives ETEMPLATE pointing at the post that asked for it', async () => {
    const err = await asyncTemplateError(renderPost(post('---\ntitle: M\ntemplate: nowhere\n---\nBody.\n'), settings, NOW));
    expect(err.location?.file).toBe('posts/hello.md');
    expect(err.message).toContain('templates/nowhere.mjml');
  });

  test.each(['../herald.config', '../../etc/passwd', '/etc/passwd', 'sub/dir'])('a template name like %j is refused', async (name) => {
    const p = { ...post('# T\n\nBody.\n'), template: name };
    await asyncTemplateError(renderPost(p, settings, NOW));
  });

  test('an ordinary post has no size warning', async () => {
    expect((await renderHello()).warnings).toEqual([]);
  });

  test('an email whose HTML is over ~102 KB gets a Gmail clipping warning naming the post (when herald is told not to cut it)', async () => {
    const paragraphs = Array.from({ length: 1800 }, (_, i) => `Paragraph ${i} with some words to make the email long enough to clip.`).join('\n\n');
    const rendered = await renderPost(post(`# Long\n\n${paragraphs}\n`, 'long.md'), { ...settings, footerWithinBytes: 0 }, NOW);
    expect(Buffer.byteLength(fillMessage(rendered, ANN).html)).toBeGreaterThan(GMAIL_CLIP_BYTES);
    expect(rendered.warnings).toHaveLength(1);
    expect(rendered.warnings[0]).toMatchObject({ severity: 'warning', location: { file: 'posts/long.md' } });
    expect(rendered.warnings[0]!.message).toMatch(/KB/);
    expect(rendered.warnings[0]!.message).toMatch(/Gmail/);
  });

  test('by default the same post is cut before its footer would pass 90,000 bytes, with a warning naming it', async () => {
    const paragraphs = Array.from({ length: 1800 }, (_, i) => `Paragraph ${i} with some words to make the email long enough to clip.`).join('\n\n');
    const rendered = await renderPost(post(`# Long\n\n${paragraphs}\n`, 'long.md'), settings, NOW);
    const html = fillMessage(rendered, ANN).html;
    expect(Buffer.byteLength(html)).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(Buffer.from(html).indexOf(escapeHtml(ANN.unsubscribe_url))).toBeLessThanOrEqual(90_000);
    expect(html).toContain('Read the rest on the site</a>');
    expect(rendered.warnings).toHaveLength(1);
    expect(rendered.warnings[0]).toMatchObject({ severity: 'warning', location: { file: 'posts/long.md' } });
    expect(rendered.warnings[0]!.message).toMatch(/too long for one email/);
  });
});

describe('the date as a post shows it', () => {
  test('is written as toLocaleDateString en-GB writes it, for every day of a leap year and then some', () => {
    const options = { day: 'numeric', month: 'long', year: 'numeric' } as const;
    for (let day = 0; day < 800; day++) {
      const date = new Date(2023, 11, 1 + day);
      expect(longDate(date)).toBe(date.toLocaleDateString('en-GB', options));
    }
    expect(longDate(new Date(2026, 4, 4))).toBe('4 May 2026');
  });
});
