/** The bench's command line: every flag, its default, and the --help text that lists them. */
import path from 'node:path';
import { REPO } from './paths';

export const USAGE = `usage: node bench/run.js [options]      (or: npm run bench -- [options])

  --subscribers N       subscribers, and messages per measured send (default 10000)
  --sessions S          SMTP sessions: smtp-source -s, nodemailer maxConnections, herald smtp.connections (default 8)
  --skip-ceiling        do not run smtp-source
  --skip-baseline       do not run the nodemailer loop
  --skip-herald         do not run herald send
  --skip-cold           do not run herald send once more with an empty code cache
  --skip-relays         do not send through two smtp-sinks at once (two smtp-sources, herald with two relays)
  --skip-idle           do not time the idle herald send
  --skip-render         do not time per-recipient rendering
  --skip-html           do not measure the size of the HTML (default template)
  --only-html           measure only the size of the HTML: no SMTP tools, no sink, no send section
                        in the report (npm run bench:html)
  --cpu-prof            also run herald send once more under node --cpu-prof and summarise self time
  --idle-posts N        posts in the idle folder (default 1000)
  --idle-subscribers N  subscribers in the idle folder (default 10000)
  --idle-runs N         idle runs to take the median of (default 7)
  --render-recipients N recipients in the render measurement (default 10000)
  --timeout SECONDS     limit for each send phase (default 120 + 0.02 × N)
  --quiet-wait SECONDS  before each phase, wait up to this long for other processes to use less
                        than --quiet-below % of the machine's CPU (default 60; 0: do not wait)
  --quiet-below PCT     (default 10)
  --redo N              measure a send phase again, up to N times, when other processes used more
                        than --quiet-below % of the CPU during it; the least disturbed run counts
                        (default 1)
  --herald DIR          the herald checkout to measure (default: this repository; needs dist/ built)
  --commit REV          measure a commit instead of the working tree: git archive REV into the
                        temporary folder, build it there with tsc (node_modules: this repository's)
  --label TEXT          what is measured, for the report (default: the git commit of --herald)
  --out FILE            the report to write (default BENCHMARKS.md in this repository)
  --no-write            print only; do not touch the report
  --json FILE           also write every raw figure as JSON
  --keep                keep the temporary folder (its path is printed)
  --rewrite-intro       only rewrite the report's explanatory part, keeping its results; run nothing
  --from-json FILE      run nothing: print and write the report section of a run saved with --json
  --help`;

/** The options of a run; saved as they are in --json files (and read back by --from-json). */
export interface Options {
  readonly subscribers: number;
  readonly sessions: number;
  readonly skipCeiling: boolean;
  readonly skipBaseline: boolean;
  readonly skipHerald: boolean;
  readonly skipCold: boolean;
  readonly skipRelays: boolean;
  readonly skipIdle: boolean;
  readonly skipRender: boolean;
  readonly skipHtml?: boolean;
  readonly cpuProf: boolean;
  readonly idlePosts: number;
  readonly idleSubscribers: number;
  readonly idleRuns: number;
  readonly renderRecipients: number;
  readonly timeout?: number;
  readonly quietWait: number;
  readonly quietBelow: number;
  readonly redo: number;
  /** The herald checkout measured (with --commit: the clean build in the temporary folder). */
  readonly herald: string;
  readonly commit?: string;
  /** What --commit built, for the report. */
  readonly commitLabel?: string;
  readonly label?: string;
  readonly out: string;
  readonly write: boolean;
  readonly json?: string;
  readonly keep: boolean;
  readonly rewriteIntro?: boolean;
  readonly fromJson?: string;
}

/** The flags that say which send phases a run measures (a run with none of them needs no sink). */
export type SendPhases = Pick<Options, 'skipCeiling' | 'skipBaseline' | 'skipHerald' | 'skipRender' | 'skipIdle' | 'cpuProf'>;

/** Whether a run measures anything that sends or renders per recipient: the report's send section. */
export function sendsAnything(o: SendPhases): boolean {
  return !(o.skipCeiling && o.skipBaseline && o.skipHerald && o.skipRender && o.skipIdle) || o.cpuProf;
}

export type Parsed = { readonly help: true } | { readonly help: false; readonly options: Options };

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${v}"`);
  return n;
}

/** Reads the flags; throws with the usage on an unknown one. */
export function parseArgs(argv: readonly string[]): Parsed {
  const o: { -readonly [K in keyof Options]: Options[K] } = {
    subscribers: 10_000, sessions: 8, skipCeiling: false, skipBaseline: false, skipHerald: false, skipCold: false, skipRelays: false, skipIdle: false, skipRender: false, skipHtml: false,
    cpuProf: false, idlePosts: 1000, idleSubscribers: 10_000, idleRuns: 7, renderRecipients: 10_000, timeout: undefined,
    quietWait: 60, quietBelow: 10, redo: 1, herald: REPO, label: undefined, out: path.join(REPO, 'BENCHMARKS.md'), write: true, json: undefined, keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--subscribers': o.subscribers = int(a, val(), 1); break;
      case '--sessions': o.sessions = int(a, val(), 1); break;
      case '--skip-ceiling': o.skipCeiling = true; break;
      case '--skip-baseline': case '--skip-naive': o.skipBaseline = true; break;
      case '--skip-herald': o.skipHerald = true; break;
      case '--skip-cold': o.skipCold = true; break;
      case '--skip-relays': o.skipRelays = true; break;
      case '--skip-idle': o.skipIdle = true; break;
      case '--skip-render': o.skipRender = true; break;
      case '--skip-html': o.skipHtml = true; break;
      case '--only-html': o.skipCeiling = o.skipBaseline = o.skipHerald = o.skipRender = o.skipIdle = true; break;
      case '--cpu-prof': o.cpuProf = true; break;
      case '--idle-posts': o.idlePosts = int(a, val(), 1); break;
      case '--idle-subscribers': o.idleSubscribers = int(a, val(), 1); break;
      case '--idle-runs': o.idleRuns = int(a, val(), 1); break;
      case '--render-recipients': o.renderRecipients = int(a, val(), 1); break;
      case '--timeout': o.timeout = int(a, val(), 1); break;
      case '--quiet-wait': o.quietWait = int(a, val(), 0); break;
      case '--quiet-below': o.quietBelow = int(a, val(), 1); break;
      case '--redo': o.redo = int(a, val(), 0); break;
      case '--herald': o.herald = path.resolve(val()); break;
      case '--commit': o.commit = val(); break;
      case '--label': o.label = val(); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--no-write': o.write = false; break;
      case '--json': o.json = path.resolve(val()); break;
      case '--keep': o.keep = true; break;
      case '--rewrite-intro': o.rewriteIntro = true; break;
      case '--from-json': o.fromJson = path.resolve(val()); break;
      case '--help': case '-h': return { help: true };
      default: throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  if (o.skipHtml && !sendsAnything(o)) throw new Error('--skip-html: every other phase is skipped too; nothing would be measured');
  if (o.sessions > 50) throw new Error('--sessions: herald allows at most 50 connections');
  if (o.commit && o.herald !== REPO) throw new Error('--commit and --herald exclude each other');
  return { help: false, options: o };
}
