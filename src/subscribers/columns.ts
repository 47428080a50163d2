/**
 * Which column of a subscriber file holds what, for every file herald reads or writes: the lists
 * in subscribers/, other services' exports, the file `subscribers add` appends to. Header names
 * are compared as headerKey gives them, so "Email Address", "email_address" and "EMAIL-ADDRESS"
 * are one name.
 */

/** A header name as herald compares it: lower case, letters and digits only. */
export const headerKey = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Header names used by common exports for each column, the one herald prefers first. */
const EMAIL_HEADERS = ['email', 'emailaddress', 'mail', 'subscriberemail', 'emailaddr'];
const NAME_HEADERS = ['name', 'fullname', 'subscribername', 'displayname'];
const FIRST_NAME_HEADERS = ['firstname', 'givenname', 'first'];
const LAST_NAME_HEADERS = ['lastname', 'surname', 'familyname', 'last'];
/** The status column of a subscriber file: a word from status.ts that says the row receives nothing. */
export const STATUS_HEADERS = ['status', 'subscriptionstatus', 'memberstatus'];

/** The topics a subscriber chose, separated by ";" or "|" as exports write them. */
const TOPIC_HEADERS = ['topics', 'tags'];
/** The subscriber's IANA time zone, for `deliverAt`. */
const TIME_ZONE_HEADERS = ['timezone', 'tz', 'zone'];
/** instant, daily or weekly (with a weekday): how often the subscriber is mailed. */
const FREQUENCY_HEADERS = ['frequency', 'digest'];

/** Column indexes, -1 where the header has no such column. */
export interface Columns {
  readonly email: number;
  readonly name: number;
  readonly first: number;
  readonly last: number;
  readonly status: number;
  readonly topics: number;
  readonly timeZone: number;
  readonly frequency: number;
}

export function findColumns(header: readonly string[]): Columns {
  const keys = header.map(headerKey);
  const find = (names: string[]): number => {
    for (const n of names) {
      const i = keys.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  return {
    email: find(EMAIL_HEADERS), name: find(NAME_HEADERS), first: find(FIRST_NAME_HEADERS), last: find(LAST_NAME_HEADERS), status: find(STATUS_HEADERS),
    topics: find(TOPIC_HEADERS), timeZone: find(TIME_ZONE_HEADERS), frequency: find(FREQUENCY_HEADERS),
  };
}

/**
 * The columns a row's name is read from: the full-name column when there is one, else first and
 * last name (either may be missing). `subscribers add` writes a name into the same columns.
 */
export function nameColumns(columns: Columns): number[] {
  if (columns.name >= 0) return [columns.name];
  return [columns.first, columns.last].filter((i) => i >= 0);
}

/** A row's name: the full-name cell, or first and last name joined by a space. */
export function nameOf(cell: (i: number) => string, columns: Columns): string {
  return cell(columns.name) || [cell(columns.first), cell(columns.last)].filter(Boolean).join(' ');
}

/** A display name is data for a header: no line breaks or control characters, bounded length. */
export function cleanName(name: string): string {
  return oneLineText(name, 200);
}

/** Text a person reads in a CSV cell: control characters and runs of white space become one space, trimmed, at most `max` characters. */
export function oneLineText(value: string, max: number): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

/** A topics cell's words: split on ";" or "|" (a "," too, when the cell has neither), each once. */
export function topicWords(cell: string): string[] | undefined {
  if (!cell) return undefined;
  const parts = cell.split(/[;|]/.test(cell) ? /[;|]/ : /,/).map((w) => oneLineText(w, 100)).filter(Boolean);
  const words = [...new Set(parts)];
  return words.length ? words : undefined;
}
