/**
 * playwright-core is not part of a production install: screenshots then say how to add it,
 * and nothing else is affected.
 */
test('without playwright-core installed, a screenshot is declined with how to add the package', async () => {
  jest.doMock('playwright-core', () => {
    throw Object.assign(new Error("Cannot find module 'playwright-core'"), { code: 'MODULE_NOT_FOUND' });
  });
  let screenshot!: typeof import('../../src/preview/screenshot');
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    screenshot = require('../../src/preview/screenshot') as typeof import('../../src/preview/screenshot');
  });
  const result = await screenshot.screenshotEmail('/nonexistent/email.html', '/nonexistent', { executablePath: process.execPath });
  expect(result).toEqual({ unavailable: expect.stringMatching(/playwright-core.*not installed.*npm install playwright-core@~1\.65/) });
});
