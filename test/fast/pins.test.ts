/**
 * The fast path leans on the internals of a few packages (src/fast/pins.ts). When one of them
 * changes version, these fail, naming what to check again before the new version is recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MJML_UNCALLED } from '../../src/fast/mjml-deferred';
import { MJML_DEFERRED_VERSIONS, PINNED } from '../../src/fast/pins';
import { nodeJson } from '../support/node';

const REPO = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function installedVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [REPO] }), 'utf8')) as { version: string }).version;
}

describe('the packages whose internals the fast path uses are pinned', () => {
  test.each(Object.entries(PINNED))('%s is installed at exactly the version the fast path was checked against, and package.json says so', (name, { version, reliedOn }) => {
    const installed = installedVersion(name);
    const wanted = manifest.dependencies[name];
    const advice = `${name} ${installed} is installed and package.json asks for ${wanted}, but the fast path was checked against ${version}. ` +
      `Check what it relies on (${reliedOn}), run the fast-path tests and the bench, then record the version in src/fast/pins.ts and pin it in package.json.`;
    expect({ installed, wanted, advice }).toEqual({ installed: version, wanted: version, advice });
  });

  test('every package MJML loading defers is still requested as MJML loads, at a recorded version, with the functions taken early', () => {
    const DIST_MJML = path.join(REPO, 'dist/render/mjml.js');
    // with the fast path off every request reaches Node's loader, where this sees it
    const seen = nodeJson<Record<string, { version: string; functions: string[] }>>(`
      process.env.HERALD_FAST_PATH = '0';
      const Module = require('node:module');
      const path = require('node:path');
      const fs = require('node:fs');
      const seen = {};
      const load = Module._load;
      Module._load = function (request, parent, isMain) {
        const mod = load.apply(this, arguments);
        if (${JSON.stringify([...MJML_UNCALLED.keys()])}.includes(request) && parent) {
          let dir = path.dirname(Module._resolveFilename(request, parent, false));
          while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== request) dir = path.dirname(dir);
          const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
          const entry = (seen[request] ??= { versions: [], functions: [] });
          if (!entry.versions.includes(version)) entry.versions.push(version);
          for (const key of Object.keys(mod)) if (typeof mod[key] === 'function' && !entry.functions.includes(key)) entry.functions.push(key);
        }
        return mod;
      };
      require(${JSON.stringify(DIST_MJML)}).loadMjml();
      process.stdout.write(JSON.stringify(seen));`, { cwd: REPO });
    for (const [name, calledLater] of MJML_UNCALLED) {
      const found = seen[name] as unknown as { versions: string[]; functions: string[] } | undefined;
      const advice = `MJML's packages changed: "${name}" (deferred in src/fast/mjml-deferred.ts) is requested as ${JSON.stringify(found?.versions ?? 'nothing')} ` +
        `where ${JSON.stringify(MJML_DEFERRED_VERSIONS[name])} was recorded. Check that herald's use of MJML still never calls it, then update src/fast/pins.ts.`;
      expect({ versions: [...(found?.versions ?? [])].sort(), advice }).toEqual({ versions: [...(MJML_DEFERRED_VERSIONS[name] ?? [])].sort(), advice });
      for (const fn of calledLater) expect(found?.functions).toContain(fn);
    }
  });
});
