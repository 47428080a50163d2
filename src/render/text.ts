import type { FormatCallback } from 'html-to-text';

/** The longest line of the plain-text part (RFC 5322's recommendation), unbreakable URLs apart. */
export const TEXT_COLUMNS = 78;

/**
 * The plain-text alternative of a post's body, made once per post: headings marked by level
 * (`#`, `##`, `###` …), code fenced with ``` and inline code in backticks, every link's URL kept
 * after its text, and no line longer than TEXT_COLUMNS except one that is a single URL.
 */
export function htmlToPlainText(html: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { convert } = require('html-to-text') as typeof import('html-to-text');
  const headings = [1, 2, 3, 4, 5, 6].map((level) => ({ selector: `h${level}`, format: 'heading', options: { prefix: `${'#'.repeat(level)} `, leadingLineBreaks: 2, trailingLineBreaks: 2 } }));
  const text = convert(html.replace(/\n<\/code><\/pre>/g, '</code></pre>'), {
    wordwrap: TEXT_COLUMNS - 2,
    formatters: { heading, fenced, backticks },
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] } },
      { selector: 'img', format: 'image', options: { linkBrackets: ['[', ']'] } },
      ...headings,
      { selector: 'pre', format: 'fenced' },
      { selector: 'code', format: 'backticks' },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false, maxColumnWidth: 30 } },
    ],
  }).trim();
  return wrapText(text);
}

const heading: FormatCallback = (elem, walk, builder, options) => {
  builder.openBlock({ leadingLineBreaks: options.leadingLineBreaks ?? 2 });
  builder.addLiteral(String(options['prefix'] ?? ''));
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: options.trailingLineBreaks ?? 2 });
};

const fenced: FormatCallback = (elem, walk, builder) => {
  const fence = (leading: number, trailing: number): void => {
    builder.openBlock({ leadingLineBreaks: leading });
    builder.addLiteral('```');
    builder.closeBlock({ trailingLineBreaks: trailing });
  };
  fence(2, 1);
  builder.openBlock({ isPre: true, leadingLineBreaks: 1 });
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 1 });
  fence(1, 2);
};

const backticks: FormatCallback = (elem, walk, builder) => {
  // inside a fenced block the fence already sets the code apart
  const inPre = (elem as { parent?: { name?: string } }).parent?.name === 'pre';
  if (!inPre) builder.addLiteral('`');
  walk(elem.children, builder);
  if (!inPre) builder.addLiteral('`');
};

const URL_LIKE = /^<?(?:https?:\/\/|mailto:)\S+>?[.,;:)]*$/i;

/**
 * Every line wrapped to TEXT_COLUMNS at spaces, continued under its own text (a list item's
 * under the item); a word longer than a line is cut, unless it is a URL, which keeps a line of
 * its own whole, since a cut one no longer opens.
 */
export function wrapText(text: string, columns = TEXT_COLUMNS): string {
  return text.split('\n').flatMap((line) => wrapLine(line, columns)).join('\n');
}

function wrapLine(line: string, columns: number): string[] {
  if (line.length <= columns) return [line];
  const lead = /^\s*/.exec(line)![0];
  const hang = /^\s*(?:[*-] |\d+\. )?/.exec(line)![0].replace(/\S/g, ' ').slice(0, columns - 20);
  const lines: string[] = [];
  let current = lead;
  let empty = true;
  for (const word of line.slice(lead.length).split(/ +/)) {
    if (!empty && current.length + 1 + word.length <= columns) {
      current += ` ${word}`;
      continue;
    }
    if (!empty) {
      lines.push(current);
      current = hang;
    }
    let rest = word;
    while (rest.length > columns - current.length && !URL_LIKE.test(rest)) {
      const room = columns - current.length;
      lines.push(current + rest.slice(0, room));
      current = hang;
      rest = rest.slice(room);
    }
    current += rest;
    empty = false;
  }
  if (!empty) lines.push(current);
  return lines;
}
