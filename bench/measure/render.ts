/** The per-recipient render cost: child/render.ts in a fresh process, and what others used of the CPU meanwhile. */
import { machineCpu } from '../lib/cpu';
import { readJson, say } from '../lib/io';
import { run } from '../lib/proc';
import { benchProgram } from '../paths';
import type { RenderFigures, Results } from '../results';
import type { BenchRun } from './context';
import { MEASURED_POST, type SendFolder } from './send-folder';

export async function measureRender(bench: BenchRun, folder: SendFolder): Promise<Results['render']> {
  const o = bench.o;
  say(`render: renderPost once, then fillMessage and buildMessage for ${o.renderRecipients.toLocaleString('en-US')} recipients`);
  const out = bench.log('render.json');
  await bench.waitQuiet();
  const m0 = machineCpu();
  const r = await run('render', process.execPath, [benchProgram('child/render.js'), '--mode', 'render', '--herald', o.herald, '--root', folder.root,
    '--post', MEASURED_POST, '--recipients', String(o.renderRecipients), '--out', out], { env: bench.env(), log: bench.log('render.log'), timeoutMs: 600_000 });
  const m1 = machineCpu();
  if (r.code !== 0) return bench.fail('render', `exited ${r.code ?? r.signal}`, r);
  const other = m1.busyMs - m0.busyMs - (r.time?.cpuMs ?? 0);
  const figures = readJson<RenderFigures>(out);
  if (!figures) return bench.fail('render', `wrote no figures to ${out}`, r);
  return { ...figures, otherShare: m1.totalMs > m0.totalMs ? Math.max(0, other) / (m1.totalMs - m0.totalMs) : undefined };
}
