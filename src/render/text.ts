/** The plain-text alternative of a post's body, made once per post. */
export function htmlToPlainText(html: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { convert } = require('html-to-text') as typeof import('html-to-text');
  return convert(html, {
    wordwrap: 76,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] } },
      { selector: 'img', format: 'image', options: { linkBrackets: ['[', ']'] } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ],
  }).trim();
}
