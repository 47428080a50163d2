/** One run's section of BENCHMARKS.md: what ran where, the send table, the targets, the details. */
import type { ProfileFigures, Results, RunRecord, SendFigures } from '../results';
import { num, share, table } from './format';
import { isHtmlError } from './html';
import { relaysMarkdown } from './relays';
import { targetRows } from './targets';

const SEND_COLUMNS = ['', 'msg/s (send phase)', '× smtp-source', 'msg/s (whole process)', 'process wall s', 'CPU ms/msg (process)', 'CPU ms/msg (send phase)', 'peak RSS MB', 'sink CPU ms/msg', 'cores busy: client / sink', 'message bytes', 'bytes written to SMTP per msg', 'delivered (sink)', 'other processes\' CPU'];

function disturbance(r: SendFigures): string {
  const pct = (x: number | undefined): string => `${num(x === undefined ? undefined : 100 * x)}%`;
  const attempts = r.attempts ?? [];
  return (r.otherShare === undefined ? '—' : pct(r.otherShare)) +
    (attempts.length > 1 ? ` (least disturbed of ${attempts.length} runs: ${attempts.map(pct).join(', ')})` : '');
}

function sendTable(res: Results, o: RunRecord['o']): string {
  const ceil = res.ceiling?.msgPerSec;
  const row = (name: string, r: SendFigures | undefined, phaseNote: boolean): string[] => {
    if (!r) return [name, 'not run', '', '', '', '', '', '', '', '', '', '', '', ''];
    const ratio = ceil && r.msgPerSec ? `${num(r.msgPerSec / ceil, 2)}×` : '—';
    const delivered = r.delivered === o.subscribers ? `${num(r.delivered)} ✓` : `${num(r.delivered)} ✗`;
    // cores busy during the send phase: which side is the bottleneck (1.0 = one core saturated)
    const clientCpu = phaseNote ? r.sendPhaseCpuMsPerMsg : r.cpuMsPerMsg;
    const clientCores = r.msgPerSec && clientCpu !== undefined ? (clientCpu * r.msgPerSec) / 1000 : undefined;
    const sinkCores = r.msgPerSec && r.sinkCpuMsPerMsg !== undefined ? (r.sinkCpuMsPerMsg * r.msgPerSec) / 1000 : undefined;
    return [name, num(r.msgPerSec), ratio, num(r.endToEndMsgPerSec), num(r.wallMs / 1000, 2), num(r.cpuMsPerMsg, 3),
      phaseNote ? num(r.sendPhaseCpuMsPerMsg, 3) : '= process', num(r.maxRssMb, 0), num(r.sinkCpuMsPerMsg, 3), `${num(clientCores, 2)} / ${num(sinkCores, 2)}`, num(r.bytes), num(r.clientBytesPerMsg), delivered,
      disturbance(r)];
  };
  return table(SEND_COLUMNS, [
    row('smtp-source (ceiling)', res.ceiling, false), row('nodemailer loop (baseline)', res.baseline, true), row('herald send', res.herald, true),
    ...(res.heraldCold ? [row('herald send, empty code cache', res.heraldCold, true)] : []),
  ]);
}

function profileMarkdown(p: ProfileFigures): string[] {
  return [
    '',
    `Profile of a second \`herald send\` (${num(p.messages)} messages, \`node --cpu-prof\`, ${num(p.processCpuMs)} ms CPU for the whole process). ` +
      `The profiler samples the main thread's stack every millisecond of wall time: ${num(p.busyMs)} ms busy, ${num(p.idleMs)} ms idle in the event loop. ` +
      'A synchronous system call (an fsync inside a better-sqlite3 transaction) counts as self time of the JavaScript function that made it, so "self ms" is main-thread time, not only CPU. Self time by package:',
    '',
    table(['package / area', 'self ms', '% of busy'], p.packages.slice(0, 10).map((x) => [x.name, num(x.ms), `${num(x.pct, 1)}%`])),
    '',
    'Top functions by self time:',
    '',
    table(['function', 'where', 'self ms', '% of busy'], p.functions.slice(0, 12).map((f) => [`\`${f.name}\``, f.where ? `\`${f.where}\`` : '', num(f.ms), `${num(f.pct, 1)}%`])),
  ];
}

export function sectionMarkdown(ctx: RunRecord): string {
  const { o, res, machine, version, command, date } = ctx;
  const out: string[] = [];
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
  out.push(...relaysMarkdown(res.relays, o));
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
  if (res.profile) out.push(...profileMarkdown(res.profile));
  const errors = res.errors.filter((e) => !isHtmlError(e));
  if (errors.length) {
    out.push('');
    out.push('**Errors in this run** (the figures above are not valid where they depend on these):');
    out.push('');
    for (const e of errors) out.push(`- ${e}`);
  }
  return out.join('\n');
}
