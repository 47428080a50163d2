import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/cli';

const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };

test('--version prints the version and exits 0', async () => {
  for (const flag of ['--version', '-V']) {
    const res = await runCli([flag]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(version);
  }
});
