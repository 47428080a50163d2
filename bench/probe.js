'use strict';
/**
 * Preloaded into a measured Node child (`node --require bench/probe.js …`); changes nothing the
 * child does. It notes the moment and the CPU time of the child's first TCP connection to the SMTP
 * port under test (the start of the send phase) and, at exit, the same again plus
 * process.resourceUsage() (user+sys CPU of all the process's threads, max RSS) and the bytes written
 * to the SMTP connections, written as JSON to
 * HERALD_BENCH_PROBE. The send phase is "first SMTP connection → process exit", for herald and the
 * nodemailer baseline alike.
 */
const fs = require('node:fs');
const net = require('node:net');

const out = process.env.HERALD_BENCH_PROBE;
const port = Number(process.env.HERALD_BENCH_PORT || 0);
if (out) {
  const t0 = process.hrtime.bigint();
  const startedAt = Date.now();
  let first;
  let connections = 0;
  const sockets = [];
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function patchedConnect(...args) {
    // net.connect() hands over its normalised [options, callback] array as the first argument
    const opts = Array.isArray(args[0]) ? args[0][0] : args[0];
    const target = typeof opts === 'object' && opts !== null ? Number(opts.port) : Number(opts);
    if (!port || target === port) {
      connections++;
      sockets.push(this);
      if (!first) first = { ns: process.hrtime.bigint(), cpu: process.cpuUsage() };
    }
    return connect.apply(this, args);
  };
  process.on('exit', (code) => {
    const endNs = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const ru = process.resourceUsage();
    const ms = (ns) => Number(ns) / 1e6;
    const record = {
      code,
      startedAt,
      wallMs: ms(endNs - t0),
      cpuMs: (cpu.user + cpu.system) / 1000,
      userMs: ru.userCPUTime / 1000,
      sysMs: ru.systemCPUTime / 1000,
      maxRssKb: ru.maxRSS,
      smtpConnections: connections,
      // client → server bytes over all SMTP connections: the messages plus the SMTP commands
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
