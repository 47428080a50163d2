/**
 * Preloaded into a measured Node child (`node --require dist-bench/child/probe.js …`); changes
 * nothing the child does. It notes the moment and the CPU time of the child's first TCP connection
 * to the SMTP port under test (the start of the send phase) and, at exit, the same again plus
 * process.resourceUsage() (user+sys CPU of all the process's threads, max RSS) and the bytes
 * written to the SMTP connections, written as JSON to HERALD_BENCH_PROBE. The send phase is
 * "first SMTP connection → process exit", for herald and the nodemailer baseline alike.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { ProbeRecord } from '../results';

function observe(out: string, port: number): void {
  const t0 = process.hrtime.bigint();
  const startedAt = Date.now();
  let first: { ns: bigint; cpu: NodeJS.CpuUsage } | undefined;
  let connections = 0;
  const sockets: net.Socket[] = [];
  const connect = net.Socket.prototype.connect as (this: net.Socket, ...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function patchedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    // net.connect() hands over its normalised [options, callback] array as the first argument
    const opts: unknown = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const target = typeof opts === 'object' && opts !== null ? Number((opts as { port?: unknown }).port) : Number(opts);
    if (!port || target === port) {
      connections++;
      sockets.push(this);
      first ??= { ns: process.hrtime.bigint(), cpu: process.cpuUsage() };
    }
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;
  process.on('exit', (code) => {
    const endNs = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const ru = process.resourceUsage();
    const ms = (ns: bigint): number => Number(ns) / 1e6;
    const record: ProbeRecord = {
      code,
      startedAt,
      wallMs: ms(endNs - t0),
      cpuMs: (cpu.user + cpu.system) / 1000,
      userMs: ru.userCPUTime / 1000,
      sysMs: ru.systemCPUTime / 1000,
      maxRssKb: ru.maxRSS,
      smtpConnections: connections,
      smtpBytesWritten: sockets.reduce((sum, s) => sum + (s.bytesWritten || 0), 0),
      sendPhase: first
        ? {
            startMs: ms(first.ns - t0),
            wallMs: ms(endNs - first.ns),
            cpuMs: (cpu.user - first.cpu.user + cpu.system - first.cpu.system) / 1000,
          }
        : null,
    };
    try {
      fs.writeFileSync(out, JSON.stringify(record));
    } catch {
      // the parent reports a missing probe file
    }
  });
}

const probeOut = process.env.HERALD_BENCH_PROBE;
if (probeOut) observe(probeOut, Number(process.env.HERALD_BENCH_PORT || 0));
