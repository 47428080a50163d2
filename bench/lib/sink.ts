/**
 * Postfix's smtp-sink on 127.0.0.1:port, throwing messages away and counting them (-c prints
 * "sess=N quit=N mesg=N" after every message, session end and QUIT). The counter goes to a file
 * and is read only when asked for (between phases): read from a pipe as it comes, it would wake
 * the bench once per message, a third busy process on the CPUs the measured programs share.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { procCpuMs } from './cpu';
import { killGroup, tail, track, untrack } from './proc';

export interface Sink {
  readonly pid: number;
  readonly args: readonly string[];
  messages(): number;
  sessions(): number;
  /** The sink's own CPU time so far (utime + stime). */
  cpuMs(): number;
  /** Waits until the counter has not moved for `quietMs` (the last counts printed after a client exits). */
  settle(quietMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last complete record (ended by CR or LF) of the counter file is the current total. */
function readCounter(counterFile: string): { sessions: number; messages: number } {
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
  let last: RegExpExecArray | undefined;
  const re = /sess=(\d+) quit=\d+ mesg=(\d+)[\r\n]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m;
  return last ? { sessions: Number(last[1]), messages: Number(last[2]) } : { sessions: 0, messages: 0 };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.end('QUIT\r\n');
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startSink(binary: string, port: number, log: string): Promise<Sink> {
  const args = ['-c', '-u', 'nobody', '-t', '100', `127.0.0.1:${port}`, '256'];
  const counterFile = `${log}.counter`;
  const counterFd = fs.openSync(counterFile, 'w');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', counterFd, 'pipe'] });
  fs.closeSync(counterFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${binary}`);
  track(pid, 'smtp-sink');
  let exited = false;
  child.stderr?.pipe(fs.createWriteStream(log));
  child.on('exit', () => {
    exited = true;
    untrack(pid);
  });
  // ready when it accepts a connection
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`smtp-sink exited at once: ${tail(log)}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error('smtp-sink did not start listening within 10 s');
    await sleep(50);
  }
  return {
    pid,
    args,
    messages: () => readCounter(counterFile).messages,
    sessions: () => readCounter(counterFile).sessions,
    cpuMs: () => procCpuMs(pid),
    async settle(quietMs = 300) {
      let last = -1;
      let since = Date.now();
      const until = Date.now() + 10_000;
      let messages = readCounter(counterFile).messages;
      while (Date.now() < until) {
        if (messages !== last) {
          last = messages;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) break;
        await sleep(50);
        messages = readCounter(counterFile).messages;
      }
      return messages;
    },
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        killGroup(pid, 'SIGTERM');
        setTimeout(() => killGroup(pid, 'SIGKILL'), 2000).unref();
      });
    },
  };
}
