/** herald's performance targets, and the table that judges a run against them. */
import type { Results, RunRecord } from '../results';
import { num, verdict } from './format';

export const TARGETS = {
  ratio: 0.4,
  cpuMsPerMsg: 0.2,
  renderUs: 20,
  idleMs: 300,
  rssMb: 200,
  rssSubscribers: 100_000,
  /** The HTML of the 10 KB bench post and of the 200×4 table post, with the default template. */
  benchHtmlBytes: 22 * 1024,
  tableHtmlBytes: 60 * 1024,
  /** herald's footerWithinBytes default: the footer and its unsubscribe link start before this byte. */
  footerWithinBytes: 90_000,
} as const;

export function targetRows(res: Results, o: RunRecord['o']): string[][] {
  const h = res.herald;
  const ceil = res.ceiling?.msgPerSec;
  const ratio = h?.msgPerSec && ceil ? h.msgPerSec / ceil : undefined;
  const r = res.render;
  const big = o.subscribers >= TARGETS.rssSubscribers;
  return [
    ['herald send rate ≥ 0.4 × smtp-source', `≥ ${TARGETS.ratio}×`, ratio === undefined ? '—' : `${num(ratio, 2)}× (${num(h?.msgPerSec)} vs ${num(ceil)} msg/s)`, verdict(ratio === undefined ? undefined : ratio >= TARGETS.ratio)],
    ['herald CPU per message (whole process, user+sys)', `≤ ${TARGETS.cpuMsPerMsg} ms`, h?.cpuMsPerMsg === undefined ? '—' : `${num(h.cpuMsPerMsg, 3)} ms (send phase alone ${num(h.sendPhaseCpuMsPerMsg, 3)} ms)`, verdict(h?.cpuMsPerMsg === undefined ? undefined : h.cpuMsPerMsg <= TARGETS.cpuMsPerMsg)],
    ['per-recipient render: fillMessage', `≤ ${TARGETS.renderUs} µs`, r ? `${num(r.fillUsCold, 2)} µs (warm ${num(r.fillUsWarm, 2)} µs)` : '—', verdict(r ? r.fillUsCold <= TARGETS.renderUs : undefined)],
    ...(r?.compose ? [['per-recipient message: compose.personalise (the send loop\'s path)', `≤ ${TARGETS.renderUs} µs`, `${num(r.compose.personaliseUsCold, 1)} µs (warm ${num(r.compose.personaliseUsWarm, 1)} µs)`, verdict(r.compose.personaliseUsCold <= TARGETS.renderUs)]] : []),
    // nodemailer's own composer is herald's reference path (test sends); judged only where it is the send path
    [`per-recipient message composed whole (nodemailer's composer in builds that have buildMessage, else herald's${r?.compose ? '; reference only, not the send loop\'s path' : ''})`, `≤ ${TARGETS.renderUs} µs`, r ? `${num(r.buildUsCold, 1)} µs (warm ${num(r.buildUsWarm, 1)} µs)` : '—', r?.compose ? 'n/a' : verdict(r ? r.buildUsCold <= TARGETS.renderUs : undefined)],
    [`idle herald send (${num(res.idle?.posts ?? o.idlePosts)} posts, ${num(res.idle?.subscribers ?? o.idleSubscribers)} subscribers), median wall`, `≤ ${TARGETS.idleMs} ms`, res.idle ? `${num(res.idle.medianMs)} ms (min ${num(res.idle.minMs)}, max ${num(res.idle.maxMs)}, ${res.idle.runs} runs)` : '—', verdict(res.idle ? res.idle.medianMs <= TARGETS.idleMs : undefined)],
    [`herald peak RSS at ${num(TARGETS.rssSubscribers)} subscribers`, `≤ ${TARGETS.rssMb} MB`, h?.maxRssMb === undefined ? '—' : `${num(h.maxRssMb)} MB at ${num(o.subscribers)} subscribers`, big ? verdict(h?.maxRssMb === undefined ? undefined : h.maxRssMb <= TARGETS.rssMb) : `n/a (run with --subscribers ${TARGETS.rssSubscribers})`],
  ];
}
