#!/usr/bin/env node
'use strict';
/**
 * herald's send path against the physical limit, in one run, on this machine:
 *
 *   ceiling   Postfix smtp-source → smtp-sink: the same message bytes, N messages, S sessions
 *   baseline  a nodemailer pooled-transport loop (what a user would write), same content
 *   herald    `herald send` through the built CLI, with its record, verified by the sink's counter
 *             and by `herald status --json`
 *   idle      `herald send` with nothing new, 1,000 posts and 10,000 subscribers (median wall)
 *   render    per-recipient cost of fillMessage and buildMessage, in µs
 *
 * Prints a table and writes BENCHMARKS.md beside the repository's README. Not part of the tests.
 * Usage: node bench/run.js --help
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const fixture = require('./fixture');
const proc = require('./proc');
const { summarise: summariseProfile } = require('./cpuprofile');

const BENCH = __dirname;
const REPO = path.resolve(BENCH, '..');

const USAGE = `usage: node bench/run.js [options]      (or: npm run bench -- [options])

  --subscribers N       subscribers, and messages per measured send (default 10000)
  --sessions S          SMTP sessions: smtp-source -s, nodemailer maxConnections, herald smtp.connections (default 8)
  --skip-ceiling        do not run smtp-source
  --skip-baseline       do not run the nodemailer loop
  --skip-herald         do not run herald send
  --skip-cold           do not run herald send once more with an empty code cache
  --skip-idle           do not time the idle herald send
  --skip-render         do not time per-recipient rendering
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

const TARGETS = {
  ratio: 0.4,
  cpuMsPerMsg: 0.2,
  renderUs: 20,
  idleMs: 300,
  rssMb: 200,
  rssSubscribers: 100_000,
};

function parseArgs(argv) {
  const o = {
    subscribers: 10_000, sessions: 8, skipCeiling: false, skipBaseline: false, skipHerald: false, skipCold: false, skipIdle: false, skipRender: false,
    cpuProf: false, idlePosts: 1000, idleSubscribers: 10_000, idleRuns: 7, renderRecipients: 10_000, timeout: undefined,
    quietWait: 60, quietBelow: 10, redo: 1, herald: REPO, label: undefined, out: path.join(REPO, 'BENCHMARKS.md'), write: true, json: undefined, keep: false,
  };
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
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
      case '--skip-idle': o.skipIdle = true; break;
      case '--skip-render': o.skipRender = true; break;
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
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  if (o.sessions > 50) throw new Error('--sessions: herald allows at most 50 connections');
  if (o.commit && o.herald !== REPO) throw new Error('--commit and --herald exclude each other');
  return o;
}

// ---------------------------------------------------------------------------------------------
// tools

function say(...parts) {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}`);
}

function postfixRunning() {
  const postfix = proc.which('postfix', ['/usr/sbin']);
  return postfix ? proc.sh(postfix, ['status']).code === 0 : false;
}

function stopPostfixDaemon() {
  if (!postfixRunning()) return;
  say('a Postfix mail daemon is running after the install: stopping it');
  proc.sh(proc.which('postfix', ['/usr/sbin']), ['stop']);
  proc.sh('service', ['postfix', 'stop']);
  if (postfixRunning()) throw new Error('could not stop the Postfix daemon the install started; stop it with `postfix stop`');
}

function aptInstall(packages) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${packages.join(', ')} missing; install as root: apt-get install -y ${packages.join(' ')}`);
  }
  say(`installing ${packages.join(', ')} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = proc.sh('apt-get', ['update'], { env });
  if (update.code !== 0) throw new Error(`apt-get update failed:\n${update.out.slice(-2000)}`);
  const install = proc.sh('apt-get', ['install', '-y', ...packages], { env });
  if (install.code !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed:\n${install.out.slice(-2000)}`);
}

function ensureTools() {
  const dirs = ['/usr/sbin', '/usr/lib/postfix/sbin'];
  let sink = proc.which('smtp-sink', dirs);
  let source = proc.which('smtp-source', dirs);
  if (!sink || !source) {
    const wasRunning = postfixRunning();
    aptInstall(['postfix']);
    if (!wasRunning) stopPostfixDaemon();
    sink = proc.which('smtp-sink', dirs);
    source = proc.which('smtp-source', dirs);
    if (!sink || !source) throw new Error('postfix is installed but smtp-sink/smtp-source are not found');
  }
  if (!fs.existsSync(proc.TIME)) aptInstall(['time']);
  return { sink, source };
}

// ---------------------------------------------------------------------------------------------
// machine and version

function machineInfo(tmp) {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  const osRelease = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(safeRead('/etc/os-release'))?.[1] ?? os.type();
  const fsType = proc.sh('findmnt', ['-n', '-o', 'FSTYPE', '-T', tmp]).out || proc.sh('stat', ['-f', '-c', '%T', tmp]).out || 'unknown';
  const nproc = proc.sh('nproc', []).out || String(os.cpus().length);
  return {
    nproc: Number(nproc),
    cpu: mhz ? `${model} (${Math.round(Number(mhz))} MHz)` : model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${osRelease}, Linux ${os.release()}`,
    tmpFs: `${os.tmpdir()} (${fsType})`,
    postfix: proc.sh('dpkg-query', ['-W', '-f', '${Version}', 'postfix']).out || 'unknown',
    fsyncMs: fsyncLatency(tmp),
  };
}

/** Median time of a 4 KB append + fsync in the temporary folder: what each durable SQLite commit waits for at least. */
function fsyncLatency(dir, count = 50) {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const times = [];
  try {
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      fs.writeSync(fd, block);
      fs.fsyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return median(times);
}

function safeRead(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A clean build of one commit, independent of whatever the working tree holds right now. */
function buildCommit(rev, tmp) {
  const dir = path.join(tmp, 'herald');
  fs.mkdirSync(dir);
  const full = proc.sh('git', ['-C', REPO, 'rev-parse', '--verify', `${rev}^{commit}`]);
  if (full.code !== 0) throw new Error(`--commit ${rev}: not a commit (${full.out})`);
  say(`building commit ${full.out.slice(0, 12)} in ${dir}`);
  const archive = proc.sh('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', REPO, full.out, dir]);
  if (archive.code !== 0) throw new Error(`git archive ${rev} failed: ${archive.out}`);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = proc.sh(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir });
  if (tsc.code !== 0) throw new Error(`commit ${rev} does not build:\n${tsc.out.slice(-3000)}`);
  const lockSame = proc.sh('git', ['-C', REPO, 'diff', '--quiet', full.out, '--', 'package-lock.json']).code === 0;
  return { dir, label: `commit ${full.out.slice(0, 7)} (git archive, built clean${lockSame ? '' : '; node_modules from the working tree, whose package-lock.json differs'})` };
}

