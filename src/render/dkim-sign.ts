import crypto from 'node:crypto';

/**
 * A DKIM signature (RFC 6376: rsa-sha256, relaxed/relaxed) over a finished message. herald signs
 * itself rather than through nodemailer's signer because that signer cannot oversign: a header
 * listed in h= once more than it occurs makes any copy of it added later break the signature,
 * so nobody can put a second From, Subject or List-Unsubscribe in front of a signed message
 * and have it still verify (the one the reader sees may be the added one).
 */

/** Signed when present: the headers RFC 6376 §5.4.1 recommends, the list headers, Feedback-ID. */
const SIGNED = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc', 'mime-version', 'content-type',
  'content-transfer-encoding', 'in-reply-to', 'references', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post',
  'feedback-id', 'auto-submitted',
];

/**
 * Signed once more than they occur, absent ones included: From and Subject are what the reader
 * trusts, and RFC 8058 one-click needs List-Unsubscribe and List-Unsubscribe-Post untouchable
 * (an added List-Unsubscribe-Post would turn a mailto-only message into a one-click one).
 */
export const OVERSIGNED: readonly string[] = ['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post'];

export interface DkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly key: crypto.KeyObject;
}

/** The message with a DKIM-Signature header in front; the message's own bytes are unchanged. */
export function dkimSign(signer: DkimKey, raw: Buffer): Buffer {
  const text = raw.toString('latin1'); // one char per byte: hashing it as latin1 hashes the bytes
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end + 2);
  const body = end === -1 ? '' : text.slice(end + 4);
  const fields = parseFields(head);
  const names: string[] = [];
  let signedHeaders = '';
  for (const name of SIGNED) {
    const instances = fields.filter((f) => f.name === name);
    // bottom up, as a verifier takes them (RFC 6376 §5.4.2)
    for (let i = instances.length - 1; i >= 0; i--) {
      names.push(name);
      signedHeaders += `${name}:${relaxedValue(instances[i]!.value)}\r\n`;
    }
    if (OVERSIGNED.includes(name)) names.push(name);
  }
  const bodyHash = crypto.createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  const unsigned = `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${signer.domain};\r\n s=${signer.selector}; q=dns/txt; bh=${bodyHash};\r\n h=${foldList(names)};\r\n b=`;
  const signingInput = signedHeaders + `dkim-signature:${relaxedValue(unsigned.slice(unsigned.indexOf(':') + 1))}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput, 'latin1'), signer.key).toString('base64');
  const header = `${unsigned}${signature.replace(/(.{72})(?=.)/g, '$1\r\n ')}\r\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), raw]);
}

interface Field {
  readonly name: string;
  /** Everything after the colon, folding included. */
  readonly value: string;
}

function parseFields(head: string): Field[] {
  const fields: Field[] = [];
  for (const line of head.split('\r\n')) {
    if (!line) continue;
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      fields[fields.length - 1] = { name: last.name, value: `${last.value}\r\n${line}` };
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) });
  }
  return fields;
}

/** RFC 6376 §3.4.2: unfolded, runs of spaces and tabs as one space, none at either end. */
function relaxedValue(value: string): string {
  return value.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * RFC 6376 §3.4.4: no trailing spaces on a line, runs of them as one, no empty lines at the end.
 * A bare LF ends a line too: SMTP carries it as CRLF, and verifiers read it so.
 */
export function relaxedBody(body: string): string {
  const lines = body.split(/\r?\n/).map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

/** h= folded after a colon before a line passes 76 characters. */
function foldList(names: readonly string[]): string {
  let out = '';
  let line = 3; // " h="
  names.forEach((name, i) => {
    const piece = i === 0 ? name : `:${name}`;
    if (line + piece.length > 74) {
      out += ':\r\n ' + name;
      line = 1 + name.length;
    } else {
      out += piece;
      line += piece.length;
    }
  });
  return out;
}
