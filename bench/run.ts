/**
 * herald's send path against the physical limit, in one run, on this machine:
 *
 *   ceiling   Postfix smtp-source → smtp-sink: the same message bytes, N messages, S sessions
 *   baseline  a nodemailer pooled-transport loop (what a user would write), same content
 *   herald    `herald send` through the built CLI, with its record, verified by the sink's counter
 *             and by `herald status --json`
 *   idle      `herald send` with nothing new, 1,000 posts and 10,000 subscribers (median wall)
 *   render    per-recipient cost of fillMessage and buildMessage, in µs
 *   html      the size of the HTML with the default template, and where its unsubscribe link starts
 *
 * Prints a table and writes BENCHMARKS.md beside the repository's README. Not part of the tests.
 * This file runs the phases in order, reports, and cleans up. The rest of bench/:
 *
 *   measure/  one file per measurement (and context.ts, what they share: the sink, the measuring
 *             window, the redo of a disturbed phase)
 *   child/    the programs measured in their own process: the probe, the nodemailer loop, render
 *   lib/      fixture, process running and timing, smtp-sink, the quiet-machine wait, tools, machine
 *   report/   BENCHMARKS.md: intro, section, targets, the rewrite that keeps the other sections
 *   herald/   api.ts, the one module that names herald's files (dist/cli.js and dist/ modules)
 * Usage: node bench/run.js --help   (bench/run.js compiles this to dist-bench/ and runs it)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heraldCli } from './herald/api';
import { errorMessage, say } from './lib/io';
import { buildCommit, heraldVersion, machineInfo } from './lib/machine';
import { freePort, killAll } from './lib/proc';
import { type Sink, startSink } from './lib/sink';
import { ensureTools, type Tools } from './lib/tools';
import { measureBaseline } from './measure/baseline';
import { measureCeiling } from './measure/ceiling';
import { BenchRun, recordFailure } from './measure/context';
import { measureHerald, measureHeraldCold } from './measure/herald-send';
import { measureHtml } from './measure/html';
import { measureIdle } from './measure/idle';
import { measureProfile } from './measure/profile';
import { measureRelays } from './measure/relays';
import { measureRender } from './measure/render';
import { prepareSendFolder } from './measure/send-folder';
import { type Options, parseArgs, sendsAnything, USAGE } from './options';
import { REPO } from './paths';
import { runSections, writeReport } from './report/write';
import type { Results, RunRecord } from './results';

/** The temporary folder of this run: removed on every way out unless --keep. */
const scratch: { dir?: string; keep: boolean } = { keep: false };

function cleanupSync(): void {
  killAll('SIGKILL');
  if (scratch.dir && !scratch.keep) {
    try {
      fs.rmSync(scratch.dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
    scratch.dir = undefined;
  }
}

/** How this run was started, for the report. */
function commandLine(): string {
  const argText = process.argv.slice(2).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${argText ? ` -- ${argText}` : ''}`;
  const script = process.argv[1] ? path.relative(REPO, process.argv[1]) : 'bench/run.js';
  return `node ${script}${argText ? ` ${argText}` : ''}`;
}

/** Every send phase in order; a phase that throws ends them as a setup failure, the rest is reported. */
async function measureSending(o: Options, tools: Tools, res: Results, tmp: string): Promise<void> {
  const logs = path.join(tmp, 'logs');
  let sink: Sink | undefined;
  try {
    const port = await freePort();
    sink = await startSink(tools.sink, port, path.join(logs, 'smtp-sink.log'));
    say(`smtp-sink listening on 127.0.0.1:${port} (pid ${sink.pid})`);
    const bench = new BenchRun(o, tools, tmp, port, sink, res);
    const folder = await prepareSendFolder(bench);
    res.firstRun = { wallMs: folder.firstRunMs };
    res.postBytes = folder.postBytes;
    res.messagePath = folder.messagePath;
    res.messageBytes = folder.messageBytes;
    if (!o.skipCeiling) res.ceiling = await measureCeiling(bench, folder);
    if (!o.skipBaseline) res.baseline = await measureBaseline(bench, folder);
    if (!o.skipHerald) {
      res.herald = await measureHerald(bench, folder);
      if (!o.skipCold) res.heraldCold = await measureHeraldCold(bench, folder);
      if (!o.skipRelays) res.relays = await measureRelays(bench, folder);
    }
    if (o.cpuProf) res.profile = await measureProfile(bench, folder);
    if (!o.skipRender) res.render = await measureRender(bench, folder);
    if (!o.skipIdle) res.idle = await measureIdle(bench);
  } catch (err) {
    recordFailure(res, 'setup', errorMessage(err));
  } finally {
    if (sink) await sink.stop();
  }
}

/** --from-json: a saved run, as --json wrote it. */
function savedRun(file: string): RunRecord {
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { options: Options; results: Results; machine: RunRecord['machine']; version: string; command: string; date: string };
  return { o: saved.options, res: saved.results, machine: saved.machine, version: saved.version, command: saved.command, date: saved.date };
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  let o = parsed.options;
  if (o.rewriteIntro) {
    writeReport(o.out);
    say(`rewrote the explanatory part of ${o.out}`);
    return 0;
  }
  if (o.fromJson) {
    const ctx = savedRun(o.fromJson);
    console.log(runSections(ctx).join('\n\n'));
    if (o.write) writeReport(o.out, ctx);
    return 0;
  }
  scratch.keep = o.keep;
  // the HTML size alone needs no SMTP tools
  const tools = sendsAnything(o) ? ensureTools() : undefined;
  const tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'herald-bench-'));
  scratch.dir = tmp;
  if (o.commit) {
    const built = buildCommit(REPO, o.commit, tmp);
    o = { ...o, herald: built.dir, commitLabel: built.label };
  }
  const cli = heraldCli(o.herald);
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run bench does)`);
  const machine = machineInfo(tmp);
  const version = o.label ?? o.commitLabel ?? heraldVersion(o.herald);
  const command = commandLine();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  say(`herald ${version}; ${machine.nproc} CPUs ${machine.cpu}; Node ${machine.node}; temporary folder ${tmp}`);

  const res: Results = { errors: [], loadStart: os.loadavg()[0] };
  fs.mkdirSync(path.join(tmp, 'logs'));
  if (tools) await measureSending(o, tools, res, tmp);
  // last: sizes, not times, so it need not wait for a quiet machine, and it disturbs no send phase
  if (!o.skipHtml) {
    try {
      res.html = await measureHtml(o, tmp, res);
    } catch (err) {
      recordFailure(res, 'html', errorMessage(err));
    }
  }
  res.loadEnd = os.loadavg()[0];

  const ctx: RunRecord = { o, res, machine, version, command, date };
  console.log('');
  console.log(runSections(ctx).join('\n\n'));
  console.log('');
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, machine, version, command, date, results: res }, null, 2));
  if (o.write) {
    writeReport(o.out, ctx);
    say(`wrote ${path.relative(process.cwd(), o.out) || o.out}`);
  }
  if (o.keep) say(`kept ${tmp}`);
  return res.errors.length ? 1 : 0;
}

process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping the children and removing the temporary folder`);
    cleanupSync();
    process.exit(130);
  });
}

main().then(
  (code) => {
    cleanupSync();
    process.exitCode = code;
  },
  (err: unknown) => {
    say(`error: ${errorMessage(err)}`);
    cleanupSync();
    process.exitCode = 2;
  },
);
