/** The baseline: a plain nodemailer pooled-transport loop (child/naive.ts) sends the same content, no record. */
import { readJson, say } from '../lib/io';
import { run } from '../lib/proc';
import { benchProgram } from '../paths';
import type { NaiveOutcome, SendFigures } from '../results';
import type { BenchRun } from './context';
import { figures } from './figures';
import { MEASURED_POST, type SendFolder } from './send-folder';

export function measureBaseline(bench: BenchRun, folder: SendFolder): Promise<SendFigures | undefined> {
  const o = bench.o;
  say(`baseline: nodemailer pooled transport, maxConnections ${o.sessions}, ${2 * o.sessions} sendMail() in flight`);
  return bench.leastDisturbed('nodemailer loop', async (i) => {
    const probeFile = bench.log(`baseline-${i}.probe.json`);
    const outFile = bench.log(`baseline-${i}.json`);
    const args = ['--require', benchProgram('child/probe.js'), benchProgram('child/naive.js'), '--herald', o.herald, '--root', folder.root,
      '--post', MEASURED_POST, '--port', String(bench.port), '--sessions', String(o.sessions), '--out', outFile];
    const m = await bench.withSink(() =>
      run('nodemailer loop', process.execPath, args, { env: bench.probeEnv(probeFile), log: bench.log(`baseline-${i}.log`), timeoutMs: bench.sendTimeoutMs(), probeFile }));
    const own = readJson<NaiveOutcome>(outFile);
    const r: SendFigures = { ...figures(o.subscribers, m, m.result.probe?.sendPhase?.wallMs), bytes: own?.sampleWireBytes, own };
    if (m.result.code !== 0) bench.fail('nodemailer loop', `exited ${m.result.code ?? m.result.signal}`, m.result);
    else if (m.delivered !== o.subscribers || own?.sent !== o.subscribers) {
      bench.fail('nodemailer loop', `the sink counted ${m.delivered} and the loop ${own?.sent} messages, not ${o.subscribers}`);
    }
    return r;
  });
}
