/** The ceiling: Postfix's C load generator sends herald's message bytes to the sink, S sessions in parallel. */
import fs from 'node:fs';
import { say } from '../lib/io';
import { wireBytes } from '../lib/numbers';
import { run } from '../lib/proc';
import type { SendFigures } from '../results';
import type { BenchRun } from './context';
import { figures } from './figures';
import type { SendFolder } from './send-folder';

export function measureCeiling(bench: BenchRun, folder: SendFolder): Promise<SendFigures | undefined> {
  const o = bench.o;
  say(`ceiling: smtp-source -d -s ${o.sessions} -m ${o.subscribers} -F <herald's message>`);
  const args = ['-d', '-s', String(o.sessions), '-m', String(o.subscribers), '-F', folder.sourceFile,
    '-f', 'dispatch@example.com', '-t', 'ada.thompson.0@example.com', `127.0.0.1:${bench.port}`];
  return bench.leastDisturbed('smtp-source', async (i) => {
    const m = await bench.withSink(() =>
      run('smtp-source', bench.tools.source, args, { log: bench.log(`smtp-source-${i}.log`), timeoutMs: (60 + 0.005 * o.subscribers) * 1000 }));
    // its work is all send: the whole process is the send phase
    const r: SendFigures = { command: `smtp-source ${args.join(' ')}`, ...figures(o.subscribers, m, m.result.wallMs), bytes: wireBytes(fs.readFileSync(folder.sourceFile)) };
    if (m.result.code !== 0) bench.fail('smtp-source', `exited ${m.result.code ?? m.result.signal}`, m.result);
    else if (m.delivered !== o.subscribers) bench.fail('smtp-source', `the sink counted ${m.delivered} messages, not ${o.subscribers}`);
    return r;
  });
}
