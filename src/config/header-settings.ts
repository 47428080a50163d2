import { checkAddress, needsSmtpUtf8 } from '../subscribers/address';

/**
 * The settings that end up in a mail header (name, from, replyTo, listId, subject,
 * unsubscribe.mailto, HERALD_FROM), checked as strictly as the sender: a line break in any of
 * them would start a header of its own (a `Bcc:` line reaching every subscriber), so they are
 * refused when the settings are read, not repaired when a message is written. Each check returns
 * what is wrong and what to write instead, or undefined when the value is fine.
 */

/** C0 controls (line breaks and tab included), DEL, C1 controls, and Unicode's line and paragraph separators. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export interface Mailbox {
  readonly name: string;
  readonly address: string;
}

/** `Name <address>`, `"Name" <address>` or a bare address: exactly one mailbox, its address by the subscriber rule. */
export function parseMailbox(value: string): Mailbox | { readonly problem: string } {
  const shown = JSON.stringify(value);
  if (CONTROL_CHARACTERS.test(value)) return { problem: `${shown} contains a line break or another control character; write one address on one line` };
  const match = /^\s*(?:(?:"([^"]*)"|([^"<>]*?))\s*<([^<>]*)>|([^<>"]*))\s*$/.exec(value);
  if (!match) return { problem: `${shown} is not one address; write "Name <address@example.com>" or just address@example.com` };
  const name = (match[1] ?? match[2] ?? '').trim();
  const check = checkAddress(match[3] ?? match[4] ?? '');
  // the reason quotes the address; it is the whole value unless a name came with it
  if (!check.ok) return { problem: `${match[4] === undefined ? `${shown}: ` : ''}${check.reason}; write "Name <address@example.com>" or just address@example.com` };
  const address = check.address;
  // the sender's own addresses go into headers and the envelope of every message, where a
  // non-ASCII local part would need SMTPUTF8 from every receiving server
  if (needsSmtpUtf8(address.slice(0, address.lastIndexOf('@')))) {
    return { problem: `${shown} has a non-ASCII local part, which not every mail server accepts; use an ASCII address` };
  }
  return { name, address };
}

export function mailboxProblem(value: string): string | undefined {
  const parsed = parseMailbox(value);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/** unsubscribe.mailto: a bare address (it becomes a mailto: link), nothing else. */
export function plainAddressProblem(value: string): string | undefined {
  const parsed = parseMailbox(value);
  if ('problem' in parsed) return parsed.problem;
  if (parsed.name || value.includes('<')) return `${JSON.stringify(value)} must be a plain address without a name, e.g. unsubscribe@example.com`;
  return undefined;
}

/** Text shown in a header (the newsletter's name, the subject format): any characters but control ones. */
export function headerTextProblem(value: string): string | undefined {
  if (!CONTROL_CHARACTERS.test(value)) return undefined;
  return `${JSON.stringify(value)} contains a line break or another control character; write it on one line without them`;
}

/**
 * listId: `<list-id>`, `Phrase <list-id>` or a bare list-id, where the list-id is a dot-separated
 * run of ASCII letters, digits and `-_` as RFC 2919 describes (e.g. "news.example.com").
 */
export function listIdProblem(value: string): string | undefined {
  const shown = JSON.stringify(value);
  if (CONTROL_CHARACTERS.test(value)) return `${shown} contains a line break or another control character; write it on one line`;
  const { phrase, id } = splitListId(value);
  if (/[<>]/.test(phrase) || !LIST_ID.test(id) || id.length > 255) {
    return `${shown} is not a List-Id; write "Name <list.example.com>" (an ASCII identifier in angle brackets, with at least one dot)`;
  }
  return undefined;
}

const LIST_ID = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+$/;

/** A List-Id setting split into its name (possibly empty, unquoted) and its identifier, without brackets. */
export function splitListId(value: string): { readonly phrase: string; readonly id: string; readonly bracketed: boolean } {
  const match = /^\s*([\s\S]*?)\s*<([^<>]*)>\s*$/.exec(value);
  if (!match) return { phrase: '', id: value.trim(), bracketed: false };
  const quoted = /^"((?:[^"\\]|\\[\s\S])*)"$/.exec(match[1]!);
  return { phrase: quoted ? quoted[1]!.replace(/\\([\s\S])/g, '$1') : match[1]!, id: match[2]!, bracketed: true };
}
