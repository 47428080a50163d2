/**
 * Markdown → the HTML that goes into the email: GFM features work, anything active or anything
 * that could break out of the MJML template is removed, and links work outside the website.
 */
import { markdownToHtml } from '../../src/render/markdown';
import { allowedUrl } from '../../src/url';

const BASE = 'https://blog.example.com/';
const render = (md: string, base = BASE): string => markdownToHtml(md, base);

describe('GitHub-flavoured markdown', () => {
  test('a table becomes an HTML table with header cells and alignment', () => {
    const html = render('| Name | Count |\n|:-----|------:|\n| apples | 3 |\n| pears | 12 |\n');
    expect(html).toContain('<table>');
    expect(html).toMatch(/<th align="left">Name<\/th>/);
    expect(html).toMatch(/<th align="right">Count<\/th>/);
    expect(html).toMatch(/<td align="left">apples<\/td>/);
    expect(html).toMatch(/<td align="right">12<\/td>/);
  });

  test('a fenced code block keeps its language class and escapes its content', () => {
    const html = render('```ts\nconst ok = 1 < 2 && a > b;\n```\n');
    expect(html).toContain('<pre><code class="language-ts">');
    expect(html).toContain('const ok = 1 &lt; 2 &amp;&amp; a &gt; b;');
  });

  test('a language class with odd characters is dropped, the code kept', () => {
    const html = render('```x" onmouseover="alert(1)\ncode\n```\n');
    expect(html).not.toMatch(/onmouseover/i);
    expect(html).toContain('code');
  });

  test('bare URLs and www. addresses become links', () => {
    const html = render('See https://example.com/page and www.example.org for more.\n');
    expect(html).toContain('<a href="https://example.com/page">https://example.com/page</a>');
    expect(html).toContain('<a href="http://www.example.org">www.example.org</a>');
  });

  test('angle-bracket autolinks become links', () => {
    expect(render('<https://example.com/x>\n')).toContain('<a href="https://example.com/x">https://example.com/x</a>');
  });

  test('strikethrough, emphasis, lists and blockquotes survive', () => {
    const html = render('~~old~~ **bold** _it_\n\n- one\n- two\n\n1. first\n\n> quoted\n');
    expect(html).toContain('<del>old</del>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<em>it</em>');
    expect(html).toMatch(/<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    expect(html).toMatch(/<ol>\s*<li>first<\/li>\s*<\/ol>/);
    expect(html).toMatch(/<blockquote>\s*<p>quoted<\/p>\s*<\/blockquote>/);
  });

  test('task lists become ☑ and ☐ text, since email clients show no form controls', () => {
    const html = render('- [x] done\n- [ ] todo\n');
    expect(html).toContain('<li>☑ done</li>');
    expect(html).toContain('<li>☐ todo</li>');
    expect(html).not.toContain('<input');
  });

  test('headings keep their level', () => {
    const html = render('## Two\n\n### Three\n');
    expect(html).toContain('<h2>Two</h2>');
    expect(html).toContain('<h3>Three</h3>');
  });
});

describe('nothing active or template-breaking reaches the output', () => {
  test('<script> is removed with its content', () => {
    const html = render('Before\n\n<script>alert("x")</script>\n\nAfter <script src="https://evil.example/x.js"></script>\n');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('alert(');
    expect(html).toContain('Before');
    expect(html).toContain('After');
  });

  test('event handler attributes such as onerror= and onclick= are removed', () => {
    const html = render('<img src="https://example.com/a.png" onerror="alert(1)">\n\n<a href="https://example.com" onclick="steal()">x</a>\n');
    expect(html).not.toMatch(/onerror/i);
    expect(html).not.toMatch(/onclick/i);
    expect(html).toContain('src="https://example.com/a.png"');
    expect(html).toContain('href="https://example.com"');
  });

  test.each([
    ['markdown link', '[click](javascript:alert(1))'],
    ['upper-case scheme', '[click](JAVASCRIPT:alert(1))'],
    ['raw HTML link', '<a href="javascript:alert(1)">click</a>'],
    ['entity-encoded scheme', '<a href="&#106;avascript:alert(1)">click</a>'],
    ['scheme with a tab', '<a href="java\tscript:alert(1)">click</a>'],
    ['vbscript', '<a href="vbscript:msgbox(1)">click</a>'],
    ['data: URL', '<a href="data:text/html;base64,PHNjcmlwdD4=">click</a>'],
  ])('a %s with a dangerous URL keeps its text but loses the link', (_label, md) => {
    const html = render(md + '\n');
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/vbscript:/i);
    expect(html).not.toMatch(/data:/i);
    expect(html).toContain('click');
  });

  test('a link outside http, https and mailto keeps its text and loses its href, however the scheme is spelt', () => {
    const html = render('[call](tel:+441234) [js](JAVASCRIPT:alert(1)) <a href="java&#x09;script:alert(1)">tab</a> <a href=" data:text/html,x">data</a> [app](x-app://open)\n');
    expect(html).not.toMatch(/href=/);
    for (const text of ['call', 'js', 'tab', 'data', 'app']) expect(html).toContain(text);
  });

  test('raw HTML nested thousands deep loses its tags below the limit and keeps its text', () => {
    const html = render('<div>'.repeat(5000) + 'deep text' + '</div>'.repeat(5000) + '\n');
    expect(html).toContain('deep text');
    expect(html.split('<div>').length - 1).toBeLessThanOrEqual(100);
  });

  test('an image with a javascript: or data: source loses its source', () => {
    const html = render('![a](javascript:alert(1))\n\n<img src="data:image/png;base64,AAAA" alt="b">\n');
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/data:/i);
  });

  test('<iframe>, <object>, <embed> and <form> are removed', () => {
    const html = render(
      '<iframe src="https://evil.example/"></iframe>\n\n<object data="x.swf"></object><embed src="x.swf">\n\n<form action="https://evil.example/"><input type="password" name="p"><button>Go</button></form>\n',
    );
    expect(html).not.toMatch(/<iframe/i);
    expect(html).not.toMatch(/<object/i);
    expect(html).not.toMatch(/<embed/i);
    expect(html).not.toMatch(/<form/i);
    expect(html).not.toMatch(/type="password"/i);
    expect(html).not.toContain('evil.example');
  });

  test('<style> blocks and style= attributes are removed (so a post cannot hide or restyle the email)', () => {
    const html = render('<style>body { display: none }</style>\n\n<p style="display:none">hidden?</p>\n');
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toContain('display');
    expect(html).toContain('hidden?');
  });

  test('MJML tags written in a post are removed, so the post cannot close the template\'s <mj-text>', () => {
    const html = render('Text </mj-text></mj-column><mj-column><mj-text>injected</mj-text>\n\n<mj-raw><b>raw</b></mj-raw>\n\n</mj-body></mjml>\n');
    expect(html).not.toMatch(/<\/?mj-/i);
    expect(html).not.toMatch(/<\/?mjml/i);
  });

  test('</mj-text> written in a code span or code block is shown escaped, as text', () => {
    const html = render('Use `</mj-text>` to close.\n\n```\n<mj-text>hi</mj-text>\n```\n');
    expect(html).toContain('<code>&lt;/mj-text&gt;</code>');
    expect(html).toContain('&lt;mj-text&gt;hi&lt;/mj-text&gt;');
    expect(html).not.toMatch(/<\/?mj-/);
  });

  test('HTML comments (including Outlook conditional comments) are removed', () => {
    const html = render('a <!-- secret --> b\n\n<!--[if mso]><script>x()</script><![endif]-->\n');
    expect(html).not.toContain('secret');
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/script/i);
  });

  test('<meta>, <link> and <base> cannot be smuggled in', () => {
    const html = render('<meta http-equiv="refresh" content="0;url=https://evil.example/">\n<link rel="stylesheet" href="https://evil.example/x.css">\n<base href="https://evil.example/">\n\n[rel](page/)\n');
    expect(html).not.toMatch(/<meta|<link|<base/i);
    expect(html).toContain('href="https://blog.example.com/page/"');
  });
});