function heraldVersion(o) {
  if (o.label) return o.label;
  if (o.commitLabel) return o.commitLabel;
  const rev = proc.sh('git', ['-C', o.herald, 'rev-parse', '--short', 'HEAD']);
  if (rev.code !== 0) return `${o.herald} (not a git checkout)`;
  const dirty = proc.sh('git', ['-C', o.herald, 'status', '--porcelain', '--', 'src', 'templates', 'package.json', 'package-lock.json']).out;
  const n = dirty ? dirty.split('\n').length : 0;
  return `commit ${rev.out}${n ? ` + ${n} uncommitted change${n === 1 ? '' : 's'} in src/, templates/ or package files` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// the measurements

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

class Bench {
  constructor(o, tools, tmp) {
    this.o = o;
    this.tools = tools;
    this.tmp = tmp;
    this.logs = path.join(tmp, 'logs');
    fs.mkdirSync(this.logs);
    this.results = { errors: [] };
    this.cli = path.join(o.herald, 'dist', 'cli.js');
  }

  env(extra = {}) {
    // herald's code cache (see the README): the bench's own, not the user's
    const env = { ...process.env, HERALD_SMTP_URL: `smtp://127.0.0.1:${this.port}`, HERALD_SECRET: 'bench', HERALD_CODE_CACHE: path.join(this.tmp, 'code-cache'), ...extra };
    for (const k of ['HERALD_FROM', 'HERALD_PUBLIC_URL', 'HERALD_SECRET_PREVIOUS', 'HERALD_DKIM_KEY_FILE', 'NODE_OPTIONS']) delete env[k];
    return env;
  }

  sendTimeoutMs() {
    return (this.o.timeout ?? 120 + 0.02 * this.o.subscribers) * 1000;
  }

  fail(phase, message, result) {
    const detail = result?.log ? `\n--- last lines of ${path.basename(result.log)} ---\n${proc.tail(result.log)}` : '';
    const why = result?.timedOut ? ` (timed out after ${(result.wallMs / 1000).toFixed(0)} s)` : '';
    this.results.errors.push(`${phase}: ${message}${why}`);
    say(`FAILED ${phase}: ${message}${why}${detail}`);
  }

  /**
   * Waits (up to --quiet-wait seconds) until other processes use less than --quiet-below % of the
   * machine's CPU over a second, so a phase does not start in the middle of someone's test suite.
   * The phase still reports how much CPU others used while it ran.
   */
  async waitQuiet() {
    if (this.o.quietWait <= 0) return;
    const until = Date.now() + this.o.quietWait * 1000;
    let waited = false;
    for (;;) {
      const m0 = proc.machineCpu();
      const s0 = this.sink ? this.sink.cpuMs() : 0;
      const self0 = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 1000));
      const m1 = proc.machineCpu();
      const self = process.cpuUsage(self0);
      const other = m1.busyMs - m0.busyMs - (this.sink ? this.sink.cpuMs() - s0 : 0) - (self.user + self.system) / 1000;
      const pct = (100 * other) / Math.max(1, m1.totalMs - m0.totalMs);
      if (!(pct >= this.o.quietBelow)) {
        if (waited) say(`machine quiet enough (${pct.toFixed(0)}% used by other processes)`);
        return;
      }
      if (Date.now() >= until) {
        say(`other processes still use ${pct.toFixed(0)}% of the CPU; measuring anyway (see "other processes' CPU")`);
        this.results.notQuiet = (this.results.notQuiet ?? 0) + 1;
        return;
      }
      if (!waited) say(`other processes use ${pct.toFixed(0)}% of the CPU: waiting up to ${this.o.quietWait} s for a quieter moment`);
      waited = true;
    }
  }

  async start() {
    this.port = await proc.freePort();
    this.sink = await proc.startSink(this.tools.sink, this.port, path.join(this.logs, 'smtp-sink.log'));
    say(`smtp-sink listening on 127.0.0.1:${this.port} (pid ${this.sink.pid})`);
  }

  /**
   * Runs `fn` between two readings of the sink's message counter and CPU time, and of the whole
   * machine's CPU time: what neither the measured child, the sink nor this process used was used
   * by other processes (on a shared machine, the measurement's competition).
   */
  async withSink(fn) {
    await this.waitQuiet();
    const before = await this.sink.settle(150);
    const cpu0 = this.sink.cpuMs();
    const m0 = proc.machineCpu();
    const self0 = process.cpuUsage();
    const result = await fn();
    const m1 = proc.machineCpu();
    const self = process.cpuUsage(self0);
    const sinkCpuMs = this.sink.cpuMs() - cpu0;
    const after = await this.sink.settle();
    const childCpuMs = result.time?.cpuMs ?? 0;
    const otherMs = m1.busyMs - m0.busyMs - childCpuMs - sinkCpuMs - (self.user + self.system) / 1000;
    const otherShare = m1.totalMs > m0.totalMs ? Math.max(0, otherMs) / (m1.totalMs - m0.totalMs) : undefined;
    return { result, delivered: after - before, sinkCpuMs, otherShare };
  }

  async prepareSendFolder() {
    const o = this.o;
    this.root = path.join(this.tmp, 'newsletter');
    say(`newsletter folder with ${o.subscribers.toLocaleString('en-US')} subscribers: ${this.root}`);
    fixture.makeNewsletter(this.root, {
      heraldRoot: o.herald,
      subscribers: o.subscribers,
      sessions: o.sessions,
      posts: { '2026-04-20-archive.md': fixture.makePost({ seed: 2, slug: 'spring-archive', title: 'Spring archive: the notes so far', date: '2026-04-20' }) },
    });
    // first run: records the existing post as published, mails nobody, needs no SMTP
    const first = await proc.run('herald first run', process.execPath, ['--require', path.join(BENCH, 'probe.js'), this.cli, 'send', '--root', this.root], {
      env: this.env({ HERALD_BENCH_PROBE: path.join(this.logs, 'first.probe.json'), HERALD_BENCH_PORT: String(this.port) }),
      log: path.join(this.logs, 'herald-first-run.log'),
      timeoutMs: this.sendTimeoutMs(),
      probeFile: path.join(this.logs, 'first.probe.json'),
    });
    if (first.code !== 0) throw new Error(`the first herald run (baseline) exited ${first.code}:\n${proc.tail(first.log)}`);
    if (first.probe?.smtpConnections) throw new Error('the first herald run connected to SMTP; it should only record the baseline');
    this.results.firstRun = { wallMs: first.wallMs };
    this.postText = fixture.makePost({ seed: 1, slug: 'field-notes', title: 'Field notes: what a week of sending taught us', date: '2026-05-04' });
    fixture.writePost(this.root, '2026-05-04-field-notes.md', this.postText);
    this.results.postBytes = Buffer.byteLength(this.postText);
    // the author's look before sending: renders the post (filling the code cache as a machine
    // that has run herald before has it), sends and records nothing
    const preview = await proc.run('herald dry run', process.execPath, [this.cli, 'send', '--dry-run', '--root', this.root], {
      env: this.env(), log: path.join(this.logs, 'herald-dry-run.log'), timeoutMs: this.sendTimeoutMs(), time: false,
    });
    if (preview.code !== 0) throw new Error(`herald send --dry-run exited ${preview.code}:\n${proc.tail(preview.log)}`);

    // the exact message herald sends to the first subscriber, for smtp-source to send too
    const eml = path.join(this.tmp, 'message.eml');
    const sample = await proc.run('sample message', process.execPath, [path.join(BENCH, 'render.js'), '--mode', 'sample', '--herald', o.herald, '--root', this.root, '--post', 'field-notes', '--out', eml], {
      env: this.env(), log: path.join(this.logs, 'sample.log'), timeoutMs: 120_000, time: false,
    });
    if (sample.code !== 0) throw new Error(`could not build a sample message:\n${proc.tail(sample.log)}`);
    const raw = fs.readFileSync(eml);
    this.results.messagePath = safeJson(`${eml}.json`)?.path;
    // smtp-source -F appends CRLF to each line it reads: give it LF lines, the wire bytes are then the same
    this.sourceFile = path.join(this.tmp, 'message.lf.eml');
    fs.writeFileSync(this.sourceFile, raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    // on the wire every line ends in CRLF (nodemailer's DATA stream turns bare LF into CRLF, as smtp-source does)
    this.results.messageBytes = wireBytes(raw);
    say(`post ${this.results.postBytes} bytes of markdown → message ${this.results.messageBytes} bytes on the wire (headers, text and HTML parts)`);
  }

  /**
   * Measures a send phase; when other processes used more than --quiet-below % of the machine's
   * CPU meanwhile, measures it again (up to --redo times) and keeps the least disturbed attempt.
   * Every attempt is verified, and every attempt's disturbance is kept in the results.
   */
  async leastDisturbed(name, attempt) {
    const attempts = [];
    let best;
    for (let i = 0; i <= this.o.redo; i++) {
      const r = await attempt(i);
      if (!r) return undefined;
      attempts.push(r.otherShare);
      if (!best || (r.otherShare ?? 0) < (best.otherShare ?? 0)) best = r;
      if (!(r.otherShare * 100 > this.o.quietBelow) || i === this.o.redo) break;
      say(`${name}: other processes used ${Math.round(100 * r.otherShare)}% of the CPU meanwhile: measuring again`);
    }
    best.attempts = attempts;
    return best;
  }

  async ceiling() {
    const o = this.o;
    say(`ceiling: smtp-source -d -s ${o.sessions} -m ${o.subscribers} -F <herald's message>`);
    const args = ['-d', '-s', String(o.sessions), '-m', String(o.subscribers), '-F', this.sourceFile,
      '-f', 'dispatch@example.com', '-t', 'ada.thompson.0@example.com', `127.0.0.1:${this.port}`];
    this.results.ceiling = await this.leastDisturbed('smtp-source', async (i) => {
      const { result, delivered, sinkCpuMs, otherShare } = await this.withSink(() =>
        proc.run('smtp-source', this.tools.source, args, { log: path.join(this.logs, `smtp-source-${i}.log`), timeoutMs: (60 + 0.005 * o.subscribers) * 1000 }));
      const r = { command: `smtp-source ${args.join(' ')}`, ...this.figures(result, delivered, sinkCpuMs, result.wallMs, otherShare), bytes: wireBytes(fs.readFileSync(this.sourceFile)) };
      if (result.code !== 0) this.fail('smtp-source', `exited ${result.code ?? result.signal}`, result);
      else if (delivered !== o.subscribers) this.fail('smtp-source', `the sink counted ${delivered} messages, not ${o.subscribers}`);
      return r;
    });
  }

  async baseline() {
    const o = this.o;
    say(`baseline: nodemailer pooled transport, maxConnections ${o.sessions}, ${2 * o.sessions} sendMail() in flight`);
    this.results.baseline = await this.leastDisturbed('nodemailer loop', async (i) => {
      const probeFile = path.join(this.logs, `baseline-${i}.probe.json`);
      const outFile = path.join(this.logs, `baseline-${i}.json`);
      const args = ['--require', path.join(BENCH, 'probe.js'), path.join(BENCH, 'naive.js'), '--herald', o.herald, '--root', this.root,
        '--post', 'field-notes', '--port', String(this.port), '--sessions', String(o.sessions), '--out', outFile];
      const { result, delivered, sinkCpuMs, otherShare } = await this.withSink(() =>
        proc.run('nodemailer loop', process.execPath, args, {
          env: this.env({ HERALD_BENCH_PROBE: probeFile, HERALD_BENCH_PORT: String(this.port) }),
          log: path.join(this.logs, `baseline-${i}.log`), timeoutMs: this.sendTimeoutMs(), probeFile,
        }));
      const own = safeJson(outFile);
      const r = { ...this.figures(result, delivered, sinkCpuMs, result.probe?.sendPhase?.wallMs, otherShare), bytes: own?.sampleWireBytes, own };
      if (result.code !== 0) this.fail('nodemailer loop', `exited ${result.code ?? result.signal}`, result);
      else if (delivered !== o.subscribers || own?.sent !== o.subscribers) {
        this.fail('nodemailer loop', `the sink counted ${delivered} and the loop ${own?.sent} messages, not ${o.subscribers}`);
      }
      return r;
    });
  }

  /**
   * Runs `herald send` with one new post: the measured post ("field-notes", added after the
   * first run) or, for a further run, its text under another slug (so the message size stays
   * the same). herald sends it to everyone.
   */
  async herald(slug, { profileDir, codeCache } = {}) {
    const o = this.o;
    if (!fs.existsSync(path.join(this.root, 'posts', `2026-05-04-${slug}.md`))) {
      fixture.writePost(this.root, `2026-05-04-${slug}.md`, this.postText.replace(/^slug: .*$/m, `slug: ${slug}`));
    }
    const tag = profileDir ? 'herald-cpu-prof' : `herald-${slug}`;
    const probeFile = path.join(this.logs, `${tag}.probe.json`);
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const args = [...nodeArgs, '--require', path.join(BENCH, 'probe.js'), this.cli, 'send', '--root', this.root];
    const { result, delivered, sinkCpuMs, otherShare } = await this.withSink(() =>
      proc.run(tag, process.execPath, args, {
        env: this.env({ HERALD_BENCH_PROBE: probeFile, HERALD_BENCH_PORT: String(this.port), ...(codeCache ? { HERALD_CODE_CACHE: codeCache } : {}) }),
        log: path.join(this.logs, `${tag}.log`), timeoutMs: this.sendTimeoutMs(), probeFile,
      }));
    const status = await this.heraldStatus(slug);
    const r = { ...this.figures(result, delivered, sinkCpuMs, result.probe?.sendPhase?.wallMs, otherShare), bytes: this.results.messageBytes, status, exitCode: result.code };
    // same message size everywhere: what herald wrote per message (SMTP commands add ~100 bytes)
    // must match the sample smtp-source sends
    if (r.clientBytesPerMsg && Math.abs(r.clientBytesPerMsg - r.bytes) > 0.02 * r.bytes + 300) {
      this.fail(tag, `herald wrote ${Math.round(r.clientBytesPerMsg)} bytes per message to SMTP but the sample message is ${r.bytes} bytes: the ceiling did not send the same size`);
    }
    if (result.code !== 0) this.fail(tag, `herald send exited ${result.code ?? result.signal}`, result);
    else if (delivered !== o.subscribers || status?.sent !== o.subscribers) {
      this.fail(tag, `the sink counted ${delivered} messages and herald status reports ${status?.sent} sent, not ${o.subscribers}`);
    }
    return r;
  }

  async heraldStatus(postId) {
    const file = path.join(this.logs, 'status.json');
    const r = await proc.run('herald status', process.execPath, [this.cli, 'status', '--json', '--root', this.root], {
      env: this.env(), log: file, timeoutMs: 120_000, time: false,
    });
    const json = safeJson(file);
    const post = json?.posts?.find?.((p) => p.id === postId);
    if (r.code !== 0 || !post) return { error: `herald status --json exited ${r.code}; post ${postId} ${post ? 'found' : 'not found'}` };
    return post.counts;
  }

  async sendHerald() {
    say(`herald send: ${this.o.subscribers.toLocaleString('en-US')} recipients over ${this.o.sessions} connections`);
    this.results.herald = await this.leastDisturbed('herald send', (i) => this.herald(i === 0 ? 'field-notes' : `field-notes-run-${i + 1}`));
    if (this.o.skipCold) return;
    say('herald send again, a new post, with an empty code cache (a machine\'s first run)');
    this.results.heraldCold = await this.leastDisturbed('herald send (empty code cache)', (i) =>
      this.herald(`field-notes-cold-${i + 1}`, { codeCache: path.join(this.tmp, `code-cache-empty-${i + 1}`) }));
  }

  async profileHerald() {
    const dir = path.join(this.tmp, 'cpu-prof');
    say('herald send under node --cpu-prof (one more new post; not part of the timings)');
    const r = await this.herald('field-notes-profiled', { profileDir: dir });
    const file = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
    if (!file) return this.fail('cpu profile', 'node wrote no .cpuprofile');
    this.results.profile = { ...summariseProfile(path.join(dir, file), 15), processCpuMs: r.cpuMs, messages: r.delivered };
  }

  async render() {
    const o = this.o;
    say(`render: renderPost once, then fillMessage and buildMessage for ${o.renderRecipients.toLocaleString('en-US')} recipients`);
    const out = path.join(this.logs, 'render.json');
    await this.waitQuiet();
    const m0 = proc.machineCpu();
    const r = await proc.run('render', process.execPath, [path.join(BENCH, 'render.js'), '--mode', 'render', '--herald', o.herald, '--root', this.root,
      '--post', 'field-notes', '--recipients', String(o.renderRecipients), '--out', out], { env: this.env(), log: path.join(this.logs, 'render.log'), timeoutMs: 600_000 });
    const m1 = proc.machineCpu();
    if (r.code !== 0) return this.fail('render', `exited ${r.code ?? r.signal}`, r);
    const other = m1.busyMs - m0.busyMs - (r.time?.cpuMs ?? 0);
    this.results.render = { ...safeJson(out), otherShare: m1.totalMs > m0.totalMs ? Math.max(0, other) / (m1.totalMs - m0.totalMs) : undefined };
  }

  async idle() {
    const o = this.o;
    const root = path.join(this.tmp, 'idle');
    say(`idle: folder with ${o.idlePosts} posts and ${o.idleSubscribers.toLocaleString('en-US')} subscribers`);
    const posts = {};
    for (let i = 0; i < o.idlePosts; i++) {
      const day = new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      posts[`${day.slice(0, 4)}/${day}-notes-${i}.md`] = fixture.makePost({ seed: 1000 + i, slug: `notes-${i}`, date: day });
    }
    fixture.makeNewsletter(root, { heraldRoot: o.herald, subscribers: o.idleSubscribers, sessions: o.sessions, posts });
    const runOnce = (i) => proc.run(`idle ${i}`, process.execPath, [this.cli, 'send', '--root', root], {
      env: this.env(), log: path.join(this.logs, `idle-${i}.log`), timeoutMs: 120_000, time: i > 0,
    });
    const { result: first, delivered: firstDelivered } = await this.withSink(() => runOnce(0));
    if (first.code !== 0) return this.fail('idle (first run)', `exited ${first.code ?? first.signal}`, first);
    if (firstDelivered) return this.fail('idle (first run)', `${firstDelivered} messages reached the sink; a first run mails nobody`);
    const walls = [];
    const others = [];
    const cpus = [];
    const rss = [];
    for (let i = 1; i <= o.idleRuns; i++) {
      const { result, delivered, otherShare } = await this.withSink(() => runOnce(i));
      if (result.code !== 0) return this.fail(`idle run ${i}`, `exited ${result.code ?? result.signal}`, result);
      if (delivered) return this.fail(`idle run ${i}`, `${delivered} messages reached the sink; nothing was new`);
      walls.push(result.wallMs);
      if (otherShare !== undefined) others.push(otherShare);
      if (result.time) {
        cpus.push(result.time.cpuMs);
        rss.push(result.time.maxRssKb);
      }
    }
    this.results.idle = {
      posts: o.idlePosts, subscribers: o.idleSubscribers, runs: walls.length, firstRunMs: first.wallMs,
      medianMs: median(walls), minMs: Math.min(...walls), maxMs: Math.max(...walls),
      medianCpuMs: cpus.length ? median(cpus) : undefined, medianRssMb: rss.length ? median(rss) / 1024 : undefined,
      otherShare: others.length ? median(others) : undefined,
    };
  }

  /** msg/s, CPU and memory of one measured child. */
  figures(result, delivered, sinkCpuMs, sendPhaseMs, otherShare) {
    const n = this.o.subscribers;
    const t = result.time;
    const p = result.probe;
    return {
      messages: n,
      delivered,
      wallMs: result.wallMs,
      sendPhaseMs: sendPhaseMs ?? undefined,
      msgPerSec: sendPhaseMs ? n / (sendPhaseMs / 1000) : undefined,
      endToEndMsgPerSec: n / (result.wallMs / 1000),
      cpuMs: t?.cpuMs,
      cpuMsPerMsg: t ? t.cpuMs / n : undefined,
      sendPhaseCpuMsPerMsg: p?.sendPhase ? p.sendPhase.cpuMs / n : undefined,
      probeCpuMs: p ? p.userMs + p.sysMs : undefined,
      // before the first SMTP connection: loading, reading the list, rendering, queueing
      startupWallMs: p?.sendPhase ? p.sendPhase.startMs : undefined,
      startupCpuMs: p?.sendPhase ? p.userMs + p.sysMs - p.sendPhase.cpuMs : undefined,
      maxRssMb: t ? t.maxRssKb / 1024 : undefined,
      sinkCpuMsPerMsg: Number.isFinite(sinkCpuMs) ? sinkCpuMs / n : undefined,
      connections: p?.smtpConnections,
      clientBytesPerMsg: p?.smtpBytesWritten ? p.smtpBytesWritten / n : undefined,
      otherShare,
      timedOut: result.timedOut,
      code: result.code,
    };
  }
}

