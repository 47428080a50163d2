import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ErrorCode, HeraldError } from '../errors';

/**
 * Where reports are read from: a Maildir, an mbox file, or standard input (one message, from a
 * Postfix pipe transport or a .forward). Each message is read up to one byte past the size limit,
 * so a huge one is recognised and skipped without being held in memory. Nothing here changes the
 * mailbox: reading it again finds the same messages, and the record makes that a no-op.
 */
export interface SourceMessage {
  /** Where it came from, for messages about it: a file, or mbox FILE:LINE. */
  readonly source: string;
  readonly raw: Buffer;
}

export async function* maildirMessages(dir: string, maxBytes: number): AsyncGenerator<SourceMessage> {
  const folders = ['new', 'cur'].map((f) => path.join(dir, f));
  if (!folders.some((f) => isDir(f))) {
    throw new HeraldError(ErrorCode.EUSAGE, `${dir} is not a Maildir (it has neither new/ nor cur/)`, {
      location: { file: dir },
      hint: 'Give the Maildir folder itself, the one that holds cur/, new/ and tmp/.',
    });
  }
  for (const folder of folders) {
    if (!isDir(folder)) continue;
    for (const name of fs.readdirSync(folder).sort()) {
      if (name.startsWith('.')) continue;
      const file = path.join(folder, name);
      yield { source: file, raw: readAtMost(file, maxBytes + 1) };
    }
  }
}

/** mboxrd/mboxo: messages start at "From " lines; a quoted ">From " is unquoted one level. */
export async function* mboxMessages(file: string, maxBytes: number): AsyncGenerator<SourceMessage> {
  let stream: fs.ReadStream;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    stream = fs.createReadStream(file, { encoding: 'latin1' });
  } catch (err) {
    throw new HeraldError(ErrorCode.EUSAGE, `cannot read the mbox file: ${(err as Error).message}`, { location: { file }, hint: 'Check the path given to --mbox.' });
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let chunks: string[] = [];
  let size = 0;
  let start = 0;
  let lineNo = 0;
  let started = false;
  const take = (): SourceMessage => {
    const raw = Buffer.from(chunks.join(''), 'latin1');
    chunks = [];
    size = 0;
    return { source: `${file}:${start}`, raw };
  };
  for await (const line of lines) {
    lineNo++;
    if (line.startsWith('From ')) {
      if (started) yield take();
      started = true;
      start = lineNo;
      continue;
    }
    if (!started) continue;
    if (size > maxBytes) continue;
    const text = `${/^>+From /.test(line) ? line.slice(1) : line}\r\n`;
    chunks.push(text);
    size += text.length;
  }
  if (started) yield take();
}

export async function stdinMessage(input: NodeJS.ReadableStream, maxBytes: number): Promise<SourceMessage> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    // the rest is still read, so the writer (Postfix) does not see a broken pipe
    if (size <= maxBytes) chunks.push(buf);
    size += buf.length;
  }
  return { source: 'standard input', raw: Buffer.concat(chunks).subarray(0, maxBytes + 1) };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readAtMost(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, fs.fstatSync(fd).size));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}
