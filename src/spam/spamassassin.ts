import { spawn } from 'node:child_process';
import { ErrorCode, HeraldError } from '../errors';

export interface SpamRule {
  readonly name: string;
  readonly score: number;
  readonly description: string;
}

export interface SpamReport {
  readonly score: number;
  /** The score at which SpamAssassin calls a message spam (5.0 by default). */
  readonly required: number;
  readonly rules: SpamRule[];
}

export const SPAMASSASSIN_UNAVAILABLE = 'SpamAssassin is not installed; how to get it: apt-get install spamassassin';

export interface SpamCheckOptions {
  /** The spamassassin executable (default: HERALD_SPAMASSASSIN, else `spamassassin` on the PATH). */
  readonly command?: string;
  /** Default 120 000 ms: the first run on a machine compiles the rule set. */
  readonly timeoutMs?: number;
}

/**
 * Scores a complete message (the bytes that would be sent) with SpamAssassin's local tests only:
 * no DNS blocklists, no Razor/Pyzor, nothing leaves the machine (`spamassassin -t -L`). User
 * preferences are not read, so the score is the shipped rule set's, the same on every machine.
 */
export async function spamCheck(raw: Buffer, opts: SpamCheckOptions = {}): Promise<SpamReport | { unavailable: string }> {
  const command = opts.command ?? (process.env.HERALD_SPAMASSASSIN?.trim() || 'spamassassin');
  const args = ['--test-mode', '--local', '--nocreate-prefs', '--prefspath=/dev/null'];
  let result: { code: number | null; stdout: string; stderr: string };
  try {
    result = await run(command, args, raw, opts.timeoutMs ?? 120_000);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { unavailable: SPAMASSASSIN_UNAVAILABLE };
    throw err;
  }
  const report = parseSpamAssassinReport(result.stdout);
  if (!report) {
    const why = result.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${result.code}`;
    throw new HeraldError(ErrorCode.ESYSTEM, `spamassassin gave no report (${why})`, { hint: 'Run spamassassin --lint to see what is wrong with its installation.' });
  }
  return report;
}

function run(command: string, args: string[], input: Buffer, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HeraldError(ErrorCode.ESYSTEM, `spamassassin did not finish within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    // a spamassassin that exits early (bad option) closes stdin; that is reported by 'close'
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const STATUS = /^X-Spam-Status:\s*(Yes|No),\s*score=(-?[\d.]+)\s+required=(-?[\d.]+)(?:\s+tests=([\s\S]*?))?(?:\s+autolearn=|\s+version=|$)/im;
const DETAILS = /^Content analysis details:\s+\((-?[\d.]+) points, (-?[\d.]+) required\)\s*$/gm;
const RULE_LINE = /^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$/;

/**
 * Reads the score and the rules that fired from `spamassassin -t` output. The X-Spam-Status header
 * (in the first header block, so a post's own text cannot forge it) is authoritative for the score
 * and the rule names; the "Content analysis details" table supplies each rule's points and description.
 */
export function parseSpamAssassinReport(output: string): SpamReport | undefined {
  const headerEnd = output.search(/\r?\n\r?\n/);
  const headers = (headerEnd === -1 ? output : output.slice(0, headerEnd)).replace(/\r?\n[ \t]+/g, ' ');
  const status = STATUS.exec(headers);
  const tables = parseTables(output);
  if (!status) {
    // no header (e.g. a future version's output): the last table is the report herald appended to
    const table = tables[tables.length - 1];
    return table ? { score: table.score, required: table.required, rules: table.rules } : undefined;
  }
  const score = Number(status[2]);
  const required = Number(status[3]);
  const names = (status[4] ?? '').split(',').map((t) => t.trim()).filter((t) => t && t !== 'none');
  const table = [...tables].reverse().find((t) => names.every((n) => t.rules.some((r) => r.name === n))) ?? tables[tables.length - 1];
  const rules = names.map((name) => table?.rules.find((r) => r.name === name) ?? { name, score: 0, description: '' });
  return { score, required, rules };
}

function parseTables(output: string): SpamReport[] {
  const lines = output.split(/\r?\n/);
  const tables: SpamReport[] = [];
  for (const match of output.matchAll(DETAILS)) {
    const startLine = output.slice(0, match.index).split(/\r?\n/).length - 1;
    const rules: SpamRule[] = [];
    let i = startLine + 1;
    while (i < lines.length && !/^-{3,}\s+-{3,}/.test(lines[i]!)) i++;
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line.trim()) break;
      const rule = RULE_LINE.exec(line);
      if (rule && /^\s*-?\d/.test(line) && !/^\s{6,}/.test(line)) {
        rules.push({ name: rule[2]!, score: Number(rule[1]), description: rule[3]!.trim() });
      } else if (rules.length) {
        const last = rules[rules.length - 1]!;
        rules[rules.length - 1] = { ...last, description: `${last.description} ${line.trim()}`.trim() };
      }
    }
    tables.push({ score: Number(match[1]), required: Number(match[2]), rules });
  }
  return tables;
}