/** Size of a message on the wire: every line break CRLF (before dot-stuffing, which is the same for all). */
function wireBytes(buf) {
  let bareLf = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10 && (i === 0 || buf[i - 1] !== 13)) bareLf++;
  return buf.length + bareLf;
}

function safeJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// the report

const num = (v, digits = 0) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function sendTable(res, o) {
  const ceil = res.ceiling?.msgPerSec;
  const row = (name, r, phaseNote) => {
    if (!r) return [name, 'not run', '', '', '', '', '', '', '', '', '', '', '', ''];
    const ratio = ceil && r.msgPerSec ? `${num(r.msgPerSec / ceil, 2)}×` : '—';
    const delivered = r.delivered === o.subscribers ? `${num(r.delivered)} ✓` : `${num(r.delivered)} ✗`;
    // cores busy during the send phase: which side is the bottleneck (1.0 = one core saturated)
    const clientCores = r.msgPerSec && (phaseNote ? r.sendPhaseCpuMsPerMsg : r.cpuMsPerMsg) !== undefined ? ((phaseNote ? r.sendPhaseCpuMsPerMsg : r.cpuMsPerMsg) * r.msgPerSec) / 1000 : undefined;
    const sinkCores = r.msgPerSec && r.sinkCpuMsPerMsg !== undefined ? (r.sinkCpuMsPerMsg * r.msgPerSec) / 1000 : undefined;
    return [name, num(r.msgPerSec), ratio, num(r.endToEndMsgPerSec), num(r.wallMs / 1000, 2), num(r.cpuMsPerMsg, 3),
      phaseNote ? num(r.sendPhaseCpuMsPerMsg, 3) : '= process', num(r.maxRssMb, 0), num(r.sinkCpuMsPerMsg, 3), `${num(clientCores, 2)} / ${num(sinkCores, 2)}`, num(r.bytes), num(r.clientBytesPerMsg), delivered,
      (r.otherShare === undefined ? '—' : `${num(100 * r.otherShare)}%`) +
        (r.attempts?.length > 1 ? ` (least disturbed of ${r.attempts.length} runs: ${r.attempts.map((x) => `${num(100 * x)}%`).join(', ')})` : '')];
  };
  return table(
    ['', 'msg/s (send phase)', '× smtp-source', 'msg/s (whole process)', 'process wall s', 'CPU ms/msg (process)', 'CPU ms/msg (send phase)', 'peak RSS MB', 'sink CPU ms/msg', 'cores busy: client / sink', 'message bytes', 'bytes written to SMTP per msg', 'delivered (sink)', 'other processes\' CPU'],
    [row('smtp-source (ceiling)', res.ceiling, false), row('nodemailer loop (baseline)', res.baseline, true), row('herald send', res.herald, true),
      ...(res.heraldCold ? [row('herald send, empty code cache', res.heraldCold, true)] : [])],
  );
}

