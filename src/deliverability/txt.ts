/**
 * A TXT record's value as DNS carries it: character-strings of at most 255 bytes each, which a
 * resolver joins back into one value. DKIM keys of 2048 bits and more do not fit in one, and
 * DNS control panels and zone files take the pieces written as "…" "…".
 */
export const MAX_TXT_STRING = 255;

export function txtStrings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += MAX_TXT_STRING) out.push(bytes.subarray(at, at + MAX_TXT_STRING).toString('utf8'));
  return out.length ? out : [''];
}

/** The value as a zone file writes it: each string quoted, separated by spaces. */
export function quotedTxt(value: string): string {
  return txtStrings(value).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(' ');
}
