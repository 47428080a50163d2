/**
 * herald's send through its built CLI, with its record: one new post to every subscriber,
 * verified twice (the sink's counter and `herald status --json` must both say N), and once more
 * with an empty code cache (a machine's very first send).
 */
import fs from 'node:fs';
import path from 'node:path';
import { heraldCli } from '../herald/api';
import { writePost } from '../lib/fixture';
import { readJson, say } from '../lib/io';
import { run } from '../lib/proc';
import { benchProgram } from '../paths';
import type { SendFigures, StatusCounts } from '../results';
import type { BenchRun } from './context';
import { figures } from './figures';
import { MEASURED_POST, type SendFolder } from './send-folder';

export interface HeraldSendOptions {
  /** Run under `node --cpu-prof`, the profile written here. */
  readonly profileDir?: string;
  /** herald's code cache for this run (default: the bench's, warmed by the earlier runs). */
  readonly codeCache?: string;
}

/** A post's counts as `herald status --json` reports them. */
async function heraldStatus(bench: BenchRun, root: string, postId: string): Promise<StatusCounts> {
  const file = bench.log('status.json');
  const r = await run('herald status', process.execPath, [heraldCli(bench.o.herald), 'status', '--json', '--root', root], {
    env: bench.env(), log: file, timeoutMs: 120_000, time: false,
  });
  const json = readJson<{ posts?: unknown }>(file);
  const post = Array.isArray(json?.posts) ? (json.posts as { id?: string; counts?: StatusCounts }[]).find((p) => p.id === postId) : undefined;
  if (r.code !== 0 || !post) return { error: `herald status --json exited ${r.code}; post ${postId} ${post ? 'found' : 'not found'}` };
  return post.counts ?? {};
}

/**
 * Runs `herald send` with one new post: the measured post (added after the first run) or, for a
 * further run, its text under another slug (so the message size stays the same). herald sends it
 * to everyone.
 */
export async function heraldSend(bench: BenchRun, folder: SendFolder, slug: string, { profileDir, codeCache }: HeraldSendOptions = {}): Promise<SendFigures> {
  const o = bench.o;
  if (!fs.existsSync(path.join(folder.root, 'posts', `2026-05-04-${slug}.md`))) {
    writePost(folder.root, `2026-05-04-${slug}.md`, folder.postText.replace(/^slug: .*$/m, `slug: ${slug}`));
  }
  const tag = profileDir ? 'herald-cpu-prof' : `herald-${slug}`;
  const probeFile = bench.log(`${tag}.probe.json`);
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const args = [...nodeArgs, '--require', benchProgram('child/probe.js'), heraldCli(o.herald), 'send', '--root', folder.root];
  const m = await bench.withSink(() =>
    run(tag, process.execPath, args, {
      env: bench.probeEnv(probeFile, codeCache ? { HERALD_CODE_CACHE: codeCache } : {}), log: bench.log(`${tag}.log`), timeoutMs: bench.sendTimeoutMs(), probeFile,
    }));
  const status = await heraldStatus(bench, folder.root, slug);
  const r: SendFigures = { ...figures(o.subscribers, m, m.result.probe?.sendPhase?.wallMs), bytes: folder.messageBytes, status, exitCode: m.result.code };
  // same message size everywhere: what herald wrote per message (SMTP commands add ~100 bytes)
  // must match the sample smtp-source sends
  if (r.clientBytesPerMsg && Math.abs(r.clientBytesPerMsg - folder.messageBytes) > 0.02 * folder.messageBytes + 300) {
    bench.fail(tag, `herald wrote ${Math.round(r.clientBytesPerMsg)} bytes per message to SMTP but the sample message is ${folder.messageBytes} bytes: the ceiling did not send the same size`);
  }
  if (m.result.code !== 0) bench.fail(tag, `herald send exited ${m.result.code ?? m.result.signal}`, m.result);
  else if (m.delivered !== o.subscribers || status.sent !== o.subscribers) {
    bench.fail(tag, `the sink counted ${m.delivered} messages and herald status reports ${status.sent} sent, not ${o.subscribers}`);
  }
  return r;
}

/** herald's row: the measured post to every subscriber, with the code cache the earlier runs filled. */
export function measureHerald(bench: BenchRun, folder: SendFolder): Promise<SendFigures | undefined> {
  say(`herald send: ${bench.o.subscribers.toLocaleString('en-US')} recipients over ${bench.o.sessions} connections`);
  return bench.leastDisturbed('herald send', (i) => heraldSend(bench, folder, i === 0 ? MEASURED_POST : `${MEASURED_POST}-run-${i + 1}`));
}

/** The row below it: another new post, sent with an empty code cache (a machine's very first send). */
export function measureHeraldCold(bench: BenchRun, folder: SendFolder): Promise<SendFigures | undefined> {
  say('herald send again, a new post, with an empty code cache (a machine\'s first run)');
  return bench.leastDisturbed('herald send (empty code cache)', (i) =>
    heraldSend(bench, folder, `${MEASURED_POST}-cold-${i + 1}`, { codeCache: path.join(bench.tmp, `code-cache-empty-${i + 1}`) }));
}