const share = (x) => (x === undefined ? '—' : `${num(100 * x)}%`);

function verdict(ok) {
  return ok === undefined ? 'not measured' : ok ? 'PASS' : 'FAIL';
}

function targetRows(res, o) {
  const h = res.herald;
  const ratio = h?.msgPerSec && res.ceiling?.msgPerSec ? h.msgPerSec / res.ceiling.msgPerSec : undefined;
  const r = res.render;
  const big = o.subscribers >= TARGETS.rssSubscribers;
  return [
    ['herald send rate ≥ 0.4 × smtp-source', `≥ ${TARGETS.ratio}×`, ratio === undefined ? '—' : `${num(ratio, 2)}× (${num(h.msgPerSec)} vs ${num(res.ceiling.msgPerSec)} msg/s)`, verdict(ratio === undefined ? undefined : ratio >= TARGETS.ratio)],
    ['herald CPU per message (whole process, user+sys)', `≤ ${TARGETS.cpuMsPerMsg} ms`, h?.cpuMsPerMsg === undefined ? '—' : `${num(h.cpuMsPerMsg, 3)} ms (send phase alone ${num(h.sendPhaseCpuMsPerMsg, 3)} ms)`, verdict(h?.cpuMsPerMsg === undefined ? undefined : h.cpuMsPerMsg <= TARGETS.cpuMsPerMsg)],
    ['per-recipient render: fillMessage', `≤ ${TARGETS.renderUs} µs`, r ? `${num(r.fillUsCold, 2)} µs (warm ${num(r.fillUsWarm, 2)} µs)` : '—', verdict(r ? r.fillUsCold <= TARGETS.renderUs : undefined)],
    ...(r?.compose ? [['per-recipient message: compose.personalise (the send loop\'s path)', `≤ ${TARGETS.renderUs} µs`, `${num(r.compose.personaliseUsCold, 1)} µs (warm ${num(r.compose.personaliseUsWarm, 1)} µs)`, verdict(r.compose.personaliseUsCold <= TARGETS.renderUs)]] : []),
    // nodemailer's own composer is herald's reference path (test sends); judged only where it is the send path
    [`per-recipient message: buildMessage (nodemailer's composer${r?.compose ? '; reference only, not the send loop\'s path' : ''})`, `≤ ${TARGETS.renderUs} µs`, r ? `${num(r.buildUsCold, 1)} µs (warm ${num(r.buildUsWarm, 1)} µs)` : '—', r?.compose ? 'n/a' : verdict(r ? r.buildUsCold <= TARGETS.renderUs : undefined)],
    [`idle herald send (${num(res.idle?.posts ?? o.idlePosts)} posts, ${num(res.idle?.subscribers ?? o.idleSubscribers)} subscribers), median wall`, `≤ ${TARGETS.idleMs} ms`, res.idle ? `${num(res.idle.medianMs)} ms (min ${num(res.idle.minMs)}, max ${num(res.idle.maxMs)}, ${res.idle.runs} runs)` : '—', verdict(res.idle ? res.idle.medianMs <= TARGETS.idleMs : undefined)],
    [`herald peak RSS at ${num(TARGETS.rssSubscribers)} subscribers`, `≤ ${TARGETS.rssMb} MB`, h?.maxRssMb === undefined ? '—' : `${num(h.maxRssMb)} MB at ${num(o.subscribers)} subscribers`, big ? verdict(h?.maxRssMb === undefined ? undefined : h.maxRssMb <= TARGETS.rssMb) : `n/a (run with --subscribers ${TARGETS.rssSubscribers})`],
  ];
}

