import fs from 'node:fs';
import path from 'node:path';

/** The report samples in test/fixtures/bounces, each written to the shape its server sends. */
export const SAMPLES_DIR = path.resolve(__dirname, '../fixtures/bounces');

export interface SampleValues {
  readonly RECIPIENT: string;
  readonly MESSAGE_ID: string;
  readonly RETURN_PATH: string;
  readonly SUBJECT?: string;
}

/** A sample with the delivery it is about filled in, CRLF line endings as on the wire. */
export function sample(name: string, values: SampleValues): Buffer {
  const text = fs.readFileSync(path.join(SAMPLES_DIR, `${name}.eml`), 'utf8');
  const filled = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => (values as unknown as Record<string, string>)[key] ?? 'A post');
  return Buffer.from(filled.replace(/\r?\n/g, '\r\n'), 'utf8');
}
