/**
 * A message in the form the SMTP DATA phase carries it (RFC 5321 §4.5.2): every line ending is
 * CRLF, a line that starts with a dot gets a second one, and the data ends with "." on a line of
 * its own. nodemailer does this in a stream that looks at every byte of every message in
 * JavaScript; herald does it once per shared piece of a post's message instead, and only the few
 * bytes that belong to one recipient are encoded per recipient.
 *
 * The rules are exactly those of nodemailer's DataStream (a bare CR or bare LF becomes CRLF, and
 * a dot after a bare CR is stuffed too), so both paths put the same bytes on the wire.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** What ends the data after a message that ends with a line break. */
export const DATA_END = Buffer.from('.\r\n');

/**
 * The bytes of `text`, which starts at the beginning of a line, in DATA form. Returns `text`
 * itself when nothing needs to change, which is the usual case, found with native searches
 * rather than a loop over every byte.
 */
export function encodeData(text: Buffer): Buffer {
  if (!text.length) return text;
  // a recipient's own pieces are small: one pass of a regular expression costs less than the
  // dozens of native calls the search below makes for a piece of a few lines
  if (text.length < SMALL_PIECE) return NEEDS_ENCODING.test(text.toString('latin1')) ? encodeEachByte(text) : text;
  if (text[0] !== DOT && text.indexOf('\n.') < 0 && lineEndsAreCrlf(text)) return text;
  return encodeEachByte(text);
}

const SMALL_PIECE = 1024;
/** A dot that starts a line, a CR without its LF, an LF without its CR. */
const NEEDS_ENCODING = /^\.|\n\.|\r(?!\n)|(?<!\r)\n/;

/** True when every LF follows a CR and every CR precedes an LF. */
function lineEndsAreCrlf(text: Buffer): boolean {
  let lf = 0;
  for (let i = text.indexOf(LF); i >= 0; i = text.indexOf(LF, i + 1)) {
    if (i === 0 || text[i - 1] !== CR) return false;
    lf++;
  }
  // every LF has its own CR before it, so as many CRs as LFs means no CR is left over
  let cr = 0;
  for (let i = text.indexOf(CR); i >= 0; i = text.indexOf(CR, i + 1)) cr++;
  return cr === lf;
}

function encodeEachByte(text: Buffer): Buffer {
  const out = Buffer.allocUnsafe(text.length * 2 + 2);
  let o = 0;
  let prev = LF; // the text starts a line
  for (let i = 0; i < text.length; i++) {
    const byte = text[i]!;
    if (prev === CR && byte !== LF) out[o++] = LF;
    else if (byte === LF && prev !== CR) out[o++] = CR;
    if (byte === DOT && (prev === LF || prev === CR)) out[o++] = DOT;
    out[o++] = byte;
    prev = byte;
  }
  if (prev === CR) out[o++] = LF;
  return out.subarray(0, o);
}

/**
 * A whole message, given as pieces, in DATA form with its end marker. A piece that ends with a
 * line break is encoded on its own and, when large or changed by encoding, remembered in `cache`:
 * the pieces shared by every recipient of a post are then encoded once, whatever the number of
 * recipients, while a recipient's own small pieces, which rarely change, are simply checked again
 * (cheaper than remembering them).
 */
export function encodeMessageData(pieces: readonly Buffer[], cache: WeakMap<Buffer, Buffer>): Buffer[] {
  const out: Buffer[] = [];
  for (const piece of pieces) {
    if (!piece.length) continue;
    if (piece[piece.length - 1] !== LF) {
      // a piece that does not end a line would make the next one's encoding depend on it
      const whole = encodeData(Buffer.concat(pieces));
      return [whole, whole.length && whole[whole.length - 1] === LF ? DATA_END : CRLF_DATA_END];
    }
    let encoded = cache.get(piece);
    if (!encoded) {
      encoded = encodeData(piece);
      // Remembered when large (shared by every recipient) or changed by encoding: a small shared
      // piece that starts with a dot, which would otherwise be copied for every recipient, while
      // a recipient's own pieces almost never need it (and an entry goes with its piece). A
      // message in one piece (DKIM-signed, a test send) is one recipient's own: not shared.
      if (pieces.length > 1 && (piece.length >= CACHE_FROM_BYTES || encoded !== piece)) cache.set(piece, encoded);
    }
    out.push(encoded);
  }
  out.push(out.length ? DATA_END : CRLF_DATA_END);
  return out;
}

const CACHE_FROM_BYTES = 2048;
const CRLF_DATA_END = Buffer.from('\r\n.\r\n');
