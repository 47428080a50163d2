import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/load';
import { validateConfig } from '../../src/config/schema';
import { resolveSender } from '../../src/render/envelope';

const SITE = { siteUrl: 'https://example.com/' };

function issues(config: Record<string, unknown>): string[] {
  const result = validateConfig({ ...SITE, ...config });
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('settings that reach a header are checked like the sender', () => {
  test.each([
    ['from', 'The Dispatch <news@example.com>'],
    ['from', '"Doe, Jane" <jane@example.com>'],
    ['from', 'news@example.com'],
    ['from', 'Le Café <news@example.com>'],
    ['from', 'News <news@bücher.example>'],
    ['replyTo', 'Editor <ed@example.com>'],
    ['replyTo', 'ed@example.com'],
    ['listId', 'The Dispatch <dispatch.example.com>'],
    ['listId', '<dispatch.example.com>'],
    ['listId', 'dispatch.example.com'],
    ['listId', 'Le Café <cafe.example.com>'],
    ['listId', '"The \\"Dispatch\\"" <dispatch.example.com>'],
    ['name', 'Le Café Crème — Dépêche'],
    ['subject', '{{newsletter_name}}: {{title}}'],
  ])('%s %j is accepted', (key, value) => {
    expect(issues({ [key]: value })).toEqual([]);
  });

  test('unsubscribe.mailto as a plain address is accepted', () => {
    expect(issues({ unsubscribe: { mailto: 'leave@example.com' } })).toEqual([]);
  });

  test.each([
    ['from', 'News <news@example.com>\r\nBcc: x@attacker.example', 'control character'],
    ['from', 'news@example.com, x@attacker.example', 'more than one address'],
    ['from', 'News <news@example.com> <x@attacker.example>', 'is not one address'],
    ['from', 'Ne"ws <news@example.com>', 'is not one address'],
    ['from', 'Zoë <zoë@example.com>', 'non-ASCII local part'],
    ['replyTo', 'Ed <ed@example.com>\nBcc: x@attacker.example', 'control character'],
    ['replyTo', 'a@example.com, b@example.com', 'more than one address'],
    ['replyTo', 'not an address', '"not an address" is not a plain email address; write'],
    ['listId', 'News <news.example.com>\r\nBcc: x@attacker.example', 'control character'],
    ['listId', 'News <news example com>', 'is not a List-Id'],
    ['listId', 'News <news>', 'is not a List-Id'],
    ['listId', 'a < b <news.example.com>', 'is not a List-Id'],
    ['listId', 'News <caf\u00e9.example.com>', 'is not a List-Id'],
    ['name', 'News\u0000letter', 'control character'],
    ['name', 'News\u2028letter', 'control character'],
    ['subject', '{{title}}\nBcc: x@attacker.example', 'control character'],
  ])('%s %j is refused, the message naming the setting', (key, value, why) => {
    const found = issues({ [key]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${key}: `));
    expect(found[0]).toContain(why);
  });

  test('unsubscribe.mailto with a name or a line break is refused', () => {
    expect(issues({ unsubscribe: { mailto: 'Leave <leave@example.com>' } })).toEqual([expect.stringMatching(/^unsubscribe\.mailto: .*plain address/)]);
    expect(issues({ unsubscribe: { mailto: 'leave@example.com\r\nBcc: x@attacker.example' } })).toEqual([expect.stringMatching(/^unsubscribe\.mailto: .*control character/)]);
  });

  test('every bad setting is reported at once', () => {
    const found = issues({ name: 'a\rb', from: 'x\n<a@b.com>', replyTo: 'a@b.com\r\n', listId: 'x\n<a.b>', subject: '\0', unsubscribe: { mailto: 'a@b.c\n' } });
    expect(found.map((f) => f.split(':')[0])).toEqual(['name', 'from', 'replyTo', 'subject', 'listId', 'unsubscribe.mailto']);
  });
});

describe('the sender from the environment', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-header-settings-'));
    fs.writeFileSync(path.join(dir, 'herald.config.json'), JSON.stringify({ ...SITE, from: 'News <news@example.com>' }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('HERALD_FROM with a line break is refused, naming HERALD_FROM', () => {
    expect(() => loadSettings(dir, { HERALD_FROM: 'News <news@example.com>\nBcc: x@attacker.example' })).toThrow(/^HERALD_FROM: .*control character/);
  });

  test('HERALD_FROM with two addresses is refused', () => {
    expect(() => loadSettings(dir, { HERALD_FROM: 'news@example.com,x@attacker.example' })).toThrow(/^HERALD_FROM: .*more than one address/);
  });

  test('a valid HERALD_FROM becomes the sender', () => {
    const sender = resolveSender(loadSettings(dir, { HERALD_FROM: '"Doe, Jane" <jane@example.org>' }), { requireSecret: false });
    expect(sender.from).toEqual({ name: 'Doe, Jane', address: 'jane@example.org' });
    expect(sender.messageIdDomain).toBe('example.org');
  });

  test('an internationalised sender domain is written in its ASCII form in Message-IDs and the mailto link', () => {
    const sender = resolveSender(loadSettings(dir, { HERALD_FROM: 'News <news@bücher.example>' }), { requireSecret: false });
    expect(sender.messageIdDomain).toBe('xn--bcher-kva.example');
    expect(sender.unsubscribeMailto).toBe('news@xn--bcher-kva.example');
  });
});