describe('links and images work outside the website', () => {
  test('relative links and images become absolute against the base URL', () => {
    const html = render('[about](/about/) [next](next-post/) ![chart](images/chart.png) ![logo](/logo.svg "Logo")\n');
    expect(html).toContain('<a href="https://blog.example.com/about/">about</a>');
    expect(html).toContain('<a href="https://blog.example.com/next-post/">next</a>');
    expect(html).toContain('src="https://blog.example.com/images/chart.png"');
    expect(html).toContain('src="https://blog.example.com/logo.svg"');
    expect(html).toContain('title="Logo"');
  });

  test('relative URLs resolve against a base URL with a path', () => {
    const html = render('[up](../x/) [here](y) ![img](z.png)\n', 'https://example.com/blog/posts/');
    expect(html).toContain('href="https://example.com/blog/x/"');
    expect(html).toContain('href="https://example.com/blog/posts/y"');
    expect(html).toContain('src="https://example.com/blog/posts/z.png"');
  });

  test('raw HTML <a> and <img> with relative URLs are made absolute too', () => {
    const html = render('<a href="/raw/">raw</a> <img src="pic.jpg" alt="p">\n');
    expect(html).toContain('href="https://blog.example.com/raw/"');
    expect(html).toContain('src="https://blog.example.com/pic.jpg"');
  });

  test('#anchors and mailto: links are kept as written', () => {
    const html = render('[top](#top) [mail](mailto:editor@example.com?subject=Hi)\n');
    expect(html).toContain('<a href="#top">top</a>');
    expect(html).toContain('href="mailto:editor@example.com?subject=Hi"');
  });

  test('absolute http(s) links are kept as written', () => {
    const html = render('[x](https://other.example/a?b=1&c=2) [y](http://plain.example/)\n');
    expect(html).toContain('href="https://other.example/a?b=1&amp;c=2"');
    expect(html).toContain('href="http://plain.example/"');
  });

  test('allowedUrl keeps anchors and allowed schemes, resolves the rest', () => {
    expect(allowedUrl('#x', BASE)).toBe('#x');
    expect(allowedUrl('mailto:a@b.com', BASE)).toBe('mailto:a@b.com');
    expect(allowedUrl('  /a b/ ', BASE)).toBe('https://blog.example.com/a%20b/');
    expect(allowedUrl('?page=2', 'https://blog.example.com/list/')).toBe('https://blog.example.com/list/?page=2');
  });

  test('allowedUrl refuses every scheme but http, https and mailto, however it is spelt', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'java\tscript:alert(1)', 'java\nscript:x',
      'data:text/html;base64,AAAA', 'vbscript:x', 'file:///etc/passwd', 'tel:+441234', 'x-app://open']) {
      expect(allowedUrl(url, BASE)).toBeUndefined();
    }
    expect(allowedUrl('mailto:a@b.com', BASE, { image: true })).toBeUndefined();
    expect(allowedUrl('//cdn.example.com/a.png', BASE, { image: true })).toBe('https://cdn.example.com/a.png');
  });
});

