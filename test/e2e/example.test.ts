import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { runCli } from '../support/cli';

const REPO = path.resolve(__dirname, '../..');

/** The README's first command runs `npm run example`: the bundled newsletter, as a dry run. */
describe('the bundled example newsletter', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-example-'));
    for (const item of ['herald.config.json', 'posts', 'templates', 'subscribers']) {
      fs.cpSync(path.join(REPO, item), path.join(dir, item), { recursive: true });
    }
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('npm run example renders every example post into real emails and sends nothing', async () => {
    const script = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['example']!;
    const args = script.split('node dist/cli.js ')[1]!.trim().split(/\s+/);
    const res = await runCli([...args, '--root', dir], { env: { HERALD_SMTP_URL: undefined, HERALD_SECRET: undefined, HERALD_FROM: undefined } });
    expect(res.stderr).not.toMatch(/^error/m);
    expect(res.code).toBe(0);
    const previews = fs.readdirSync(path.join(dir, '.herald/preview'));
    expect(previews.sort()).toEqual(['2026-03-02-welcome', 'field-notes--logs-over-stack-traces', 'shipping-on-fridays']);
    for (const preview of previews) {
      const mail = await simpleParser(fs.readFileSync(path.join(dir, '.herald/preview', preview, 'message.eml')));
      expect(mail.subject).toBeTruthy();
      expect(mail.html).toContain('Unsubscribe');
      expect(mail.text).toContain('Unsubscribe:');
    }
    expect(fs.existsSync(path.join(dir, '.herald/herald.db'))).toBe(false);
  });
});
