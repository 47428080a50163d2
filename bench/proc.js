'use strict';
/**
 * Child processes for the benchmark: measured runs (wall clock in this process, CPU and peak RSS
 * from GNU time, which reads the child's rusage from wait4()), Postfix's smtp-sink, and cleanup
 * of everything started here, on success, error, timeout or Ctrl-C alike. Every child gets its
 * own process group, so a timeout or an interrupt ends it together with anything it started.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const TIME = '/usr/bin/time';
const live = new Map();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Ends every child this process started and that is still running (synchronous: safe in 'exit'). */
function killAll(signal = 'SIGKILL') {
  for (const pid of live.keys()) killGroup(pid, signal);
}

function which(name, extra = []) {
  for (const dir of [...extra, ...(process.env.PATH || '').split(':')]) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status, out: `${r.stdout || ''}${r.stderr || ''}`.trim(), error: r.error };
}

/** A free TCP port on 127.0.0.1: bind port 0, read it, let it go. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function parseTime(file) {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const [elapsed, user, sys, maxRssKb] = lines[lines.length - 1].trim().split(/\s+/).map(Number);
    if (![elapsed, user, sys, maxRssKb].every(Number.isFinite)) return undefined;
    return { elapsedS: elapsed, userS: user, sysS: sys, cpuMs: (user + sys) * 1000, maxRssKb };
  } catch {
    return undefined;
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs one command to completion under GNU time (unless `time: false`), output to `log`.
 * Resolves with exit code, wall ms (spawn → exit, measured here), GNU time's figures and, for
 * Node children run with bench/probe.js, the probe's JSON.
 */
function run(name, cmd, args, { env = process.env, cwd, log, timeoutMs = 600_000, time = true, probeFile } = {}) {
  return new Promise((resolve) => {
    const timeFile = log ? `${log}.time` : undefined;
    const argv = time ? [TIME, '-f', '%e %U %S %M', '-o', timeFile, cmd, ...args] : [cmd, ...args];
    const fd = log ? fs.openSync(log, 'w') : 'ignore';
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (typeof fd === 'number') fs.closeSync(fd);
    let timedOut = false;
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    }, timeoutMs);
    live.set(child.pid, name);
    const finish = (code, signal, error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      live.delete(child.pid);
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({
        name,
        code,
        signal,
        error: error?.message,
        timedOut,
        wallMs,
        time: time ? parseTime(timeFile) : undefined,
        probe: probeFile ? readJson(probeFile) : undefined,
        log,
      });
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('exit', (code, signal) => finish(code, signal));
  });
}

/** The last lines of a log file, for error messages. */
function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** utime + stime of a running process, in ms, from /proc (for the sink's share of the CPU). */
function procCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const CLK_TCK = Number(sh('getconf', ['CLK_TCK']).out) || 100;

/** CPU time of the whole machine from /proc/stat, in ms summed over all CPUs: busy and total. */
function machineCpu() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3] + f[4];
    return { busyMs: ((total - idle) * 1000) / CLK_TCK, totalMs: (total * 1000) / CLK_TCK };
  } catch {
    return { busyMs: NaN, totalMs: NaN };
  }
}

/**
 * Postfix's smtp-sink on 127.0.0.1:port, throwing messages away and counting them (-c prints
 * "sess=N quit=N mesg=N" after every message, session end and QUIT). The counter goes to a file
 * and is read only when asked for (between phases): read from a pipe as it comes, it would wake
 * the bench once per message, a third busy process on the CPUs the measured programs share.
 */
async function startSink(binary, port, log) {
  const args = ['-c', '-u', 'nobody', '-t', '100', `127.0.0.1:${port}`, '256'];
  const counterFile = `${log}.counter`;
  const counterFd = fs.openSync(counterFile, 'w');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', counterFd, 'pipe'] });
  fs.closeSync(counterFd);
  live.set(child.pid, 'smtp-sink');
  let exited = false;
  const errLog = fs.createWriteStream(log);
  /** The last complete record (ended by CR or LF) is the current total. */
  const counter = () => {
    let text = '';
    try {
      const fd = fs.openSync(counterFile, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const buf = Buffer.alloc(Math.min(size, 300));
        fs.readSync(fd, buf, 0, buf.length, size - buf.length);
        text = buf.toString('latin1');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // not written yet
    }
    let m;
    let last;
    const re = /sess=(\d+) quit=\d+ mesg=(\d+)[\r\n]/g;
    while ((m = re.exec(text))) last = m;
    return last ? { sessions: Number(last[1]), messages: Number(last[2]) } : { sessions: 0, messages: 0 };
  };
  child.stderr.pipe(errLog);
  child.on('exit', () => {
    exited = true;
    live.delete(child.pid);
  });
  // ready when it accepts a connection
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`smtp-sink exited at once: ${tail(log)}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end('QUIT\r\n');
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('smtp-sink did not start listening within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid,
    args,
    messages: () => counter().messages,
    sessions: () => counter().sessions,
    cpuMs: () => procCpuMs(child.pid),
    /** Waits until the counter has not moved for `quietMs` (the last counts printed after a client exits). */
    async settle(quietMs = 300) {
      let last = -1;
      let since = Date.now();
      const until = Date.now() + 10_000;
      let messages = counter().messages;
      while (Date.now() < until) {
        if (messages !== last) {
          last = messages;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) break;
        await new Promise((r) => setTimeout(r, 50));
        messages = counter().messages;
      }
      return messages;
    },
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        killGroup(child.pid, 'SIGTERM');
        setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000).unref();
      });
    },
  };
}

module.exports = { run, startSink, freePort, which, sh, tail, killAll, live, machineCpu, TIME };
