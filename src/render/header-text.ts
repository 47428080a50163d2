import { CONTROL_CHARACTERS as CONTROL } from '../config/header-settings';

/**
 * The last word on what text may go into a header, whatever reached it: a post's title, a
 * subscriber's name, a setting. Settings and subscriber files are checked where they are read;
 * this is the defence behind those checks, so that no value can ever add a header line or put a
 * NUL on the wire.
 */

/** A run of control characters with the spaces around it. */
const CONTROL_RUN = /\s*[\u0000-\u001f\u007f-\u009f\u2028\u2029][\s\u0000-\u001f\u007f-\u009f]*/g;

/**
 * Each run of control characters (line breaks, tabs, NUL…) becomes one space, as a subscriber's
 * name does when it is read, so words on either side stay apart. Most values are returned as they are.
 */
export function headerText(value: string): string {
  return CONTROL.test(value) ? value.replace(CONTROL_RUN, ' ') : value;
}
