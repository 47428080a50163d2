/**
 * The idle run: `herald send` with nothing new in a folder of many posts and subscribers, a fresh
 * process each time (Node start-up included); none of these runs may reach the sink.
 */
import path from 'node:path';
import { heraldCli } from '../herald/api';
import { makeNewsletter, makePost } from '../lib/fixture';
import { say } from '../lib/io';
import { median } from '../lib/numbers';
import { run } from '../lib/proc';
import type { IdleFigures } from '../results';
import type { BenchRun } from './context';

export async function measureIdle(bench: BenchRun): Promise<IdleFigures | undefined> {
  const o = bench.o;
  const root = path.join(bench.tmp, 'idle');
  say(`idle: folder with ${o.idlePosts} posts and ${o.idleSubscribers.toLocaleString('en-US')} subscribers`);
  const posts: Record<string, string> = {};
  for (let i = 0; i < o.idlePosts; i++) {
    const day = new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    posts[`${day.slice(0, 4)}/${day}-notes-${i}.md`] = makePost({ seed: 1000 + i, slug: `notes-${i}`, date: day });
  }
  makeNewsletter(root, { heraldRoot: o.herald, subscribers: o.idleSubscribers, sessions: o.sessions, posts });
  const runOnce = (i: number): ReturnType<typeof run> => run(`idle ${i}`, process.execPath, [heraldCli(o.herald), 'send', '--root', root], {
    env: bench.env(), log: bench.log(`idle-${i}.log`), timeoutMs: 120_000, time: i > 0,
  });
  const { result: first, delivered: firstDelivered } = await bench.withSink(() => runOnce(0));
  if (first.code !== 0) return bench.fail('idle (first run)', `exited ${first.code ?? first.signal}`, first);
  if (firstDelivered) return bench.fail('idle (first run)', `${firstDelivered} messages reached the sink; a first run mails nobody`);
  const walls: number[] = [];
  const others: number[] = [];
  const cpus: number[] = [];
  const rss: number[] = [];
  for (let i = 1; i <= o.idleRuns; i++) {
    const { result, delivered, otherShare } = await bench.withSink(() => runOnce(i));
    if (result.code !== 0) return bench.fail(`idle run ${i}`, `exited ${result.code ?? result.signal}`, result);
    if (delivered) return bench.fail(`idle run ${i}`, `${delivered} messages reached the sink; nothing was new`);
    walls.push(result.wallMs);
    if (otherShare !== undefined) others.push(otherShare);
    if (result.time) {
      cpus.push(result.time.cpuMs);
      rss.push(result.time.maxRssKb);
    }
  }
  return {
    posts: o.idlePosts, subscribers: o.idleSubscribers, runs: walls.length, firstRunMs: first.wallMs,
    medianMs: median(walls), minMs: Math.min(...walls), maxMs: Math.max(...walls),
    medianCpuMs: cpus.length ? median(cpus) : undefined, medianRssMb: rss.length ? median(rss) / 1024 : undefined,
    otherShare: others.length ? median(others) : undefined,
  };
}
