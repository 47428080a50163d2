/** The "two relays at once" table of a run's section: two smtp-sources against herald with two relays, as a ratio. */
import type { RelayFigures, RunRecord, SendFigures } from '../results';
import { num, share, table } from './format';

const COLUMNS = ['two relays at once', 'msg/s (send phase)', '× two smtp-sources', 'process wall s', 'CPU ms/msg (process)', 'sink CPU ms/msg (both)', 'delivered (both sinks)', 'split between the sinks', 'other processes\' CPU'];

function row(name: string, r: SendFigures | undefined, ceiling: number | undefined, n: number): string[] {
  if (!r) return [name, 'not run', '', '', '', '', '', '', ''];
  const ratio = ceiling && r.msgPerSec ? `${num(r.msgPerSec / ceiling, 2)}×` : '—';
  const perRelay = r.perSink ? r.perSink.map((x) => num(x)).join(' / ') : '—';
  return [name, num(r.msgPerSec), ratio, num(r.wallMs / 1000, 2), num(r.cpuMsPerMsg, 3), num(r.sinkCpuMsPerMsg, 3), `${num(r.delivered)} ${r.delivered === n ? '✓' : '✗'}`, perRelay, share(r.otherShare)];
}

export function relaysMarkdown(relays: RelayFigures | undefined, o: RunRecord['o']): string[] {
  if (!relays) return [];
  const ceiling = relays.source?.msgPerSec;
  const half = Math.max(1, Math.floor(o.sessions / 2));
  return [
    '',
    `Two relays at once: a second smtp-sink beside the first; the same ${num(o.subscribers)} messages of the same bytes, half through each sink. ` +
      `The ceiling is two \`smtp-source -d -s ${half}\` started together, one per sink (msg/s over the wall time from the first start to the last exit); ` +
      `herald is \`herald send\` with \`relays\` naming the two sinks (weight 1, ${half} connections each).`,
    '',
    table(COLUMNS, [row('two smtp-sources (ceiling)', relays.source, ceiling, o.subscribers), row('herald send, two relays', relays.herald, ceiling, o.subscribers)]),
  ];
}
