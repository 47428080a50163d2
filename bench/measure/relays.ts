/**
 * Two relays at once: a second smtp-sink beside the first, and the same N messages sent through
 * both. The ceiling is two smtp-source processes, one per sink, each with half the sessions and
 * half the messages, started together; herald is `herald send` with `relays` naming the two sinks
 * (weight 1 each, half the connections each). Verified by both sinks' counters and, for herald,
 * by `herald status --json`. Reported as herald's msg/s over the two smtp-sources'.
 */
import fs from 'node:fs';
import path from 'node:path';
import { heraldCli } from '../herald/api';
import { machineCpu } from '../lib/cpu';
import { writePost } from '../lib/fixture';
import { readJson, say } from '../lib/io';
import { wireBytes } from '../lib/numbers';
import { freePort, run, type RunResult } from '../lib/proc';
import { type Sink, startSink } from '../lib/sink';
import { benchProgram } from '../paths';
import type { RelayFigures, SendFigures } from '../results';
import type { BenchRun, Measured } from './context';
import { figures } from './figures';
import { MEASURED_POST, type SendFolder } from './send-folder';

const RELAY_POST = `${MEASURED_POST}-two-relays`;

/** `fn` between two readings of both sinks' counters and CPU, and of the machine's CPU (as BenchRun.withSink does for one). */
async function withSinks(bench: BenchRun, sinks: readonly Sink[], fn: () => Promise<{ result: RunResult; childCpuMs: number }>): Promise<Measured & { readonly perSink: number[] }> {
  await bench.waitQuiet();
  const before = await Promise.all(sinks.map((s) => s.settle(150)));
  const cpu0 = sinks.map((s) => s.cpuMs());
  const m0 = machineCpu();
  const self0 = process.cpuUsage();
  const { result, childCpuMs } = await fn();
  const m1 = machineCpu();
  const self = process.cpuUsage(self0);
  const sinkCpuMs = sinks.reduce((sum, s, i) => sum + s.cpuMs() - cpu0[i]!, 0);
  const after = await Promise.all(sinks.map((s) => s.settle()));
  const otherMs = m1.busyMs - m0.busyMs - childCpuMs - sinkCpuMs - (self.user + self.system) / 1000;
  const otherShare = m1.totalMs > m0.totalMs ? Math.max(0, otherMs) / (m1.totalMs - m0.totalMs) : undefined;
  const perSink = after.map((a, i) => a - before[i]!);
  return { result, delivered: perSink.reduce((n, d) => n + d, 0), perSink, sinkCpuMs, otherShare };
}

/** The two halves: messages and sessions per relay. */
function halves(n: number): [number, number] {
  return [Math.ceil(n / 2), Math.floor(n / 2)];
}

function measureSources(bench: BenchRun, folder: SendFolder, sinks: readonly Sink[], ports: readonly number[]): Promise<SendFigures | undefined> {
  const o = bench.o;
  const messages = halves(o.subscribers);
  const sessions = Math.max(1, Math.floor(o.sessions / 2));
  const argsFor = (i: number): string[] => ['-d', '-s', String(sessions), '-m', String(messages[i]), '-F', folder.sourceFile,
    '-f', 'dispatch@example.com', '-t', 'ada.thompson.0@example.com', `127.0.0.1:${ports[i]}`];
  say(`two relays, ceiling: two smtp-source -s ${sessions}, one per sink, started together`);
  return bench.leastDisturbed('two smtp-sources', async (attempt) => {
    const m = await withSinks(bench, sinks, async () => {
      const start = process.hrtime.bigint();
      const results = await Promise.all([0, 1].map((i) =>
        run(`smtp-source-${i + 1}`, bench.tools.source, argsFor(i), { log: bench.log(`smtp-source-relay${i + 1}-${attempt}.log`), timeoutMs: (60 + 0.005 * o.subscribers) * 1000 })));
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const cpuMs = results.reduce((sum, r) => sum + (r.time?.cpuMs ?? NaN), 0);
      const bad = results.find((r) => r.code !== 0);
      const combined: RunResult = {
        name: 'two smtp-sources', code: bad ? bad.code : 0, signal: bad?.signal ?? null, timedOut: results.some((r) => r.timedOut), wallMs, log: bad?.log,
        time: { elapsedS: wallMs / 1000, userS: NaN, sysS: NaN, cpuMs, maxRssKb: Math.max(...results.map((r) => r.time?.maxRssKb ?? 0)) },
      };
      return { result: combined, childCpuMs: cpuMs };
    });
    const r: SendFigures = { command: `smtp-source ${argsFor(0).join(' ')} & smtp-source ${argsFor(1).join(' ')}`, ...figures(o.subscribers, m, m.result.wallMs), bytes: wireBytes(fs.readFileSync(folder.sourceFile)), perSink: m.perSink };
    if (m.result.code !== 0) bench.fail('two smtp-sources', `exited ${m.result.code ?? m.result.signal}`, m.result);
    else if (m.delivered !== o.subscribers) bench.fail('two smtp-sources', `the sinks counted ${m.delivered} messages, not ${o.subscribers}`);
    return r;
  });
}

