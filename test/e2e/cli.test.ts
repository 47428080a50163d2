import fs from 'node:fs';
import path from 'node:path';
import { findChromium } from '../../src/preview/screenshot';
import { runCli } from '../support/cli';
import { copyExample, REPO, SECRET } from '../templates/example';

const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };

test('--version prints the version and exits 0', async () => {
  for (const flag of ['--version', '-V']) {
    const res = await runCli([flag]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(version);
  }
});

(findChromium() ? test : test.skip)(
  findChromium() ? 'send --dry-run --dark saves light and dark screenshots of each preview, as preview --dark does' : 'send --dry-run --dark — skipped: no Chromium here (apt-get install chromium, or set HERALD_CHROMIUM)',
  async () => {
    const example = copyExample();
    try {
      fs.cpSync(path.join(REPO, 'subscribers'), path.join(example.root, 'subscribers'), { recursive: true });
      const res = await runCli(['--root', example.root, 'send', 'welcome', '--dry-run', '--dark'], { env: { HERALD_SECRET: SECRET }, timeoutMs: 120_000 });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const dir = path.join(example.root, '.herald/preview/2026-03-02-welcome');
      // --dark implies --screenshots: the light ones too
      for (const name of ['email-375.png', 'email-600.png', 'email-dark-375.png', 'email-dark-600.png']) expect(fs.existsSync(path.join(dir, name))).toBe(true);
      expect(res.stdout).toMatch(/screenshot \(dark mode\): .*email-dark-600\.png/);
      expect(fs.readFileSync(path.join(dir, 'email-dark-600.png')).equals(fs.readFileSync(path.join(dir, 'email-600.png')))).toBe(false);
      expect(fs.existsSync(path.join(example.root, '.herald/herald.db'))).toBe(false);
    } finally {
      example.remove();
    }
  },
);
