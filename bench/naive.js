'use strict';
/**
 * The baseline a user would write without herald: nodemailer's pooled transport and one
 * sendMail() per subscriber, at most 2 × connections in flight, no record of who got what.
 * The content is the same as herald's (herald's renderPost once, fillMessage per subscriber,
 * the same List-Id / List-Unsubscribe headers), so the two differ only in how they send.
 *
 *   node bench/naive.js --herald DIR --root DIR --post ID --port P --sessions S --out FILE
 *
 * Run it with `--require bench/probe.js` to get the send phase (first connection → exit).
 */
const fs = require('node:fs');
const { loadHerald, readFolder, argsOf } = require('./herald-api');

async function main() {
  const args = argsOf(process.argv.slice(2));
  const sessions = Number(args.sessions);
  const api = loadHerald(args.herald);
  const nodemailer = require(require.resolve('nodemailer', { paths: [args.herald] }));
  const MailComposer = require(require.resolve('nodemailer/lib/mail-composer', { paths: [args.herald] }));

  const t0 = process.hrtime.bigint();
  const { settings, post, subscribers } = readFolder(api, args.root, args.post);
  const rendered = await api.renderPost(post, settings, new Date());
  const sender = api.resolveSender(settings, { requireSecret: true });
  const prepMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const mailFor = (s) => {
    const links = api.unsubscribeLinks(sender, s);
    const filled = api.fillMessage(rendered, { name: s.name, email: s.email, unsubscribe_url: links.visible });
    const headers = { 'List-Id': sender.listId, 'List-Unsubscribe': links.header };
    if (links.oneClick) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    return {
      from: sender.from,
      to: { name: s.name, address: s.email },
      replyTo: sender.replyTo,
      subject: filled.subject,
      html: filled.html,
      text: filled.text,
      headers,
    };
  };
  const sample = await new MailComposer(mailFor(subscribers[0])).compile().build();
  // on the wire every line ends in CRLF (the DATA stream turns bare LF into CRLF)
  let bareLf = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 10 && (i === 0 || sample[i - 1] !== 13)) bareLf++;
  const sampleWireBytes = sample.length + bareLf;

  const transport = nodemailer.createTransport({
    pool: true,
    host: '127.0.0.1',
    port: Number(args.port),
    secure: false,
    maxConnections: sessions,
    // nodemailer's default, like herald's smtp.maxMessagesPerConnection
    maxMessages: 100,
    connectionTimeout: 15000,
    greetingTimeout: 15000,
    socketTimeout: 60000,
  });

  let next = 0;
  let sent = 0;
  let failed = 0;
  let firstError;
  const worker = async () => {
    while (next < subscribers.length) {
      const s = subscribers[next++];
      try {
        await transport.sendMail(mailFor(s));
        sent++;
      } catch (err) {
        failed++;
        firstError ??= err.message;
      }
    }
  };
  const t1 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 2 * sessions }, worker));
  const loopMs = Number(process.hrtime.bigint() - t1) / 1e6;
  transport.close();
  fs.writeFileSync(args.out, JSON.stringify({ subscribers: subscribers.length, sent, failed, firstError, sampleWireBytes, prepMs, loopMs }));
  process.exitCode = failed ? 1 : 0;
  // the pool says QUIT on close; give it a moment, then leave even if a socket lingers
  setTimeout(() => process.exit(), 200).unref();
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(2);
});
