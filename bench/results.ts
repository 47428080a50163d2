/**
 * The figures a run collects, phase by phase: saved as they are with --json, read back by
 * --from-json, and turned into BENCHMARKS.md's section by report/. Plain data only.
 */
import type { Options, SendPhases } from './options';

/** The machine a run measured on, as the report describes it. */
export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly memGiB: number;
  readonly node: string;
  readonly os: string;
  readonly tmpFs: string;
  readonly postfix: string;
  readonly fsyncMs: number;
}

/** What the probe writes at the child's exit. */
export interface ProbeRecord {
  readonly code: number;
  readonly startedAt: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly userMs: number;
  readonly sysMs: number;
  readonly maxRssKb: number;
  readonly smtpConnections: number;
  /** Client → server bytes over all SMTP connections: the messages plus the SMTP commands. */
  readonly smtpBytesWritten: number;
  readonly sendPhase: { readonly startMs: number; readonly wallMs: number; readonly cpuMs: number } | null;
}

/** msg/s, CPU and memory of one measured child (see measure/figures.ts). */
export interface Figures {
  readonly messages: number;
  readonly delivered: number;
  readonly wallMs: number;
  readonly sendPhaseMs?: number;
  readonly msgPerSec?: number;
  readonly endToEndMsgPerSec: number;
  readonly cpuMs?: number;
  readonly cpuMsPerMsg?: number;
  readonly sendPhaseCpuMsPerMsg?: number;
  readonly probeCpuMs?: number;
  readonly startupWallMs?: number;
  readonly startupCpuMs?: number;
  readonly maxRssMb?: number;
  readonly sinkCpuMsPerMsg?: number;
  readonly connections?: number;
  readonly clientBytesPerMsg?: number;
  readonly otherShare?: number;
  readonly timedOut: boolean;
  readonly code: number | null;
}

/** One send phase's row: the figures, the message size it moved, and every attempt's disturbance. */
export interface SendFigures extends Figures {
  readonly bytes?: number;
  /** Other processes' share of the CPU in each attempt (see --redo). */
  attempts?: readonly (number | undefined)[];
  /** smtp-source's command line (the ceiling). */
  readonly command?: string;
  /** What the nodemailer loop reported of itself (the baseline). */
  readonly own?: NaiveOutcome;
  /** `herald status --json`'s counts for the post (herald's rows). */
  readonly status?: StatusCounts;
  readonly exitCode?: number | null;
  /** Messages each sink counted, with two relays at once (measure/relays.ts). */
  readonly perSink?: readonly number[];
}

/** What child/naive.ts writes when it is done. */
export interface NaiveOutcome {
  readonly subscribers: number;
  readonly sent: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly sampleWireBytes: number;
  readonly prepMs: number;
  readonly loopMs: number;
}

/** A post's counts from `herald status --json`, or why they could not be read. */
export type StatusCounts = { readonly sent?: number; readonly error?: string } & Readonly<Record<string, unknown>>;

/** What child/render.ts writes in render mode (per-recipient costs in µs). */
export interface RenderFigures {
  readonly recipients: number;
  readonly renderPostColdMs: number;
  readonly renderPostWarmMs: number;
  readonly fillUsCold: number;
  readonly fillUsWarm: number;
  readonly buildUsCold: number;
  readonly buildUsWarm: number;
  /** The send loop's own path, where the build has it. */
  readonly compose?: { readonly compileMs: number; readonly personaliseUsCold: number; readonly personaliseUsWarm: number };
  readonly htmlBytes: number;
  readonly textBytes: number;
  readonly checksum: number;
}

export interface IdleFigures {
  readonly posts: number;
  readonly subscribers: number;
  readonly runs: number;
  readonly firstRunMs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly medianCpuMs?: number;
  readonly medianRssMb?: number;
  readonly otherShare?: number;
}

export interface ProfileRow {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

export interface ProfileFunction extends ProfileRow {
  readonly where: string;
  readonly pkg: string;
  readonly us: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  readonly functions: readonly ProfileFunction[];
  readonly packages: readonly ProfileRow[];
}

export interface ProfileFigures extends ProfileSummary {
  readonly processCpuMs?: number;
  readonly messages: number;
}

/** One post of the HTML-size phase, as child/html-size.ts measured it. */
export interface HtmlSizeRow {
  readonly post: string;
  /** The HTML part's UTF-8 bytes (Gmail hides what comes after ~102 KB). */
  readonly htmlBytes: number;
  /** The byte at which the unsubscribe link's href starts; -1 when it is missing. */
  readonly unsubscribeAt: number;
  /** herald cut the post before its footer, with a link to the rest on the site. */
  readonly cut: boolean;
}

/** The HTML-size phase (measure/html.ts): one row per post, with what the report says of it. */
export interface HtmlSize extends HtmlSizeRow {
  readonly label: string;
  readonly markdownBytes: number;
}

/** Two relays at once (measure/relays.ts): two smtp-sources, one per sink, and herald through both. */
export interface RelayFigures {
  readonly source?: SendFigures;
  readonly herald?: SendFigures;
}

export interface Results {
  readonly errors: string[];
  /** Phases that started although other processes kept the machine busy. */
  notQuiet?: number;
  loadStart?: number;
  loadEnd?: number;
  firstRun?: { readonly wallMs: number };
  postBytes?: number;
  messagePath?: string;
  messageBytes?: number;
  ceiling?: SendFigures;
  baseline?: SendFigures;
  herald?: SendFigures;
  heraldCold?: SendFigures;
  relays?: RelayFigures;
  profile?: ProfileFigures;
  render?: RenderFigures & { readonly otherShare?: number };
  idle?: IdleFigures;
  html?: readonly HtmlSize[];
}

/** Everything a report section is made of; what --json saves (as options/results). */
export interface RunRecord {
  readonly o: Pick<Options, 'subscribers' | 'sessions' | 'idlePosts' | 'idleSubscribers'> & SendPhases;
  readonly res: Results;
  readonly machine: Machine;
  readonly version: string;
  readonly command: string;
  readonly date: string;
}
