import { classifySmtpError, type SmtpErrorLike } from '../../src/deliver/outcome';

/** One row per reply class of the "SMTP replies" tables (README and RELIABILITY.md). */
const TABLE: readonly { readonly reply: string; readonly err: SmtpErrorLike; readonly dataEnded: boolean; readonly kind: string; readonly throttle?: boolean }[] = [
  { reply: '530 authentication required', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Authentication required' }, dataEnded: false, kind: 'abort' },
  { reply: '535 authentication failed', err: { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Authentication failed' }, dataEnded: false, kind: 'abort' },
  { reply: '553 sender refused at MAIL FROM', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553, response: '553 5.7.1 Sender address not verified' }, dataEnded: false, kind: 'abort' },
  { reply: '554 not verified at MAIL FROM', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 554, response: '554 Message rejected: Email address is not verified' }, dataEnded: false, kind: 'abort' },
  { reply: '421 at MAIL FROM', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 421, response: '421 4.7.0 Too many messages this session' }, dataEnded: false, kind: 'retry', throttle: true },
  { reply: '454 throttling at MAIL FROM', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 454, response: '454 Throttling failure: Maximum sending rate exceeded' }, dataEnded: false, kind: 'retry', throttle: true },
  { reply: '451 rate limit text at MAIL FROM', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 451, response: '451 4.7.1 Rate limited, slow down' }, dataEnded: false, kind: 'retry', throttle: true },
  { reply: '451 local error at MAIL FROM', err: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 451, response: '451 4.3.0 Local error in processing' }, dataEnded: false, kind: 'retry', throttle: false },
  { reply: '421 at RCPT TO', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 421, response: '421 4.7.0 Going away' }, dataEnded: false, kind: 'retry', throttle: true },
  { reply: '421 after the data', err: { code: 'EMESSAGE', command: 'DATA', responseCode: 421, response: '421 4.7.0 Closing' }, dataEnded: true, kind: 'retry', throttle: true },
  { reply: '454 throttling at RCPT TO', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 454, response: '454 4.7.0 Throttling failure' }, dataEnded: false, kind: 'retry', throttle: false },
  { reply: '454 after the data', err: { code: 'EMESSAGE', command: 'DATA', responseCode: 454, response: '454 4.7.0 Throttling failure' }, dataEnded: true, kind: 'retry', throttle: false },
  { reply: '450 greylisted after the data', err: { code: 'EMESSAGE', command: 'DATA', responseCode: 450, response: '450 4.7.1 Greylisted' }, dataEnded: true, kind: 'deferred' },
  { reply: '451 try later at RCPT TO', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 4.3.0 Try again later' }, dataEnded: false, kind: 'deferred' },
  { reply: '452 mailbox full at RCPT TO', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 452, response: '452 4.2.2 Mailbox full' }, dataEnded: false, kind: 'deferred' },
  { reply: '550 no such user at RCPT TO', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 No such user' }, dataEnded: false, kind: 'failed' },
  { reply: '551 user not local', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 551, response: '551 5.1.6 User not local' }, dataEnded: false, kind: 'failed' },
  { reply: '553 mailbox name invalid', err: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 553, response: '553 5.1.3 Bad address' }, dataEnded: false, kind: 'failed' },
  { reply: '554 refused after the data', err: { code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 Message refused' }, dataEnded: true, kind: 'failed' },
  { reply: 'envelope refused without a code', err: { code: 'EENVELOPE', message: 'No recipients defined' }, dataEnded: false, kind: 'failed' },
  { reply: 'timeout after the data', err: { code: 'ETIMEDOUT', command: 'DATA', message: 'Timeout' }, dataEnded: true, kind: 'in_doubt' },
  { reply: 'connection reset after the data', err: { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, dataEnded: true, kind: 'in_doubt' },
  { reply: 'connection lost before the data ended', err: { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, dataEnded: false, kind: 'retry', throttle: false },
];

describe('classifySmtpError: each reply class of the SMTP replies table', () => {
  test.each(TABLE)('$reply → $kind', ({ err, dataEnded, kind, throttle }) => {
    const outcome = classifySmtpError(err, dataEnded);
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === 'retry') expect(outcome.throttle).toBe(throttle);
  });

  test('the reply text is kept, whitespace folded, for the record', () => {
    expect(classifySmtpError({ responseCode: 550, response: '550 5.1.1 No\r\n such   user' }, false).reply).toBe('550 5.1.1 No such user');
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'Timeout\n' }, true).reply).toBe('ETIMEDOUT: Timeout');
  });
});
