/**
 * The baseline a user would write without herald: nodemailer's pooled transport and one
 * sendMail() per subscriber, at most 2 × connections in flight, no record of who got what.
 * The content is the same as herald's (herald's renderPost once, fillMessage per subscriber,
 * the same List-Id / List-Unsubscribe headers), so the two differ only in how they send.
 *
 *   node dist-bench/child/naive.js --herald DIR --root DIR --post ID --port P --sessions S --out FILE
 *
 * Run it with `--require dist-bench/child/probe.js` to get the send phase (first connection → exit).
 */
import fs from 'node:fs';
import type Nodemailer from 'nodemailer';
import type MailComposerClass from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { heraldRequire, loadHerald, readFolder, type HeraldSubscriber } from '../herald/api';
import { wireBytes } from '../lib/numbers';
import type { NaiveOutcome } from '../results';
import { arg, argsOf, runChild } from './args';

async function main(): Promise<void> {
  const args = argsOf(process.argv.slice(2));
  const herald = arg(args, 'herald');
  const sessions = Number(args.sessions);
  const api = loadHerald(herald);
  const nodemailer = heraldRequire<typeof Nodemailer>(herald, 'nodemailer');
  const MailComposer = heraldRequire<typeof MailComposerClass>(herald, 'nodemailer/lib/mail-composer');

  const t0 = process.hrtime.bigint();
  const { settings, post, subscribers } = readFolder(api, arg(args, 'root'), arg(args, 'post'));
  const rendered = await api.renderPost(post, settings, new Date());
  const sender = api.resolveSender(settings, { requireSecret: true });
  const prepMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const mailFor = (s: HeraldSubscriber): Mail.Options => {
    const links = api.unsubscribeLinks(sender, s);
    const filled = api.fillMessage(rendered, { name: s.name, email: s.email, unsubscribe_url: links.visible });
    const headers: Record<string, string> = { 'List-Id': sender.listId, 'List-Unsubscribe': links.header };
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
  const sampleWireBytes = wireBytes(sample);

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
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < subscribers.length) {
      const s = subscribers[next++];
      try {
        await transport.sendMail(mailFor(s));
        sent++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  const t1 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 2 * sessions }, worker));
  const loopMs = Number(process.hrtime.bigint() - t1) / 1e6;
  transport.close();
  const outcome: NaiveOutcome = { subscribers: subscribers.length, sent, failed, firstError, sampleWireBytes, prepMs, loopMs };
  fs.writeFileSync(arg(args, 'out'), JSON.stringify(outcome));
  process.exitCode = failed ? 1 : 0;
  // the pool says QUIT on close; give it a moment, then leave even if a socket lingers
  setTimeout(() => process.exit(), 200).unref();
}

runChild(main);
