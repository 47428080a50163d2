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
  ])('%s: a bounce for the reader, with its status, the original Message-ID and the token', (name, standard, status, kind) => {
    const report = parsed(name);
    if (report.kind !== 'bounce') throw new Error(`${name} read as ${report.kind}`);
    expect(report.standard).toBe(standard);
    const mine = report.recipients.find((r) => r.address === 'reader@example.org');
    expect(mine).toBeDefined();
    expect(mine!.status).toBe(status);
    expect(bounceKind(mine!)).toBe(kind);
    expect(report.messageIds).toContain(MESSAGE_ID);
    if (name !== 'plain-quoted') expect(report.tokens).toEqual([TOKEN]);
  });

  test('an ARF report is a complaint about the quoted message', () => {
    const report = parsed('arf-complaint');
    if (report.kind !== 'complaint') throw new Error(`read as ${report.kind}`);
    expect(report.feedbackType).toBe('abuse');
    expect(report.messageIds).toEqual([MESSAGE_ID]);
    expect(report.tokens).toEqual([TOKEN]);
    expect(report.recipients).toEqual(['reader@example.org']);
  });

  test('auto-replies and challenges are recognised, not read as bounces', () => {
    expect(parsed('vacation').kind).toBe('auto-reply');
    expect(parsed('autoreply-exchange').kind).toBe('auto-reply');
    expect(parsed('challenge').kind).toBe('challenge');
  });

  test('bytes that are not a message say so', () => {
    expect(parsed('malformed')).toEqual({ kind: 'other', reason: 'not a mail message (no header block)' });
    expect(parseReport(Buffer.alloc(0), PATTERN).kind).toBe('other');
    expect(parseReport(Buffer.from('Subject: hello\r\n\r\nhi'), PATTERN)).toMatchObject({ kind: 'other' });
  });

  test('a crafted report with deep nesting or endless parts is read within bounds', () => {
    let body = 'Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n';
    for (let i = 0; i < 50; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--\r\n`;
    expect(() => parseReport(Buffer.from(`From: a@example.org\r\n${body}`), PATTERN)).not.toThrow();
    const many = Array.from({ length: 5000 }, () => '--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n').join('');
    expect(() => parseReport(Buffer.from(`Content-Type: multipart/report; boundary=x\r\n\r\n${many}--x--\r\n`), PATTERN)).not.toThrow();
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