function sectionMarkdown(ctx) {
  const { o, res, machine, version, command, date } = ctx;
  const out = [];
  out.push(`## ${num(o.subscribers)} subscribers, ${o.sessions} sessions`);
  out.push('');
  out.push(`- command: \`${command}\``);
  out.push(`- date: ${date}`);
  out.push(`- herald: ${version}`);
  out.push(`- machine: ${machine.nproc} CPUs, ${machine.cpu}, ${machine.memGiB} GiB; ${machine.os}; Node ${machine.node}; Postfix ${machine.postfix}; temporary files on ${machine.tmpFs}, 4 KB write + fsync there: median ${num(machine.fsyncMs, 2)} ms`);
  out.push(`- load average (1 min) at the start: ${num(res.loadStart, 2)}, at the end: ${num(res.loadEnd, 2)} — "other processes' CPU" below is the share of the machine's CPU that neither the measured program, the sink nor the bench used during that phase; above a few % the figures are disturbed`);
  out.push(`- message: a ${num(res.postBytes)}-byte markdown post → ${num(res.messageBytes)} bytes on the wire as herald sends it (built with herald's ${res.messagePath ?? '?'}); smtp-source sends those exact bytes (-F); "bytes written to SMTP" is what each Node program wrote to its SMTP sockets per message, commands included`);
  out.push('');
  out.push(sendTable(res, o));
  out.push('');
  out.push(table(['target', 'goal', 'measured', 'result'], targetRows(res, o)));
  out.push('');
  const h = res.herald;
  if (h?.startupCpuMs !== undefined) {
    out.push(`herald's start-up, from spawn to its first SMTP connection (loading, reading the list, rendering, queueing the audience): ${num(h.startupWallMs)} ms wall, ${num(h.startupCpuMs)} ms CPU, which is ${num(h.startupCpuMs / h.messages, 3)} ms of the CPU per message at ${num(h.messages)} subscribers.`);
  }
  if (res.render) {
    const c = res.render.compose;
    out.push(`renderPost (once per post): ${num(res.render.renderPostColdMs)} ms cold (loads MJML), ${num(res.render.renderPostWarmMs)} ms warm;${c ? ` compileMessage (once per post): ${num(c.compileMs, 1)} ms;` : ''} filled HTML ${num(res.render.htmlBytes)} bytes, text ${num(res.render.textBytes)} bytes. Other processes used ${share(res.render.otherShare)} of the machine's CPU meanwhile.`);
  }
  if (res.idle) out.push(`Idle folder's first run (records ${num(res.idle.posts)} posts as the baseline): ${num(res.idle.firstRunMs)} ms. Idle run: median ${num(res.idle.medianCpuMs)} ms CPU, ${num(res.idle.medianRssMb)} MB peak RSS; other processes used a median ${share(res.idle.otherShare)} of the machine's CPU during these runs.`);
  if (res.profile) {
    const p = res.profile;
    out.push('');
    out.push(`Profile of a second \`herald send\` (${num(p.messages)} messages, \`node --cpu-prof\`, ${num(p.processCpuMs)} ms CPU for the whole process). ` +
      `The profiler samples the main thread's stack every millisecond of wall time: ${num(p.busyMs)} ms busy, ${num(p.idleMs)} ms idle in the event loop. ` +
      'A synchronous system call (an fsync inside a better-sqlite3 transaction) counts as self time of the JavaScript function that made it, so "self ms" is main-thread time, not only CPU. Self time by package:');
    out.push('');
    out.push(table(['package / area', 'self ms', '% of busy'], p.packages.slice(0, 10).map((x) => [x.name, num(x.ms), `${num(x.pct, 1)}%`])));
    out.push('');
    out.push('Top functions by self time:');
    out.push('');
    out.push(table(['function', 'where', 'self ms', '% of busy'], p.functions.slice(0, 12).map((f) => [`\`${f.name}\``, f.where ? `\`${f.where}\`` : '', num(f.ms), `${num(f.pct, 1)}%`])));
  }
  if (res.errors.length) {
    out.push('');
    out.push('**Errors in this run** (the figures above are not valid where they depend on these):');
    out.push('');
    for (const e of res.errors) out.push(`- ${e}`);
  }
  return out.join('\n');
}

