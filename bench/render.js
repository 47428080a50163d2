'use strict';
/**
 * In-process measurements of herald's rendering, in a fresh Node process each time.
 *
 *   node bench/render.js --mode sample --herald DIR --root DIR --post ID --out FILE
 *     writes the exact message herald sends to the first subscriber (the send loop's path:
 *     compose.personalise where the build has it, else buildMessage), for
 *     smtp-source to send the same bytes
 *   node bench/render.js --mode render --herald DIR --root DIR --post ID --recipients 10000 --out FILE
 *     renderPost once (cold: includes loading MJML), then fillMessage and buildMessage for each of
 *     `recipients` subscribers (the list is cycled if shorter), and, where the build has it, the
 *     send loop's fast path: compileMessage once and personalise per recipient. The first pass is cold (what one
 *     send pays, JIT warm-up included); later passes are reported separately as "warm".
 */
const fs = require('node:fs');
const { loadHerald, readFolder, argsOf } = require('./herald-api');

const now = () => process.hrtime.bigint();
const msSince = (t) => Number(now() - t) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = argsOf(process.argv.slice(2));
  const api = loadHerald(args.herald);
  const { settings, post, subscribers } = readFolder(api, args.root, args.post);
  const sender = api.resolveSender(settings, { requireSecret: true });

  if (args.mode === 'sample') {
    const rendered = await api.renderPost(post, settings, new Date());
    // the path herald's send loop uses: the per-post compiled message when this build has it
    const message = api.compose
      ? api.compose.personalise(api.compose.compileMessage(rendered, sender, new Date()), subscribers[0])
      : await api.buildMessage(rendered, sender, subscribers[0]);
    fs.writeFileSync(args.out, Buffer.isBuffer(message.raw) ? message.raw : Buffer.concat(message.raw));
    fs.writeFileSync(`${args.out}.json`, JSON.stringify({ path: api.compose ? 'compose.personalise' : 'message.buildMessage' }));
    return;
  }

  const count = Number(args.recipients || 10000);
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
  const fillPass = () => {
    const start = now();
    for (const v of values) {
      const m = api.fillMessage(rendered, v);
      sink += m.html.length + m.text.length + m.subject.length;
    }
    return (msSince(start) * 1000) / count;
  };
  const buildPass = async () => {
    const start = now();
    for (const s of recipients) sink += (await api.buildMessage(rendered, sender, s)).raw.length;
    return (msSince(start) * 1000) / count;
  };
  const fillCold = fillPass();
  const fillWarm = [];
  for (let i = 0; i < 5; i++) fillWarm.push(fillPass());
  const buildCold = await buildPass();
  const buildWarm = [];
  buildWarm.push(await buildPass());

  // herald's fast path, where this build has it: the message compiled once per post, then
  // personalise() per recipient (unsubscribe link, Message-ID, headers, the filled parts, encoded)
  let compose;
  if (api.compose) {
    let t0 = now();
    const template = api.compose.compileMessage(rendered, sender, new Date());
    const compileMs = msSince(t0);
    const pass = () => {
      const start = now();
      for (const s of recipients) {
        const raw = api.compose.personalise(template, s).raw;
        sink += Buffer.isBuffer(raw) ? raw.length : raw.reduce((n, b) => n + b.length, 0);
      }
      return (msSince(start) * 1000) / count;
    };
    const cold = pass();
    const warm = [];
    for (let i = 0; i < 3; i++) warm.push(pass());
    compose = { compileMs, personaliseUsCold: cold, personaliseUsWarm: median(warm) };
  }

  const sample = api.fillMessage(rendered, values[0]);
  fs.writeFileSync(
    args.out,
    JSON.stringify({
      recipients: count,
      renderPostColdMs,
      renderPostWarmMs,
      fillUsCold: fillCold,
      fillUsWarm: median(fillWarm),
      buildUsCold: buildCold,
      buildUsWarm: median(buildWarm),
      compose,
      htmlBytes: Buffer.byteLength(sample.html),
      textBytes: Buffer.byteLength(sample.text),
      checksum: sink,
    }),
  );
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(2);
});
