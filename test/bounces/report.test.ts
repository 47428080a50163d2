import { bounceKind } from '../../src/bounces/policy';
import { parseReport } from '../../src/bounces/report';
import { returnPathFor, tokenInAddress } from '../../src/bounces/verp';
import { sample } from './samples';

const PATTERN = 'bounces+{token}@example.com';
const MESSAGE_ID = '<0123456789abcdef0123456789abcdef01234567@example.com>';
const RETURN_PATH = returnPathFor(PATTERN, MESSAGE_ID, 'secret');
const TOKEN = tokenInAddress(RETURN_PATH, PATTERN)!;
const values = { RECIPIENT: 'reader@example.org', MESSAGE_ID, RETURN_PATH, SUBJECT: 'Spring notes' };

function parsed(name: string) {
  return parseReport(sample(name, values), PATTERN);
}

describe('reading reports as each server sends them', () => {
  test.each([
    ['postfix-hard', true, '5.1.1', 'hard'],
    ['postfix-soft', true, '4.2.2', 'soft'],
    ['exim', true, '5.1.1', 'hard'],
    ['exchange', true, '5.1.10', 'hard'],
    ['gmail', true, '5.1.1', 'hard'],
    ['yahoo', false, '5.0.0', 'hard'],
    ['plain-quoted', false, '5.0.0', 'hard'],
    ['sender-blocked', true, '5.7.1', 'sender'],
  ])('%s: a bounce for the reader, with its status, the original Message-ID and the token', async (name, standard, status, kind) => {
    const report = await parsed(name);
    if (report.kind !== 'bounce') throw new Error(`${name} read as ${report.kind}`);
    expect(report.standard).toBe(standard);
    const mine = report.recipients.find((r) => r.address === 'reader@example.org');
    expect(mine).toBeDefined();
    expect(mine!.status).toBe(status);
    expect(bounceKind(mine!)).toBe(kind);
    expect(report.messageIds).toContain(MESSAGE_ID);
    if (name !== 'plain-quoted') expect(report.tokens).toEqual([TOKEN]);
  });

  test('an ARF report is a complaint about the quoted message', async () => {
    const report = await parsed('arf-complaint');
    if (report.kind !== 'complaint') throw new Error(`read as ${report.kind}`);
    expect(report.feedbackType).toBe('abuse');
    expect(report.messageIds).toEqual([MESSAGE_ID]);
    expect(report.tokens).toEqual([TOKEN]);
    expect(report.recipients).toEqual(['reader@example.org']);
  });

  test('auto-replies and challenges are recognised, not read as bounces', async () => {
    expect((await parsed('vacation')).kind).toBe('auto-reply');
    expect((await parsed('autoreply-exchange')).kind).toBe('auto-reply');
    expect((await parsed('challenge')).kind).toBe('challenge');
  });

  test('bytes that are not a message say so', async () => {
    expect(await parsed('malformed')).toEqual({ kind: 'other', reason: 'not a mail message (no header block)' });
    expect((await parseReport(Buffer.alloc(0), PATTERN)).kind).toBe('other');
    expect(await parseReport(Buffer.from('Subject: hello\r\n\r\nhi'), PATTERN)).toMatchObject({ kind: 'other' });
  });

  test('a crafted report with deep nesting or endless parts is read within bounds', async () => {
    let body = 'Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n';
    for (let i = 0; i < 50; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--\r\n`;
    await expect(parseReport(Buffer.from(`From: a@example.org\r\n${body}`), PATTERN)).resolves.toBeDefined();
    const many = Array.from({ length: 5000 }, () => '--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n').join('');
    await expect(parseReport(Buffer.from(`Content-Type: multipart/report; boundary=x\r\n\r\n${many}--x--\r\n`), PATTERN)).resolves.toBeDefined();
  });

  test('encoded parts, bare LF line endings, a part without headers and UTF-8 headers are read', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64').replace(/(.{76})/g, '$1\n');
    const dsn = 'Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; reader@example.org\nAction: failed\nStatus: 5.1.1\n';
    const original = `Message-ID: ${MESSAGE_ID}\nSubject: Spring notes\n\nbody\n`;
    const report = await parseReport(Buffer.from([
      'From: MAILER-DAEMON@mx.example.net', 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"', '',
      '--B', 'Content-Transfer-Encoding: quoted-printable', '', 'Your message could not be deliv=', 'ered.',
      '--B', 'Content-Type: message/delivery-status', 'Content-Transfer-Encoding: base64', '', b64(dsn),
      '--B', 'Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', '', b64(original),
      '--B--', '',
    ].join('\n')), PATTERN);
    expect(report).toMatchObject({ kind: 'bounce', standard: true, recipients: [{ address: 'reader@example.org', status: '5.1.1' }], messageIds: [MESSAGE_ID] });
    const headerless = Buffer.from('From: postmaster@example.net\r\nSubject: failure notice\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nMail to reader@example.org failed: 550 5.1.1 unknown user\r\n\r\nbye\r\n--q--\r\n');
    expect(await parseReport(headerless, PATTERN)).toMatchObject({ kind: 'bounce', standard: false, recipients: [{ address: 'reader@example.org', status: '5.1.1' }] });
    expect((await parseReport(Buffer.from('From: reader@example.org\r\nSubject: Réponse automatique\r\n\r\nabsent'), PATTERN)).kind).toBe('auto-reply');
  });

  test('a header block past the limit is refused with a reason, not read', async () => {
    const huge = Buffer.from(`From: a@example.org\r\n${'X-Filler: y\r\n'.repeat(20_000)}\r\nhi`);
    await expect(parseReport(huge, PATTERN)).rejects.toThrow('a header block larger than 1048576 bytes');
  });

  test('policy: 5.x.x hard, 4.x.x and a full mailbox soft, 5.7.x and blocklists the sender, delays nothing', () => {
    const kind = (action: string, status: string, diagnostic = '') => bounceKind({ action, status, diagnostic });
    expect(kind('failed', '5.1.1')).toBe('hard');
    expect(kind('failed', '4.4.7')).toBe('soft');
    expect(kind('failed', '5.2.2', '552 Mailbox full')).toBe('soft');
    expect(kind('failed', '5.0.0', '550 Mailbox quota exceeded')).toBe('soft');
    expect(kind('failed', '5.7.1')).toBe('sender');
    expect(kind('failed', '5.0.0', '554 Your IP is listed on a block list')).toBe('sender');
    expect(kind('delayed', '4.4.1')).toBe('ignored');
    expect(kind('delivered', '2.0.0')).toBe('ignored');
  });
});