const INTRO = `# herald benchmarks

\`npm run bench\` (or \`node bench/run.js\` after \`npm run build\`) measures herald's send path
against the physical limit of the machine it runs on, in one run. It is not part of the tests.

\`\`\`sh
npm run bench                              # 10,000 subscribers, 8 SMTP sessions
npm run bench -- --subscribers 100000      # the 100,000-subscriber memory target
npm run bench -- --cpu-prof                # also: where herald's CPU goes
npm run bench -- --commit HEAD             # a clean build of a commit, not the working tree
node bench/run.js --help                   # every option
\`\`\`

The bench exits 0 when every measurement ran and was verified, whatever the targets say; it
exits 1 when a measurement failed or could not be verified (the report says which), 2 on a
usage or setup error.

It needs Postfix's \`smtp-sink\` and \`smtp-source\` (Debian package \`postfix\`) and GNU \`time\`;
when they are missing and it runs as root it installs them with apt-get, and stops any Postfix
mail daemon that the install started. It starts its own \`smtp-sink\` on 127.0.0.1 (a free port)
and stops it at the end, also on an error, a timeout or Ctrl-C; the temporary folders go too
(\`--keep\` keeps them).

## What is measured

One \`smtp-sink -c\` on 127.0.0.1 receives everything and counts the messages; every figure
below is checked against its counter. The counter goes to a file that the bench reads between
phases, so while a program is measured the bench itself is idle (read from a pipe as it came, the
counter woke the bench once per message, a third busy process on the two CPUs the program and the
sink share: herald's send rate was about 4% lower that way, its CPU per message the same).

- **Message.** A deterministic, realistic ~10 KB markdown post (headings, paragraphs with links
  and emphasis, a list, a table, a fenced code block, a quote, an image) goes through herald's
  default template. The message herald builds for the first subscriber (headers, plain-text and
  HTML parts) is written to a file, and \`smtp-source -F\` sends exactly those bytes, so the
  ceiling moves the same message size as herald. The baseline sends the same content.
- **Subscribers.** \`subscribers/list.csv\`: N unique addresses at reserved example domains
  (example.com, example.net, example.org and subdomains), with names, a few non-ASCII.
- **Ceiling: \`smtp-source -d -s S -m N -F message\`.** Postfix's C load generator: S sessions
  in parallel, each keeping its connection (\`-d\`), no pipelining.
- **Baseline: a nodemailer loop** (\`bench/naive.js\`): \`createTransport({ pool: true,
  maxConnections: S })\` and one \`sendMail()\` per subscriber, at most 2 × S in flight; html and
  text from herald's own \`renderPost\` + \`fillMessage\`, the same List-Id/List-Unsubscribe
  headers; no record. It shows what herald's record and pool cost on top of plain nodemailer.
- **herald: \`node dist/cli.js send --root DIR\`** with \`HERALD_SMTP_URL=smtp://127.0.0.1:PORT\`,
  \`HERALD_SECRET=bench\`, \`smtp.connections = S\` and every other setting at its default
  (including \`maxMessagesPerConnection: 100\`, like nodemailer's pool). A first run records an
  existing post as the baseline, then a new post is added, previewed with \`herald send
  --dry-run\` as an author would, and sent to everyone: that run is measured, with its SQLite
  record (WAL, \`synchronous = FULL\`) in the temporary folder. Delivery is verified twice: the
  sink's counter and \`herald status --json\` must both say N. herald keeps V8's compiled code
  between runs (its code cache, in the bench's temporary folder here), so on a machine that has
  run it before, a send does not compile MJML and the rest again; the earlier runs have filled
  it, as they would. One more run, of another new post with an empty code cache (a machine's
  very first send), is shown below herald's row ("empty code cache"; \`--skip-cold\` leaves it
  out); the targets are judged on the first.
- **Send phase.** For the two Node programs, \`bench/probe.js\` is preloaded (\`--require\`; it
  only observes): the send phase runs from the process's first TCP connection to the SMTP port to
  process exit, so it excludes start-up, reading the subscribers and rendering, and includes
  closing the record. msg/s = N / send-phase seconds; for smtp-source, whose work is all send, the
  whole process wall time is used. "msg/s (whole process)" is N / wall time from spawn to exit.
- **CPU and memory.** Each measured program runs under GNU \`time -f '%e %U %S %M'\`: user + sys
  CPU from the child's rusage as returned by wait4() (all threads of the process: main thread,
  libuv pool, V8's GC and compiler threads), and peak RSS (ru_maxrss). "CPU ms/msg (process)" =
  (user + sys) / N for the whole process, start-up included: that is the figure the target is
  judged on. "CPU ms/msg (send phase)" is process.cpuUsage() at exit minus at the first
  connection, from the probe; what comes before that connection (loading, reading the list,
  rendering, queueing the audience) is reported below each table as herald's start-up. "sink
  CPU" is smtp-sink's utime + stime from /proc during the phase: on a 2-core machine the sink
  and the client share the CPUs. "cores busy" is CPU ms per message × msg/s: 1.00 means one core
  saturated. smtp-sink is a single process, so when its figure nears 1.00 (as it does under
  smtp-source) the ceiling is the sink's one core, not the network; herald's send loop is
  single-threaded too, so its own figure near 1.00 means its main thread is the limit.
- **Idle send.** A second folder with 1,000 posts (~10 KB each, in year folders) and 10,000
  subscribers; a first run records the baseline, then \`herald send\` with nothing new runs
  several times (fresh process each time, Node start-up included); the median wall time from
  spawn to exit is reported. None of these runs may reach the sink.
- **Per-recipient render** (\`bench/render.js\`, a fresh process): \`renderPost\` once, then
  \`fillMessage\` for 10,000 recipients (recipient values, including the signed unsubscribe
  link, made outside the timed loop); then, where the build has it, the send loop's own path,
  \`compileMessage\` once and \`personalise\` (unsubscribe link, Message-ID, headers, the
  filled and encoded parts: the complete message) per recipient; then \`buildMessage\`
  (nodemailer's MIME composer) for the same 10,000. The first pass is the one judged (cold: JIT
  warm-up included, as in a real send); a warm repeat is shown beside it.
- **Message path.** The sample message for smtp-source is built the way the send loop builds it
  (\`compose.personalise\` where the build has it, else \`buildMessage\`), and the bench checks
  that the bytes herald actually wrote to its SMTP connections per message match that size.

Nothing is cached between phases except what the operating system caches by itself (the fixture
was just written, and node_modules was read by earlier phases) and herald's own code cache (see
above); every measured program is a new process. One run per figure (a second one when the first
was disturbed, see below).

**A shared machine.** Before each phase the bench waits (up to \`--quiet-wait\`, 60 s) until
other processes use less than 10 % of the machine's CPU, and each phase reports how much of the
machine's CPU other processes used while it ran ("other processes' CPU": /proc/stat busy time
minus the measured program, the sink and the bench itself). When that share exceeds 10 % during
a send phase, the phase is measured once more (\`--redo\`) and the less disturbed run is the one
shown, with every run's share beside it. On a 2-core machine anything above a few % slows the
programs measured; treat rows that stay disturbed as such, and rerun.

Each section below is replaced when the benchmark is run again with the same subscriber and
session counts.
`;

