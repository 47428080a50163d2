/**
 * A strict reader of a message's header section, for tests: RFC 5322 syntax (ASCII only, CRLF
 * line ends, lines of at most 998 octets, field names of printable ASCII without ":") and RFC 2047
 * encoded-words (well-formed, decoded the way the RFC says, never inside a quoted string).
 * Deliberately independent of nodemailer and mailparser, which are lenient by design.
 */

export interface Field {
  readonly name: string;
  /** Unfolded: the CRLFs before continuation lines removed. */
  readonly value: string;
}

export interface Mailbox {
  readonly name: string;
  readonly address: string;
}

/** Every field of the header section; throws with a reason on the first violation. */
export function readHeaderSection(raw: Buffer): Field[] {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no empty line ends the header section');
  const head = raw.subarray(0, end);
  for (let i = 0; i < head.length; i++) {
    const byte = head[i]!;
    if (byte >= 0x80) throw new Error(`a non-ASCII byte (0x${byte.toString(16)}) in the header section at ${i}: ${context(head, i)}`);
    if (byte === 0) throw new Error(`a NUL byte in the header section at ${i}: ${context(head, i)}`);
  }
  const lines = head.toString('latin1').split('\r\n');
  const fields: { name: string; value: string }[] = [];
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new Error(`a bare CR or LF in the header line ${JSON.stringify(line.slice(0, 120))}`);
    if (line.length > 998) throw new Error(`a header line of ${line.length} octets (more than 998): ${JSON.stringify(line.slice(0, 120))}…`);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) throw new Error(`a control character in the header line ${JSON.stringify(line.slice(0, 120))}`);
    if (/^[ \t]/.test(line)) {
      const last = fields[fields.length - 1];
      if (!last) throw new Error('the header section starts with a continuation line');
      if (!line.trim()) throw new Error(`a continuation line of whitespace only after ${last.name}`);
      last.value += line;
      continue;
    }
    const match = /^([\x21-\x39\x3b-\x7e]+):(.*)$/.exec(line);
    if (!match) throw new Error(`not a header field: ${JSON.stringify(line.slice(0, 120))}`);
    fields.push({ name: match[1]!, value: match[2]! });
  }
  return fields.map((f) => ({ name: f.name, value: f.value.trim() }));
}

function context(buf: Buffer, at: number): string {
  return JSON.stringify(buf.subarray(Math.max(0, at - 40), at + 40).toString('latin1'));
}

const ENCODED_WORD = /^=\?([A-Za-z0-9!#$%&'+^_`{}~-]+)(?:\*[A-Za-z0-9-]+)?\?([QqBb])\?([^?\s]*)\?=$/;
/** RFC 2047 section 5 (3): in a phrase, Q-encoded text may hold only these characters. */
const PHRASE_Q = /^(?:[A-Za-z0-9!*+/_-]|=[0-9A-F]{2})*$/;
const TEXT_Q = /^(?:[\x21-\x3c\x3e\x40-\x7e]|=[0-9A-F]{2})*$/;

interface Word {
  readonly charset: string;
  readonly bytes: Buffer;
}

/** One encoded-word, checked; undefined when the token is not meant as one. */
function encodedWord(token: string, inPhrase: boolean): Word | undefined {
  if (!token.startsWith('=?') || !token.endsWith('?=') || token.length < 8) return undefined;
  const match = ENCODED_WORD.exec(token);
  if (!match) throw new Error(`a malformed encoded-word: ${token}`);
  if (token.length > 75) throw new Error(`an encoded-word longer than 75 characters: ${token}`);
  const [, charset, kind, text] = match;
  let bytes: Buffer;
  if (kind!.toUpperCase() === 'B') {
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text!)) throw new Error(`bad base64 in ${token}`);
    bytes = Buffer.from(text!, 'base64');
  } else {
    if (!(inPhrase ? PHRASE_Q : TEXT_Q).test(text!)) throw new Error(`Q-encoded text with characters not allowed ${inPhrase ? 'in a phrase' : 'there'}: ${token}`);
    bytes = Buffer.from(text!.replace(/_/g, '=20').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  }
  return { charset: charset!.toLowerCase(), bytes };
}

function decodeBytes(words: readonly Word[]): string {
  const charset = words[0]!.charset;
  if (charset !== 'utf-8' && charset !== 'us-ascii') throw new Error(`an unexpected charset ${charset}`);
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(words.map((w) => w.bytes)));
}

/** Unstructured text (Subject): whitespace-separated tokens, adjacent encoded-words joined. */
export function decodeText(value: string): string {
  let out = '';
  let pending: Word[] = [];
  let gap = '';
  const flush = (): void => {
    if (pending.length) out += decodeBytes(pending);
    pending = [];
  };
  for (const token of value.split(/([ \t]+)/)) {
    if (/^[ \t]*$/.test(token)) {
      gap += token;
      continue;
    }
    const word = encodedWord(token, false);
    if (word && pending.length && pending[0]!.charset === word.charset) {
      pending.push(word); // the space between adjacent encoded-words is not part of the text
    } else {
      flush();
      out += gap;
      if (word) pending.push(word);
      else out += token;
    }
    gap = '';
  }
  flush();
  return out + gap;
}

/**
 * A phrase (a display name, the name in List-ID): atoms, dots, quoted strings and encoded-words,
 * nothing else. Returns the text it stands for.
 */
export function decodePhrase(value: string): string {
  const tokens = value.match(/"(?:[^"\\]|\\[\x20-\x7e\t])*"|[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|[ \t]+|[\s\S]/g) ?? [];
  const words: { text: string; encoded?: Word }[] = [];
  for (const token of tokens) {
    if (/^[ \t]+$/.test(token)) continue;
    if (token.startsWith('"')) {
      if (token.length < 2 || !token.endsWith('"')) throw new Error(`an unterminated quoted string in ${value}`);
      words.push({ text: token.slice(1, -1).replace(/\\(.)/g, '$1') });
    } else if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(token)) {
      const encoded = encodedWord(token, true);
      words.push(encoded ? { text: '', encoded } : { text: token });
    } else {
      throw new Error(`${JSON.stringify(token)} cannot appear in a phrase: ${value}`);
    }
  }
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.encoded) {
      const run = [word.encoded];
      while (words[i + 1]?.encoded?.charset === word.encoded.charset) run.push(words[++i]!.encoded!);
      out += (out ? ' ' : '') + decodeBytes(run);
    } else {
      out += (out ? ' ' : '') + word.text;
    }
  }
  return out;
}

const ADDR_SPEC = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

/** An address field that must hold exactly one mailbox: `addr-spec` or `phrase <addr-spec>`. */
export function readMailbox(value: string): Mailbox {
  if (ADDR_SPEC.test(value)) return { name: '', address: value };
  // the angle address is the last "<" outside quoted strings
  let inQuote = false;
  let open = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && inQuote) i++;
    else if (c === '"') inQuote = !inQuote;
    else if (c === '<' && !inQuote) {
      if (open >= 0) throw new Error(`more than one angle address in ${value}`);
      open = i;
    }
  }
  const close = value.indexOf('>', open);
  if (open < 0 || close !== value.length - 1) throw new Error(`not one mailbox: ${value}`);
  const address = value.slice(open + 1, close);
  if (!ADDR_SPEC.test(address)) throw new Error(`not an address: ${address} in ${value}`);
  const phrase = value.slice(0, open).trim();
  return { name: phrase ? decodePhrase(phrase) : '', address };
}
