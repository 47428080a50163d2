import { convertSiteSyntax, type SyntaxContext } from '../../src/discover/site-syntax';

const ctx = (generator: SyntaxContext['generator'], file = '_posts/2024-01-02-x.md'): SyntaxContext => ({
  generator, file, bodyLine: 4,
  variables: { 'site.url': 'https://user.github.io', 'site.baseurl': '/repo', 'page.title': 'X' },
  urlOf: (kind, name) => (name.includes('2024-01-01-older') || name === 'posts/my-trip' ? `https://user.github.io/repo/${kind}/older/` : undefined),
});

describe('a site generator\'s template syntax in a post', () => {
  test('Liquid: highlight becomes a code block, raw its text, post_url and link URLs, site and page variables their values', () => {
    const body = [
      'Title {{ page.title }} at {{ site.url }}{{ site.baseurl }}/ and {{ "/img/a.png" | relative_url }}.',
      '{% highlight js %}',
      'const a = "{{ x }}";',
      '{% endhighlight %}',
      '{% raw %}{{ kept }}{% endraw %}',
      'See [older]({% post_url 2024-01-01-older %}).',
    ].join('\n');
    const out = convertSiteSyntax(body, ctx('jekyll'));
    expect(out.problems).toEqual([]);
    expect(out.body).toBe([
      'Title X at https://user.github.io/repo/ and https://user.github.io/repo/img/a.png.',
      '',
      '```js',
      'const a = "{{ x }}";',
      '```',
      '',
      '{{ kept }}',
      'See [older](https://user.github.io/repo/post_url/older/).',
    ].join('\n'));
  });

  test('an unknown tag is removed with a warning naming the file, the line and the tag; code is untouched', () => {
    const body = 'Intro.\n\n```liquid\n{% include note.html %}\n```\n\nInline `{% assign a = 1 %}` stays.\n\n{% include note.html %}\n\n{% post_url gone %}\n';
    const out = convertSiteSyntax(body, ctx('jekyll'));
    expect(out.body).toContain('```liquid\n{% include note.html %}\n```');
    expect(out.body).toContain('Inline `{% assign a = 1 %}` stays.');
    expect(out.body.split('```')[2]).not.toMatch(/include note|post_url/);
    expect(out.problems.map((p) => [p.severity, p.location?.file, p.location?.line, /\{%.*?%\}/.exec(p.message)?.[0]]).sort((a, b) => Number(a[2]) - Number(b[2]))).toEqual([
      ['warning', '_posts/2024-01-02-x.md', 12, '{% include note.html %}'],
      ['warning', '_posts/2024-01-02-x.md', 14, '{% post_url gone %}'],
    ]);
  });

  test('Hugo shortcodes: figure, youtube, gist, ref and highlight are converted; unknown ones removed with a warning', () => {
    const body = [
      '{{< figure src="map.png" alt="The map" caption="Where we went" >}}',
      '{{< youtube dQw4w9WgXcQ >}}',
      '{{< gist spf13 7896402 >}}',
      '[trip]({{< ref "posts/my-trip" >}})',
      '{{< highlight go >}}fmt.Println("{{< x >}}"){{< /highlight >}}',
      '{{< newsletter-form >}}',
      '`{{< figure src="code.png" >}}`',
    ].join('\n');
    const out = convertSiteSyntax(body, ctx('hugo', 'content/posts/t.md'));
    expect(out.body).toContain('![The map](<map.png>)\n\n*Where we went*');
    expect(out.body).toContain('[![Video on YouTube](https://img.youtube.com/vi/dQw4w9WgXcQ/hqdefault.jpg)](https://www.youtube.com/watch?v=dQw4w9WgXcQ)');
    expect(out.body).toContain('[Gist 7896402 by spf13](https://gist.github.com/spf13/7896402)');
    expect(out.body).toContain('[trip](https://user.github.io/repo/ref/older/)');
    expect(out.body).toContain('```go\nfmt.Println("{{< x >}}")\n```');
    expect(out.body).toContain('`{{< figure src="code.png" >}}`');
    expect(out.body).not.toContain('newsletter-form');
    expect(out.problems.map((p) => [p.location?.line, p.message.slice(0, 50)])).toEqual([[9, 'the site\'s template tag {{< newsletter-form >}} is']]);
  });

  test('MDX: imports and components leave with a warning, the markdown stays; other sites are left as they are', () => {
    const out = convertSiteSyntax('import Chart from "../Chart.astro";\n\n# Hi\n\n<Chart data={[1, 2]} />\n\nText {{ name }}.\n', ctx('astro', 'src/content/blog/a.mdx'));
    expect(out.body).toContain('# Hi');
    expect(out.body).toContain('Text {{ name }}.');
    expect(out.body).not.toContain('Chart');
    expect(out.problems.map((p) => p.location?.line)).toEqual([4, 8]);
    expect(convertSiteSyntax('{% x %} {{ site.url }}', ctx(undefined)).body).toBe('{% x %} {{ site.url }}');
  });
});