/** Writes the report: the intro as this file has it, then every section, this run's replacing its namesake. */
function writeReport(file, ctx) {
  const sections = new Map();
  const existing = safeRead(file);
  const re = /<!-- bench:begin (subscribers=(\d+) sessions=(\d+)) -->\n([\s\S]*?)<!-- bench:end -->/g;
  let m;
  while ((m = re.exec(existing))) sections.set(m[1], { n: Number(m[2]), s: Number(m[3]), body: m[4] });
  if (ctx) {
    sections.set(`subscribers=${ctx.o.subscribers} sessions=${ctx.o.sessions}`, { n: ctx.o.subscribers, s: ctx.o.sessions, body: `${sectionMarkdown(ctx)}\n` });
  }
  const ordered = [...sections.entries()].sort((a, b) => a[1].n - b[1].n || a[1].s - b[1].s);
  // a hand-written assessment between notes markers survives every rerun
  const notes = /<!-- notes:begin -->\n[\s\S]*?<!-- notes:end -->\n/.exec(existing)?.[0] ?? '';
  const text = `${INTRO}\n${notes ? `${notes}\n` : ''}# Results\n\n${ordered.map(([k, v]) => `<!-- bench:begin ${k} -->\n${v.body}<!-- bench:end -->`).join('\n\n')}\n`;
  fs.writeFileSync(file, text);
}

