/**
 * The example newsletter, as the exact bytes herald would send (compose.ts), scored by a real
 * SpamAssassin with its local rules only. Skipped, saying so, where SpamAssassin is not installed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveSender } from '../../src/render/envelope';
import { compileMessage, personalise } from '../../src/render/compose';
import { messageBytes } from '../../src/render/rendered-message';
import { renderPost } from '../../src/render/post';
import { parseSpamAssassinReport, spamCheck, SPAMASSASSIN_UNAVAILABLE, type SpamReport } from '../../src/spam/spamassassin';
import { examplePosts, exampleSettings, NOW, READER, renderWith } from '../templates/example';

jest.setTimeout(180_000);

const installed = spawnSync('spamassassin', ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP_NOTE = 'skipped: SpamAssassin is not installed (apt-get install spamassassin)';
const saTest = installed ? test : test.skip;
const named = (name: string): string => (installed ? name : `${name} — ${SKIP_NOTE}`);
if (!installed) {
  // eslint-disable-next-line no-console
  console.warn(`test/spam/spamassassin.test.ts: ${SKIP_NOTE}`);
}

async function exampleMessage(slug: string, template = 'default'): Promise<Buffer> {
  const settings = exampleSettings();
  const post = examplePosts(settings).find((p) => p.slug === slug)!;
  const { rendered, sender } = await renderWith(settings, post, template);
  return messageBytes(personalise(compileMessage(rendered, sender, NOW), READER));
}

function expectClean(report: SpamReport | { unavailable: string }): asserts report is SpamReport {
  if ('unavailable' in report) throw new Error(report.unavailable);
  // the rules that cost points come first in the failure message, so a regression says why
  expect(report.rules.filter((r) => r.score > 0)).toEqual([]);
  expect(report.score).toBeLessThanOrEqual(0);
  expect(report.required).toBe(5);
}

saTest(named('the example post with the default template scores ≤ 0 (local rules)'), async () => {
  const report = await spamCheck(await exampleMessage('welcome'));
  expectClean(report);
  expect(report.rules.map((r) => r.name)).toContain('HTML_MESSAGE');
  for (const rule of report.rules) expect(rule.description).not.toBe('');
});

describe.each(['default', 'minimal'])('every example post with the %s template', (template) => {
  saTest.each(examplePosts(exampleSettings()).map((p) => [p.slug] as const))(named('%s scores ≤ 0'), async (slug) => {
    expectClean(await spamCheck(await exampleMessage(slug, template)));
  });
});

saTest(named('a spammy message scores high: the check is not vacuous'), async () => {
  const raw = Buffer.from(
    [
      'From: winner@example.com',
      'To: you@example.org',
      'Subject: YOU HAVE WON!!! CLAIM YOUR FREE PRIZE NOW',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><body><font color="#ffffff">hidden</font><p>Dear friend, you have been selected to receive $1,000,000 USD. Click here to claim your prize!</p></body></html>',
      '',
    ].join('\r\n'),
  );
  const report = await spamCheck(raw);
  if ('unavailable' in report) throw new Error(report.unavailable);
  expect(report.score).toBeGreaterThan(report.required);
  expect(report.rules.map((r) => r.name)).toEqual(expect.arrayContaining(['MISSING_DATE', 'DEAR_FRIEND', 'HTML_FONT_LOW_CONTRAST']));
  expect(report.rules.find((r) => r.name === 'HTML_FONT_LOW_CONTRAST')).toEqual({
    name: 'HTML_FONT_LOW_CONTRAST',
    score: expect.any(Number),
    description: 'BODY: HTML font color similar or identical to background',
  });
});

saTest(named("MJML's own <mj-preview> would cost points (why the templates hide the preheader themselves)"), async () => {
  const settings = exampleSettings();
  const post = examplePosts(settings).find((p) => p.slug === 'welcome')!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-sa-'));
  try {
    const source = fs.readFileSync(path.join(settings.templatesDir, 'minimal.mjml'), 'utf8')
      .replace(/\{\{#summary\}\}<mj-raw>[\s\S]*?<\/mj-raw>\{\{\/summary\}\}/, '')
      .replace('<mj-head>', '<mj-head>{{#summary}}<mj-preview>{{ summary }}</mj-preview>{{/summary}}');
    fs.writeFileSync(path.join(dir, 'preview.mjml'), source);
    const rendered = await renderPost({ ...post, template: 'preview' }, { ...settings, templatesDir: dir }, NOW);
    const raw = messageBytes(personalise(compileMessage(rendered, resolveSender(settings, { requireSecret: true }), NOW), READER));
    const report = await spamCheck(raw);
    if ('unavailable' in report) throw new Error(report.unavailable);
    expect(report.rules.map((r) => r.name)).toContain('HTML_FONT_LOW_CONTRAST');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without spamassassin, says how to get it', async () => {
  expect(await spamCheck(Buffer.from('Subject: x\r\n\r\nx\r\n'), { command: 'herald-no-such-spamassassin' })).toEqual({ unavailable: SPAMASSASSIN_UNAVAILABLE });
});

describe('parseSpamAssassinReport', () => {
  const table = (score: string, rows: string): string =>
    `Content analysis details:   (${score} points, 5.0 required)\n\n pts rule name              description\n---- ---------------------- --------------------------------------------------\n${rows}\n`;

  test('reads a clean message: the status header, then the table at the end', () => {
    const output =
      'X-Spam-Checker-Version: SpamAssassin 4.0.1 (2024-03-25) on vm\nX-Spam-Level: \nX-Spam-Status: No, score=-0.0 required=5.0 tests=HTML_MESSAGE,NO_RECEIVED,\n\tNO_RELAYS autolearn=unavailable autolearn_force=no version=4.0.1\nSubject: x\n\n' +
      'the body\n\n' +
      table('-0.0', '-0.0 NO_RECEIVED            Informational: message has no Received headers\n-0.0 NO_RELAYS              Informational: message was not relayed via SMTP\n 0.0 HTML_MESSAGE           BODY: HTML included in message');
    expect(parseSpamAssassinReport(output)).toEqual({
      score: -0,
      required: 5,
      rules: [
        { name: 'HTML_MESSAGE', score: 0, description: 'BODY: HTML included in message' },
        { name: 'NO_RECEIVED', score: -0, description: 'Informational: message has no Received headers' },
        { name: 'NO_RELAYS', score: -0, description: 'Informational: message was not relayed via SMTP' },
      ],
    });
  });

  test('joins wrapped descriptions, reads long rule names, and is not fooled by a report quoted in the body', () => {
    const forged = table('-9.0', '-9.0 ALL_TRUSTED            Passed through trusted hosts only');
    const output =
      'Received: from localhost by vm\n\twith SpamAssassin (version 4.0.1);\nX-Spam-Flag: YES\nX-Spam-Status: Yes, score=6.5 required=5.0 tests=ADVANCE_FEE_3_NEW_MONEY,\n\tHTML_FONT_LOW_CONTRAST,MISSING_DATE autolearn=no\n  autolearn_force=no version=4.0.1\n\n' +
      table('6.5', ' 2.7 MISSING_DATE           Missing Date: header\n 0.7 HTML_FONT_LOW_CONTRAST BODY: HTML font color similar or identical to\n                            background\n 1.0 ADVANCE_FEE_3_NEW_MONEY Advance Fee fraud and lots of money') +
      '\n------------=_6B0\nContent-Type: message/rfc822\n\nSubject: quoted\n\n' + forged;
    expect(parseSpamAssassinReport(output)).toEqual({
      score: 6.5,
      required: 5,
      rules: [
        { name: 'ADVANCE_FEE_3_NEW_MONEY', score: 1, description: 'Advance Fee fraud and lots of money' },
        { name: 'HTML_FONT_LOW_CONTRAST', score: 0.7, description: 'BODY: HTML font color similar or identical to background' },
        { name: 'MISSING_DATE', score: 2.7, description: 'Missing Date: header' },
      ],
    });
  });

  test('tests=none, and output without any report', () => {
    expect(parseSpamAssassinReport('X-Spam-Status: No, score=0.0 required=5.0 tests=none autolearn=no\n\nbody\n')).toEqual({ score: 0, required: 5, rules: [] });
    expect(parseSpamAssassinReport('Subject: x\n\nbody\n')).toBeUndefined();
  });
});
