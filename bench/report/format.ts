/** How figures look in the report: English thousands separators, fixed digits, markdown tables. */

export function num(v: number | undefined | null, digits = 0): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A share of the machine's CPU (0..1) as a percentage. */
export function share(x: number | undefined): string {
  return x === undefined ? '—' : `${num(100 * x)}%`;
}

export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? 'PASS' : 'FAIL';
}

/** A markdown table: the first column left-aligned, the figures right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}
