/**
 * The plain-text part as a reader of it sees it: headings told apart by level, code set apart,
 * every link's URL kept, and no line longer than 78 characters unless a URL makes it so.
 */
import { postFromSource } from '../../src/discover/posts';
import { markdownToHtml } from '../../src/render/markdown';
import { htmlToPlainText, TEXT_COLUMNS, wrapText } from '../../src/render/text';
import { examplePosts, exampleSettings, renderWith, stressPost } from '../templates/example';

const text = (markdown: string): string => htmlToPlainText(markdownToHtml(markdown, 'https://blog.example.com/'));

/** Lines over 78 characters that are not made so by a URL they end with. */
function tooLong(all: string): string[] {
  return all.split('\n').filter((line) => line.length > TEXT_COLUMNS && !/^.{0,78}?<?(?:https?:\/\/|mailto:)\S+>?[.,;:)]*$/.test(line));
}

test('headings are marked by level', () => {
  const out = text('# One\n\nA.\n\n## Two\n\nB.\n\n### Three\n\nC.\n\n#### Four\n');
  expect(out).toContain('# One\n\nA.\n\n## Two\n\nB.\n\n### Three\n\nC.\n\n#### Four');
});

test('code blocks are fenced, inline code is in backticks, and indentation in code is kept', () => {
  const out = text('Run `herald send` first.\n\n```js\nif (ready) {\n  send();\n}\n```\n\nDone.\n');
  expect(out).toContain('Run `herald send` first.');
  expect(out).toContain('```\nif (ready) {\n  send();\n}\n```\n\nDone.');
});

test('every link keeps its URL after its text', () => {
  const out = text('See [the archive](https://blog.example.com/archive/) and [this](/notes/a/), or https://example.org/.\n').replace(/\s+/g, ' ');
  expect(out).toContain('the archive <https://blog.example.com/archive/>');
  expect(out).toContain('this <https://blog.example.com/notes/a/>');
  expect(out).toContain('https://example.org/');
});

test('long lines wrap at 78 columns, list items under their text, code too; a URL is never cut', () => {
  const url = `https://blog.example.com/${'segment/'.repeat(12)}end`;
  const out = text([
    `A paragraph ${'with many words '.repeat(12)}that goes on.`, '',
    `- a list item ${'that is long '.repeat(10)}indeed`, '',
    '```', `const x = call(${'argument, '.repeat(12)}last);`, '```', '',
    `A link: ${url}`, '',
    `A long word: ${'x'.repeat(200)}`, '',
  ].join('\n'));
  expect(tooLong(out)).toEqual([]);
  expect(out.split('\n').some((l) => l.includes(url))).toBe(true);
  expect(out).toMatch(/\n \* a list item that is long/);
  expect(out).toMatch(/\n {3}\S/);
  expect(wrapText('short')).toBe('short');
});

test.each([...examplePosts(exampleSettings()).map((p) => [p.file, p] as const), ['stress.md', stressPost()] as const])(
  'the plain text of %s has no line over 78 columns but URLs',
  async (_file, post) => {
    const { filled } = await renderWith(exampleSettings(), post);
    expect(tooLong(filled.text)).toEqual([]);
    expect(filled.text).toContain('Unsubscribe: https://blog.example.com/unsubscribe?');
  },
);

test('a heading in a post is not confused with the text around it', () => {
  const post = postFromSource('---\ntitle: T\n---\n\n## Part one\n\nText.\n\n### Detail\n\nMore.\n', 'h.md');
  const out = text(post.body);
  expect(out.split('\n')).toEqual(expect.arrayContaining(['## Part one', '### Detail']));
});
