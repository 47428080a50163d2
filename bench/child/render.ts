/**
 * In-process measurements of herald's rendering, in a fresh Node process each time.
 *
 *   node dist-bench/child/render.js --mode sample --herald DIR --root DIR --post ID --out FILE
 *     writes the exact message herald sends to the first subscriber (the send loop's path:
 *     compose.personalise where the build has it, else buildMessage), for smtp-source to send
 *     the same bytes
 *   node dist-bench/child/render.js --mode render --herald DIR --root DIR --post ID --recipients 10000 --out FILE
 *     renderPost once (cold: includes loading MJML), then fillMessage and buildMessage for each of
 *     `recipients` subscribers (the list is cycled if shorter), and, where the build has it, the
 *     send loop's fast path: compileMessage once and personalise per recipient. The first pass is
 *     cold (what one send pays, JIT warm-up included); later passes are reported as "warm".
 */
import fs from 'node:fs';
import { loadHerald, readFolder, type ComposeApi, type Folder, type HeraldSender, type LoadedHerald } from '../herald/api';
import { msSince } from '../lib/numbers';
import type { RenderFigures } from '../results';
import { arg, argsOf, runChild } from './args';

const now = (): bigint => process.hrtime.bigint();
// the upper middle: these passes are few and the figure is a typical one, not an exact median
const middle = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const byteLength = (raw: Buffer | readonly Buffer[]): number => (Buffer.isBuffer(raw) ? raw.length : raw.reduce((n, b) => n + b.length, 0));

/** The message herald's send loop would send to the first subscriber, and which path built it. */
async function writeSample(api: LoadedHerald, folder: Folder, sender: HeraldSender, out: string): Promise<void> {
  const rendered = await api.renderPost(folder.post, folder.settings, new Date());
  // the path herald's send loop uses: the per-post compiled message when this build has it
  const message = api.compose
    ? api.compose.personalise(api.compose.compileMessage(rendered, sender, new Date()), folder.subscribers[0])
    : await api.buildMessage(rendered, sender, folder.subscribers[0]);
  fs.writeFileSync(out, Buffer.isBuffer(message.raw) ? message.raw : Buffer.concat(message.raw));
  fs.writeFileSync(`${out}.json`, JSON.stringify({ path: api.compose ? 'compose.personalise' : 'message.buildMessage' }));
}

async function measure(api: LoadedHerald, folder: Folder, sender: HeraldSender, count: number): Promise<RenderFigures> {
  const { settings, post, subscribers } = folder;
  const recipients = Array.from({ length: count }, (_, i) => subscribers[i % subscribers.length]);

  let t = now();
  const rendered = await api.renderPost(post, settings, new Date());
  const renderPostColdMs = msSince(t);
  t = now();
  await api.renderPost(post, settings, new Date());
  const renderPostWarmMs = msSince(t);

  // the recipient values buildMessage hands to fillMessage, made outside the timed fill loop
  const values = recipients.map((s) => ({ name: s.name, email: s.email, unsubscribe_url: api.unsubscribeLinks(sender, s).visible }));
  let sink = 0;
  const fillPass = (): number => {
    const start = now();
    for (const v of values) {
      const m = api.fillMessage(rendered, v);
      sink += m.html.length + m.text.length + m.subject.length;
    }
    return (msSince(start) * 1000) / count;
  };
  const buildPass = async (): Promise<number> => {
    const start = now();
    for (const s of recipients) sink += (await api.buildMessage(rendered, sender, s)).raw.length;
    return (msSince(start) * 1000) / count;
  };
  const fillCold = fillPass();
  const fillWarm: number[] = [];
  for (let i = 0; i < 5; i++) fillWarm.push(fillPass());
  const buildCold = await buildPass();
  const buildWarm = [await buildPass()];

  // herald's fast path, where this build has it: the message compiled once per post, then
  // personalise() per recipient (unsubscribe link, Message-ID, headers, the filled parts, encoded)
  const composePass = (compose: ComposeApi): NonNullable<RenderFigures['compose']> => {
    const t0 = now();
    const template = compose.compileMessage(rendered, sender, new Date());
    const compileMs = msSince(t0);
    const pass = (): number => {
      const start = now();
      for (const s of recipients) sink += byteLength(compose.personalise(template, s).raw);
      return (msSince(start) * 1000) / count;
    };
    const cold = pass();
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push(pass());
    return { compileMs, personaliseUsCold: cold, personaliseUsWarm: middle(warm) };
  };
  const compose = api.compose ? composePass(api.compose) : undefined;

  const sample = api.fillMessage(rendered, values[0]);
  return {
    recipients: count,
    renderPostColdMs,
    renderPostWarmMs,
    fillUsCold: fillCold,
    fillUsWarm: middle(fillWarm),
    buildUsCold: buildCold,
    buildUsWarm: middle(buildWarm),
    compose,
    htmlBytes: Buffer.byteLength(sample.html),
    textBytes: Buffer.byteLength(sample.text),
    checksum: sink,
  };
}

async function main(): Promise<void> {
  const args = argsOf(process.argv.slice(2));
  const api = loadHerald(arg(args, 'herald'));
  const folder = readFolder(api, arg(args, 'root'), arg(args, 'post'));
  const sender = api.resolveSender(folder.settings, { requireSecret: true });
  const out = arg(args, 'out');
  if (args.mode === 'sample') return writeSample(api, folder, sender, out);
  const figures = await measure(api, folder, sender, Number(args.recipients || 10000));
  fs.writeFileSync(out, JSON.stringify(figures));
}

runChild(main);
