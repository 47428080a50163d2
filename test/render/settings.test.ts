import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/load';
import { renderSettings } from '../../src/render/settings';

describe('the settings rendering reads', () => {
  test('are picked from Settings without the secrets, the SMTP URL or anything else rendering does not read', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-render-settings-'));
    try {
      fs.writeFileSync(path.join(root, 'herald.config.json'), JSON.stringify({
        name: 'The Dispatch', siteUrl: 'https://blog.example.com/', from: 'news@example.com', postalAddress: '1 Road', logoUrl: 'https://blog.example.com/logo.png',
      }));
      const settings = loadSettings(root, { HERALD_SECRET: 'top-secret', HERALD_SMTP_URL: 'smtp://user:pass@localhost:25' });
      const picked = renderSettings(settings);
      expect(Object.keys(picked).sort()).toEqual(
        ['configPath', 'footerWithinBytes', 'logoUrl', 'name', 'postUrl', 'postalAddress', 'preferencesPage', 'renderTimeoutSeconds', 'root', 'siteUrl', 'subject', 'template', 'templatesDir'],
      );
      expect(picked).toMatchObject({ name: 'The Dispatch', siteUrl: 'https://blog.example.com/', postalAddress: '1 Road', templatesDir: settings.templatesDir, renderTimeoutSeconds: settings.renderTimeoutSeconds });
      expect(JSON.stringify(picked)).not.toMatch(/top-secret|user:pass/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
