/**
 * The newsletter folder every send phase uses, made ready as an author would have it: a first
 * `herald send` records an existing post as the baseline, a new post is added and previewed with
 * `--dry-run`; and the exact message herald sends to the first subscriber, for smtp-source.
 */
import fs from 'node:fs';
import path from 'node:path';
import { heraldCli } from '../herald/api';
import { makeNewsletter, makePost, writePost } from '../lib/fixture';
import { readJson, say } from '../lib/io';
import { wireBytes } from '../lib/numbers';
import { run, tail } from '../lib/proc';
import { benchProgram } from '../paths';
import type { BenchRun } from './context';

/** The post every send phase sends (its id in the folder). */
export const MEASURED_POST = 'field-notes';

export interface SendFolder {
  readonly root: string;
  /** The measured post's markdown; further sends reuse it under other slugs. */
  readonly postText: string;
  readonly postBytes: number;
  /** The sample message with LF line ends, as smtp-source -F wants it. */
  readonly sourceFile: string;
  /** The sample message's size on the wire. */
  readonly messageBytes: number;
  /** Which of herald's paths built the sample (compose.personalise or message.buildMessage). */
  readonly messagePath?: string;
  readonly firstRunMs: number;
}

export async function prepareSendFolder(bench: BenchRun): Promise<SendFolder> {
  const o = bench.o;
  const cli = heraldCli(o.herald);
  const root = path.join(bench.tmp, 'newsletter');
  say(`newsletter folder with ${o.subscribers.toLocaleString('en-US')} subscribers: ${root}`);
  makeNewsletter(root, {
    heraldRoot: o.herald,
    subscribers: o.subscribers,
    sessions: o.sessions,
    posts: { '2026-04-20-archive.md': makePost({ seed: 2, slug: 'spring-archive', title: 'Spring archive: the notes so far', date: '2026-04-20' }) },
  });
  // first run: records the existing post as published, mails nobody, needs no SMTP
  const probeFile = bench.log('first.probe.json');
  const first = await run('herald first run', process.execPath, ['--require', benchProgram('child/probe.js'), cli, 'send', '--root', root], {
    env: bench.probeEnv(probeFile), log: bench.log('herald-first-run.log'), timeoutMs: bench.sendTimeoutMs(), probeFile,
  });
  if (first.code !== 0) throw new Error(`the first herald run (baseline) exited ${first.code}:\n${tail(first.log)}`);
  if (first.probe?.smtpConnections) throw new Error('the first herald run connected to SMTP; it should only record the baseline');
  const postText = makePost({ seed: 1, slug: MEASURED_POST, title: 'Field notes: what a week of sending taught us', date: '2026-05-04' });
  writePost(root, `2026-05-04-${MEASURED_POST}.md`, postText);
  const postBytes = Buffer.byteLength(postText);
  // the author's look before sending: renders the post (filling the code cache as a machine
  // that has run herald before has it), sends and records nothing
  const preview = await run('herald dry run', process.execPath, [cli, 'send', '--dry-run', '--root', root], {
    env: bench.env(), log: bench.log('herald-dry-run.log'), timeoutMs: bench.sendTimeoutMs(), time: false,
  });
  if (preview.code !== 0) throw new Error(`herald send --dry-run exited ${preview.code}:\n${tail(preview.log)}`);

  // the exact message herald sends to the first subscriber, for smtp-source to send too
  const eml = path.join(bench.tmp, 'message.eml');
  const sample = await run('sample message', process.execPath, [benchProgram('child/render.js'), '--mode', 'sample', '--herald', o.herald, '--root', root, '--post', MEASURED_POST, '--out', eml], {
    env: bench.env(), log: bench.log('sample.log'), timeoutMs: 120_000, time: false,
  });
  if (sample.code !== 0) throw new Error(`could not build a sample message:\n${tail(sample.log)}`);
  const raw = fs.readFileSync(eml);
  // smtp-source -F appends CRLF to each line it reads: give it LF lines, the wire bytes are then the same
  const sourceFile = path.join(bench.tmp, 'message.lf.eml');
  fs.writeFileSync(sourceFile, raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  // on the wire every line ends in CRLF (nodemailer's DATA stream turns bare LF into CRLF, as smtp-source does)
  const messageBytes = wireBytes(raw);
  say(`post ${postBytes} bytes of markdown → message ${messageBytes} bytes on the wire (headers, text and HTML parts)`);
  return {
    root, postText, postBytes, sourceFile, messageBytes, messagePath: readJson<{ path?: string }>(`${eml}.json`)?.path, firstRunMs: first.wallMs,
  };
}