/** Sends a new post with `relays` naming the two sinks; the folder's settings are put back afterwards. */
async function measureHeraldRelays(bench: BenchRun, folder: SendFolder, sinks: readonly Sink[], ports: readonly number[]): Promise<SendFigures | undefined> {
  const o = bench.o;
  const configFile = path.join(folder.root, 'herald.config.json');
  const original = fs.readFileSync(configFile, 'utf8');
  const connections = Math.max(1, Math.floor(o.sessions / 2));
  const config = { ...(JSON.parse(original) as Record<string, unknown>), relays: [{ name: 'one', connections }, { name: 'two', connections }] };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  say(`two relays, herald send: ${o.subscribers.toLocaleString('en-US')} recipients, ${connections} connections to each sink`);
  try {
    return await bench.leastDisturbed('herald send (two relays)', async (attempt) => {
      const slug = attempt === 0 ? RELAY_POST : `${RELAY_POST}-run-${attempt + 1}`;
      writePost(folder.root, `2026-05-04-${slug}.md`, folder.postText.replace(/^slug: .*$/m, `slug: ${slug}`));
      const probeFile = bench.log(`herald-${slug}.probe.json`);
      const env = bench.probeEnv(probeFile, {
        // any port: the probe's send phase starts at the first connection to either sink
        HERALD_BENCH_PORT: '0',
        HERALD_SMTP_URL_ONE: `smtp://127.0.0.1:${ports[0]}`,
        HERALD_SMTP_URL_TWO: `smtp://127.0.0.1:${ports[1]}`,
      });
      const args = ['--require', benchProgram('child/probe.js'), heraldCli(o.herald), 'send', '--root', folder.root];
      const m = await withSinks(bench, sinks, async () => {
        const result = await run(`herald-${slug}`, process.execPath, args, { env, log: bench.log(`herald-${slug}.log`), timeoutMs: bench.sendTimeoutMs(), probeFile });
        return { result, childCpuMs: result.time?.cpuMs ?? 0 };
      });
      const status = await relayStatus(bench, folder.root, slug);
      const r: SendFigures = { ...figures(o.subscribers, m, m.result.probe?.sendPhase?.wallMs), bytes: folder.messageBytes, status, exitCode: m.result.code, perSink: m.perSink };
      if (m.result.code !== 0) bench.fail('herald send (two relays)', `exited ${m.result.code ?? m.result.signal}`, m.result);
      else if (m.delivered !== o.subscribers || status.sent !== o.subscribers) {
        bench.fail('herald send (two relays)', `the sinks counted ${m.delivered} messages and herald status reports ${String(status.sent)} sent, not ${o.subscribers}${status.error ? ` (${String(status.error)})` : ''}`);
      }
      return r;
    });
  } finally {
    fs.writeFileSync(configFile, original);
  }
}

/** The post's counts from `herald status --json` (which must list both relays). */
async function relayStatus(bench: BenchRun, root: string, postId: string): Promise<SendFigures['status'] & object> {
  const file = bench.log('status-relays.json');
  const r = await run('herald status', process.execPath, [heraldCli(bench.o.herald), 'status', '--json', '--root', root], { env: bench.env(), log: file, timeoutMs: 120_000, time: false });
  const json = readJson<{ posts?: { id?: string; counts?: Record<string, number> }[]; relays?: { name: string; sent: number }[] }>(file);
  const post = json?.posts?.find((p) => p.id === postId);
  if (r.code !== 0 || !post) return { error: `herald status --json exited ${r.code}; post ${postId} ${post ? 'found' : 'not found'}` };
  if (json?.relays?.map((x) => x.name).join(',') !== 'one,two') return { error: 'herald status --json does not list the relays one and two' };
  return { ...post.counts };
}

export async function measureRelays(bench: BenchRun, folder: SendFolder): Promise<RelayFigures> {
  const port = await freePort();
  const second = await startSink(bench.tools.sink, port, bench.log('smtp-sink-2.log'));
  say(`second smtp-sink listening on 127.0.0.1:${port} (pid ${second.pid})`);
  const sinks = [bench.sink, second];
  const ports = [bench.port, port];
  try {
    const source = await measureSources(bench, folder, sinks, ports);
    const herald = await measureHeraldRelays(bench, folder, sinks, ports);
    return { source, herald };
  } finally {
    await second.stop();
  }
}
