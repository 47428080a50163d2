/**
 * The last word on what text may go into a header, whatever reached it: a post's title, a
 * subscriber's name, a setting. Settings and subscriber files are checked where they are read;
 * this is the defence behind those checks, so that no value can ever add a header line or put a
 * NUL on the wire.
 */

/** C0 controls, DEL, C1 controls, and Unicode's line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
const OTHER_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Breaks and tabs become a space; other control characters are dropped. Most values are returned as they are. */
export function headerText(value: string): string {
  if (!CONTROL.test(value)) return value;
  return value.replace(LINE_BREAKS, ' ').replace(OTHER_CONTROLS, '');
}
