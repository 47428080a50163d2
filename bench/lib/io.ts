import fs from 'node:fs';

/** A JSON file written by a child or by herald, or undefined when it is missing or unreadable. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A progress line on stderr; the report goes to stdout. */
export function say(...parts: string[]): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
