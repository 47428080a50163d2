/** The HTML-size section of BENCHMARKS.md: what the default template makes of four posts, and its targets. */
import type { HtmlSize, RunRecord } from '../results';
import { num, table, verdict } from './format';
import { TARGETS } from './targets';

/** A failure of the HTML-size phase, as recordFailure words it. */
export const isHtmlError = (e: string): boolean => e.startsWith('html:');

function targetRows(rows: readonly HtmlSize[] | undefined): string[][] {
  const bench = rows?.find((r) => r.post === 'bench');
  const tablePost = rows?.find((r) => r.post === 'table');
  // a missing link (-1) is as bad as a late one
  const latest = rows?.length ? rows.reduce((a, b) => (b.unsubscribeAt < 0 || (a.unsubscribeAt >= 0 && b.unsubscribeAt > a.unsubscribeAt) ? b : a)) : undefined;
  const bytes = (r: HtmlSize | undefined): string => (r ? `${num(r.htmlBytes)} bytes` : '—');
  const within = (r: HtmlSize | undefined, limit: number): boolean | undefined => (r ? r.htmlBytes <= limit : undefined);
  return [
    ['the bench post\'s HTML', `≤ ${num(TARGETS.benchHtmlBytes / 1024)} KB (${num(TARGETS.benchHtmlBytes)} bytes)`, bytes(bench), verdict(within(bench, TARGETS.benchHtmlBytes))],
    ['the 200-row table post\'s HTML', `≤ ${num(TARGETS.tableHtmlBytes / 1024)} KB (${num(TARGETS.tableHtmlBytes)} bytes)`, bytes(tablePost), verdict(within(tablePost, TARGETS.tableHtmlBytes))],
    ['the unsubscribe link, every post under 1 MiB', `before byte ${num(TARGETS.footerWithinBytes)}`,
      latest ? (latest.unsubscribeAt < 0 ? `missing in ${latest.label}` : `at most byte ${num(latest.unsubscribeAt)}, in ${latest.label}`) : '—',
      verdict(latest ? latest.unsubscribeAt >= 0 && latest.unsubscribeAt < TARGETS.footerWithinBytes : undefined)],
  ];
}

export function htmlSectionMarkdown(ctx: RunRecord): string {
  const { res, version, command, date } = ctx;
  const rows = res.html;
  const out = [
    '## The size of the HTML (default template)',
    '',
    `- command: \`${command}\``,
    `- date: ${date}`,
    `- herald: ${version}`,
    '',
    'Each post rendered with herald\'s `renderPost` and `fillMessage` for the first subscriber of the bench\'s list (`bench/child/html-size.ts`, a fresh process): ' +
      'the bytes of the HTML part as Gmail counts them (it shows only the first ~102 KB, the unsubscribe link too), the byte at which the unsubscribe link\'s `href` starts, ' +
      'and whether herald cut the post before its footer, with a link to the rest on the site. Sizes, not times: the same build gives the same bytes on any machine.',
    '',
    table(['post', 'markdown bytes', 'HTML bytes', 'unsubscribe link at byte', 'cut'],
      (rows ?? []).map((r) => [r.label, num(r.markdownBytes), num(r.htmlBytes), r.unsubscribeAt < 0 ? 'missing' : num(r.unsubscribeAt), r.cut ? 'yes' : 'no'])),
    '',
    table(['target', 'goal', 'measured', 'result'], targetRows(rows)),
  ];
  const errors = res.errors.filter(isHtmlError);
  if (errors.length) out.push('', '**Errors in this run** (the figures above are not valid where they depend on these):', '', ...errors.map((e) => `- ${e}`));
  return out.join('\n');
}