// ---------------------------------------------------------------------------------------------

let tmpRoot;
let keepTmp = false;
function cleanupSync() {
  proc.killAll('SIGKILL');
  if (tmpRoot && !keepTmp) {
    try {
      fs.rmSync(tmpRoot, { recursive: true, force: true });
    } catch {
      // best effort
    }
    tmpRoot = undefined;
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.rewriteIntro) {
    writeReport(o.out);
    say(`rewrote the explanatory part of ${o.out}`);
    return 0;
  }
  if (o.fromJson) {
    const saved = JSON.parse(fs.readFileSync(o.fromJson, 'utf8'));
    const ctx = { o: saved.options, res: saved.results, machine: saved.machine, version: saved.version, command: saved.command, date: saved.date };
    console.log(sectionMarkdown(ctx));
    if (o.write) writeReport(o.out, ctx);
    return 0;
  }
  keepTmp = o.keep;
  const tools = ensureTools();
  const tmpBase = fs.realpathSync(os.tmpdir());
  tmpRoot = fs.mkdtempSync(path.join(tmpBase, 'herald-bench-'));
  if (o.commit) {
    const built = buildCommit(o.commit, tmpRoot);
    o.herald = built.dir;
    o.commitLabel = built.label;
  }
  if (!fs.existsSync(path.join(o.herald, 'dist', 'cli.js'))) throw new Error(`${path.join(o.herald, 'dist', 'cli.js')} is missing: run \`npm run build\` first (npm run bench does)`);
  const machine = machineInfo(tmpRoot);
  const version = heraldVersion(o);
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  const argText = process.argv.slice(2).join(' ');
  const command = viaNpm ? `npm run bench${argText ? ` -- ${argText}` : ''}` : `node bench/run.js${argText ? ` ${argText}` : ''}`;
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  say(`herald ${version}; ${machine.nproc} CPUs ${machine.cpu}; Node ${machine.node}; temporary folder ${tmpRoot}`);

  const bench = new Bench(o, tools, tmpRoot);
  const res = bench.results;
  res.loadStart = os.loadavg()[0];
  try {
    await bench.start();
    await bench.prepareSendFolder();
    if (!o.skipCeiling) await bench.ceiling();
    if (!o.skipBaseline) await bench.baseline();
    if (!o.skipHerald) await bench.sendHerald();
    if (o.cpuProf) await bench.profileHerald();
    if (!o.skipRender) await bench.render();
    if (!o.skipIdle) await bench.idle();
  } catch (err) {
    bench.fail('setup', err.message);
  } finally {
    if (bench.sink) await bench.sink.stop();
  }
  res.loadEnd = os.loadavg()[0];

  const ctx = { o, res, machine, version, command, date };
  console.log('');
  console.log(sectionMarkdown(ctx));
  console.log('');
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, machine, version, command, date, results: res }, null, 2));
  if (o.write) {
    writeReport(o.out, ctx);
    say(`wrote ${path.relative(process.cwd(), o.out) || o.out}`);
  }
  if (o.keep) say(`kept ${tmpRoot}`);
  return res.errors.length ? 1 : 0;
}

process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
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
  (err) => {
    say(`error: ${err.message}`);
    cleanupSync();
    process.exitCode = 2;
  },
);
