import type { RunResult } from '../lib/proc';
import type { Figures } from '../results';
import type { Measured } from './context';

/**
 * msg/s, CPU and memory of one measured child sending `n` messages: CPU and peak RSS from GNU
 * time, the send phase (first SMTP connection → exit) from the probe where the child ran with it,
 * the sink's CPU from /proc. `sendPhaseMs` is the denominator of msg/s: the probe's send phase
 * for Node programs, the whole process for smtp-source.
 */
export function figures(n: number, m: Measured, sendPhaseMs: number | undefined): Figures {
  const result: RunResult = m.result;
  const t = result.time;
  const p = result.probe;
  return {
    messages: n,
    delivered: m.delivered,
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
    sinkCpuMsPerMsg: Number.isFinite(m.sinkCpuMs) ? m.sinkCpuMs / n : undefined,
    connections: p?.smtpConnections,
    clientBytesPerMsg: p?.smtpBytesWritten ? p.smtpBytesWritten / n : undefined,
    otherShare: m.otherShare,
    timedOut: result.timedOut,
    code: result.code,
  };
}
