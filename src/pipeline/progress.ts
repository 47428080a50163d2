import type { Outcome } from '../deliver/outcome';
import type { Output } from '../output';

/**
 * Progress of a send: a bar on a terminal, structured `key=value` log lines otherwise (cron,
 * systemd, CI), nothing with --json. Never prints an address, only counts.
 */
export interface Progress {
  start(post: { readonly id: string; readonly title: string }, total: number): void;
  tick(kind: Outcome['kind']): void;
  end(): void;
}

interface Counts {
  sent: number;
  failed: number;
  deferred: number;
  in_doubt: number;
  retry: number;
  abort: number;
}

const LOG_EVERY_MS = 5000;

export function createProgress(io: Output, mode: 'tty' | 'log' | 'quiet'): Progress {
  if (mode === 'quiet') return { start: () => undefined, tick: () => undefined, end: () => undefined };
  return mode === 'tty' ? barProgress() : logProgress(io);
}

export function logLine(fields: Record<string, string | number | boolean | undefined>): string {
  return Object.entries({ time: new Date().toISOString(), ...fields })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

const COUNTER: Record<Outcome['kind'], keyof Counts> = { accepted: 'sent', failed: 'failed', deferred: 'deferred', in_doubt: 'in_doubt', retry: 'retry', abort: 'abort', unavailable: 'retry' };

function emptyCounts(): Counts {
  return { sent: 0, failed: 0, deferred: 0, in_doubt: 0, retry: 0, abort: 0 };
}

function logProgress(io: Output): Progress {
  let post = '';
  let total = 0;
  let counts = emptyCounts();
  let lastLog = 0;
  const emit = (event: string): void => {
    const done = counts.sent + counts.failed + counts.deferred + counts.in_doubt;
    io.err(logLine({ level: 'info', event, post, done, total, sent: counts.sent, failed: counts.failed, deferred: counts.deferred, in_doubt: counts.in_doubt, retried: counts.retry }));
    lastLog = Date.now();
  };
  return {
    start(p, t) {
      post = p.id;
      total = t;
      counts = emptyCounts();
      emit('post-start');
    },
    tick(kind) {
      counts[COUNTER[kind]]++;
      if (Date.now() - lastLog >= LOG_EVERY_MS) emit('progress');
    },
    end() {
      emit('post-end');
    },
  };
}

function barProgress(): Progress {
  // cli-progress is only needed on a terminal: loaded here, not at start-up
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  let bar: InstanceType<typeof SingleBar> | undefined;
  let counts = emptyCounts();
  return {
    start(p, total) {
      counts = emptyCounts();
      bar = new SingleBar(
        { format: `${p.title.slice(0, 40)} [{bar}] {value}/{total} | sent {sent} failed {failed} deferred {deferred} in doubt {in_doubt}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      bar.start(total, 0, counts);
    },
    tick(kind) {
      counts[COUNTER[kind]]++;
      if (kind === 'retry' || kind === 'abort' || kind === 'unavailable') bar?.update({ ...counts });
      else bar?.increment(1, { ...counts });
    },
    end() {
      bar?.stop();
      bar = undefined;
    },
  };
}
