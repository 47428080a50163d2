/**
 * Provider webhooks in `herald serve`, through the built CLI: SES through SNS (signed with a test
 * certificate that a test setting allows, topic allowlist, subscription confirmation), Postmark,
 * Mailgun and SendGrid, each signed exactly as the provider signs; refused with 401/403 and logged
 * when the check fails; the same event twice counts once.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { startServe } from '../support/serve-process';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { hasOpenssl } from '../support/tls';
import { FAST_SMTP, herald, heraldEnv } from './helpers';

const READERS = ['ann', 'bo', 'cy', 'di', 'ed'].map((n) => `${n}@example.org`);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:herald-bounces';
const MAILGUN_KEY = 'key-mailgun-test-0123456789';
const POSTMARK_SECRET = 'postmark-shared-secret';
const webhookTest = hasOpenssl() ? test : test.skip;

interface CertServer { readonly prefix: string; readonly key: crypto.KeyObject; readonly visits: string[]; close(): Promise<void> }

/** Serves a self-signed certificate the way SNS serves its signing certificates, and records subscription visits. */
async function certServer(): Promise<CertServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-sns-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=sns.test', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, stdio: 'pipe' });
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  const key = crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'key.pem')));
  fs.rmSync(dir, { recursive: true, force: true });
  const visits: string[] = [];
  const server = http.createServer((req, res) => {
    visits.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(req.url === '/SimpleNotificationService-test.pem' ? cert : '<ConfirmSubscriptionResponse/>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { prefix: `http://127.0.0.1:${port}/`, key, visits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function snsSigned(fields: Record<string, string>, key: crypto.KeyObject, certUrl: string): Record<string, string> {
  const m: Record<string, string> = { ...fields, SignatureVersion: '2', SigningCertURL: certUrl };
  const keys = m.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'].filter((k) => k in m) : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = keys.map((k) => `${k}\n${m[k]}\n`).join('');
  return { ...m, Signature: crypto.sign('sha256', Buffer.from(text), key).toString('base64') };
}

describe('bounce and complaint webhooks in herald serve', () => {
  let smtp: TestSmtpServer;
  let nl: TempNewsletter;
  let certs: CertServer;
  let stopServe: (() => Promise<unknown>) | undefined;

  afterEach(async () => {
    await stopServe?.();
    await certs?.close();
    await smtp?.close();
    nl?.remove();
  });

  webhookTest('each provider\'s signed events suppress; unsigned, forged or foreign ones are refused and logged; duplicates count once', async () => {
    smtp = await startSmtpServer();
    certs = await certServer();
    nl = makeNewsletter({
      config: { smtp: FAST_SMTP, unsubscribe: { url: 'https://news.example.com/unsubscribe' }, bounces: { returnPath: 'bounces+{token}@example.com', webhooks: { ses: { topicArns: [TOPIC] } } } },
      posts: { 'old.md': '# Old\n\ntext\n' },
      subscribers: { 'list.csv': `email\n${READERS.join('\n')}\n` },
    });
    expect((await herald(nl, ['send'], smtp)).code).toBe(0);
    nl.write('posts/first.md', '# First\n\nHello.\n');
    expect((await herald(nl, ['send'], smtp)).code).toBe(0);
    const sent = new Map(smtp.messages.map((m) => [m.envelopeTo[0]!, m]));
    const sendgrid = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const env = heraldEnv(undefined, {
      HERALD_MAILGUN_SIGNING_KEY: MAILGUN_KEY,
      HERALD_POSTMARK_WEBHOOK_SECRET: POSTMARK_SECRET,
      HERALD_SENDGRID_VERIFICATION_KEY: sendgrid.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      HERALD_SNS_TEST_URL_PREFIX: certs.prefix,
    });
    const serving = await startServe(nl, env);
    stopServe = () => serving.stop();
    const origin = serving.origin;
    const post = async (route: string, body: unknown, headers: Record<string, string> = {}): Promise<number> => {
      const res = await fetch(`${origin}/webhooks/${route}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
      await res.text();
      return res.status;
    };
    const suppressed = (): string => (nl.exists('subscribers/suppressed.csv') ? nl.read('subscribers/suppressed.csv') : '');
    const certUrl = `${certs.prefix}SimpleNotificationService-test.pem`;

    // SES through SNS: the subscription is confirmed, then a bounce is believed
    const confirm = snsSigned({ Type: 'SubscriptionConfirmation', MessageId: 'c-1', Token: 'tok', TopicArn: TOPIC, Message: 'confirm', SubscribeURL: `${certs.prefix}confirm?Token=tok`, Timestamp: '2026-11-30T10:00:00.000Z' }, certs.key, certUrl);
    expect(await post('ses', confirm)).toBe(200);
    expect(certs.visits).toContain('/confirm?Token=tok');
    const ann = sent.get('ann@example.org')!;
    const sesBounce = snsSigned({
      Type: 'Notification', MessageId: 'n-1', TopicArn: TOPIC, Timestamp: '2026-11-30T10:01:00.000Z',
      Message: JSON.stringify({ notificationType: 'Bounce', bounce: { feedbackId: 'fb-1', bounceType: 'Permanent', bounceSubType: 'General', timestamp: '2026-11-30T10:00:59.000Z', bouncedRecipients: [{ emailAddress: 'ann@example.org', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] }, mail: { source: ann.envelopeFrom, commonHeaders: { messageId: ann.parsed.messageId } } }),
    }, certs.key, certUrl);
    expect(await post('ses', sesBounce)).toBe(200);
    expect(suppressed()).toMatch(/ann@example\.org,bounced,2026-11-30T10:00:59Z/);
    expect(await post('ses', sesBounce)).toBe(200);
    // forged: another key, a certificate from elsewhere, a topic not on the allowlist
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const bo = sent.get('bo@example.org')!;
    const boBounce = { Type: 'Notification', MessageId: 'n-2', TopicArn: TOPIC, Timestamp: '2026-11-30T10:02:00.000Z', Message: JSON.stringify({ notificationType: 'Bounce', bounce: { feedbackId: 'fb-2', bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'bo@example.org', status: '5.1.1' }] }, mail: { commonHeaders: { messageId: bo.parsed.messageId } } }) };
    expect(await post('ses', snsSigned(boBounce, other, certUrl))).toBe(403);
    expect(await post('ses', snsSigned(boBounce, certs.key, 'https://evil.example.com/SimpleNotificationService-x.pem'))).toBe(403);
    expect(await post('ses', snsSigned({ ...boBounce, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:theirs' }, certs.key, certUrl))).toBe(403);
    expect(await post('ses', { hello: 'world' })).toBe(401);

    // Mailgun: HMAC of timestamp and token
    const now = Math.floor(Date.now() / 1000);
    const mgSign = (token: string, ts = String(now)) => ({ timestamp: ts, token, signature: crypto.createHmac('sha256', MAILGUN_KEY).update(`${ts}${token}`).digest('hex') });
    const mgComplaint = { 'event-data': { id: 'mg-1', event: 'complained', recipient: 'bo@example.org', timestamp: now, message: { headers: { 'message-id': bo.parsed.messageId!.slice(1, -1) } } } };
    expect(await post('mailgun', { signature: { ...mgSign('t1'), signature: '0'.repeat(64) }, ...mgComplaint })).toBe(403);
    expect(await post('mailgun', mgComplaint)).toBe(401);
    expect(suppressed()).not.toContain('bo@example.org');
    expect(await post('mailgun', { signature: mgSign('t2'), ...mgComplaint })).toBe(200);
    expect(suppressed()).toMatch(/bo@example\.org,complained,/);

    // SendGrid: ECDSA over timestamp + body
    const cy = sent.get('cy@example.org')!;
    const sgBody = JSON.stringify([{ email: 'cy@example.org', event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 no such user', sg_event_id: 'sg-1', 'smtp-id': cy.parsed.messageId, timestamp: now }]);
    const sgSig = crypto.sign('sha256', Buffer.from(`${now}${sgBody}`), sendgrid.privateKey).toString('base64');
    expect(await post('sendgrid', sgBody, { 'X-Twilio-Email-Event-Webhook-Signature': sgSig, 'X-Twilio-Email-Event-Webhook-Timestamp': String(now + 1) })).toBe(403);
    expect(await post('sendgrid', sgBody, { 'X-Twilio-Email-Event-Webhook-Signature': sgSig, 'X-Twilio-Email-Event-Webhook-Timestamp': String(now) })).toBe(200);
    expect(suppressed()).toMatch(/cy@example\.org,bounced,/);

    // Postmark: HTTP Basic credentials in the webhook URL
    const pm = { RecordType: 'Bounce', ID: 42, Type: 'HardBounce', TypeCode: 1, Email: 'di@example.org', BouncedAt: '2026-11-30T10:05:00Z', Description: 'The server was unable to deliver your message' };
    const basic = (pass: string) => ({ Authorization: `Basic ${Buffer.from(`postmark:${pass}`).toString('base64')}` });
    expect(await post('postmark', pm)).toBe(401);
    expect(await post('postmark', pm, basic('wrong'))).toBe(403);
    expect(await post('postmark', pm, basic(POSTMARK_SECRET))).toBe(200);
    expect(await post('postmark', pm, basic(POSTMARK_SECRET))).toBe(200);
    expect(suppressed()).toMatch(/di@example\.org,bounced,2026-11-30T10:05:00Z/);
    // an address herald never mailed: nothing changes
    expect(await post('postmark', { ...pm, ID: 43, Email: 'stranger@example.org' }, basic(POSTMARK_SECRET))).toBe(200);

    await stopServe();
    stopServe = undefined;
    expect(suppressed()).not.toMatch(/ed@example\.org|stranger/);
    expect(suppressed().trim().split('\n')).toHaveLength(5);
    expect(serving.stderr).toContain('confirmed the SNS subscription to arn:aws:sns:eu-west-1:123456789012:herald-bounces');
    expect(serving.stderr).toContain('ses webhook refused (403): signature does not verify');
    expect(serving.stderr).toContain("ses webhook refused (403): signing certificate not on SNS's host: https://evil.example.com/");
    expect(serving.stderr).toContain('ses webhook refused (403): topic arn:aws:sns:eu-west-1:999999999999:theirs is not in bounces.webhooks.ses.topicArns');
    expect(serving.stderr).toContain('mailgun webhook refused (401): no signature');
    expect(serving.stderr).toContain('sendgrid webhook refused (403): signature does not verify');
    expect(serving.stderr).toContain('postmark webhook refused (403): wrong credentials');
    expect(serving.stdout).toMatch(/webhook ses events=1 suppressed=0 duplicates=1/);
    expect(serving.stdout).toMatch(/webhook postmark events=1 suppressed=0 duplicates=1/);
    expect(serving.stdout).toMatch(/webhook postmark events=1 suppressed=0 duplicates=0 unmatched=1/);
  }, 120_000);
});