describe('links resolved against the post\'s own URL', () => {
  const { markdownToHtml: toHtml } = require('../../src/render/markdown') as typeof import('../../src/render/markdown');
  test('relative links follow the post\'s page; root-relative ones the site, whose own path is kept', () => {
    const html = toHtml('[n](../notes/) [r](/about/) [p](/repo/already/) ![i](map.png)', 'https://user.github.io/repo/blog/2026/x/', 'https://user.github.io/repo/');
    expect(html).toContain('href="https://user.github.io/repo/blog/2026/notes/"');
    expect(html).toContain('href="https://user.github.io/repo/about/"');
    expect(html).toContain('href="https://user.github.io/repo/already/"');
    expect(html).toContain('src="https://user.github.io/repo/blog/2026/x/map.png"');
  });
});

describe('footnotes and task lists', () => {
  const { markdownToHtml: toHtml } = require('../../src/render/markdown') as typeof import('../../src/render/markdown');
  test('footnotes go at the end with links back; task lists are text; quotes stay as typed; other ids and inputs never pass', () => {
    const html = toHtml('Text[^1] and "quotes" -- here.\n\n- [ ] todo\n- [x] done\n\n<input type="checkbox" checked> <a id="login" href="#x">a</a>\n\n[^1]: The note.\n', 'https://e.com/p/');
    expect(html).toContain('<sup><a id="footnote-ref-1" href="#footnote-1">1</a></sup>');
    expect(html).toMatch(/<li id="footnote-1">\s*<p>The note\. <a href="#footnote-ref-1">↩<\/a><\/p>/);
    expect(html).not.toContain('[^1]');
    expect(html).toContain('<li>☐ todo</li>');
    expect(html).toContain('<li>☑ done</li>');
    expect(html).toContain('"quotes" -- here');
    expect(html).not.toMatch(/<input|<section|id="login"/);
  });
});
