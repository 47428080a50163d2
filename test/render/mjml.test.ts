/**
 * MJML is loaded with the packages it never calls for herald deferred. Jest has a module system of
 * its own, so the loading is checked in a real Node process running the built code, against the
 * same template compiled here with every package loaded the ordinary way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileMjml } from '../../src/render/mjml';
import { nodeJson } from '../support/node';

const DIST_MJML = path.resolve(__dirname, '../../dist/render/mjml.js');
const TEMPLATE = fs
  .readFileSync(path.resolve(__dirname, '../../templates/default.mjml'), 'utf8')
  .replace(/\{\{\{?[^}]*\}?\}\}/g, 'Ünïcode & <b>bold</b> text');

function compileInNode(source: string): { html: string; problems: unknown[]; loaded: string[] } {
  const script = `
    const { compileMjml } = require(${JSON.stringify(DIST_MJML)});
    compileMjml(require('node:fs').readFileSync(0, 'utf8'), 'default.mjml').then((r) => {
      const loaded = [...new Set(Object.keys(require.cache).map((f) => f.split('/node_modules/')[1]?.split('/')[0]).filter(Boolean))];
      process.stdout.write(JSON.stringify({ html: r.html, problems: r.problems, loaded }));
    });`;
  return nodeJson<ReturnType<typeof compileInNode>>(script, { input: source });
}

describe('loading MJML', () => {
  const inNode = compileInNode(TEMPLATE);

  it('compiles to exactly the HTML of an ordinary load', async () => {
    const ordinary = await compileMjml(TEMPLATE, 'default.mjml');
    expect(inNode.html).toBe(ordinary.html);
    expect(inNode.problems).toEqual(ordinary.problems);
    expect(inNode.html).toContain('Ünïcode');
    expect(inNode.html.length).toBeGreaterThan(10_000);
  });

  it('still uses a deferred package when a template needs it: :nth-child in inlined CSS', async () => {
    const source = `<mjml><mj-head><mj-style inline="inline">.list p:nth-child(2n+1) { color: #ff0000; }</mj-style></mj-head>
      <mj-body><mj-section><mj-column><mj-text css-class="list"><p>one</p><p>two</p><p>three</p></mj-text></mj-column></mj-section></mj-body></mjml>`;
    const deferred = compileInNode(source);
    expect(deferred.html).toBe((await compileMjml(source, 'default.mjml')).html);
    expect(deferred.html).toMatch(/<p style="color: ?#ff0000;?">one<\/p>/);
    expect(deferred.loaded).toContain('nth-check');
  });

  it('does not load the packages MJML never calls for herald', () => {
    expect(inNode.loaded).toEqual(expect.arrayContaining(['mjml-core', 'juice', 'cheerio']));
    for (const pkg of ['undici', 'htmlnano', 'cssnano-preset-lite', 'js-beautify', 'web-resource-inliner', 'parse5', 'parse5-parser-stream', 'encoding-sniffer', 'whatwg-mimetype', 'nth-check']) {
      expect(inNode.loaded).not.toContain(pkg);
    }
  });

  it('loads a deferred package for real the moment it is used', () => {
    // MJML's minify and beautify options are the only paths into htmlnano and js-beautify; herald sets neither
    const script = `
      const { compileMjml } = require(${JSON.stringify(DIST_MJML)});
      compileMjml('<mjml><mj-body></mj-body></mjml>', 't.mjml').then(async () => {
        const loaded = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/htmlnano/'));
        const before = loaded();
        const mjml = require('mjml-core').default;
        const source = '<mjml><mj-body><mj-text>  a   b  </mj-text></mj-body></mjml>';
        const plain = await mjml(source, { validationLevel: 'skip' });
        const minified = await mjml(source, { validationLevel: 'skip', minify: true });
        const beautified = await mjml(source, { validationLevel: 'skip', beautify: true });
        const beautifier = Object.keys(require.cache).some((f) => f.includes('/node_modules/js-beautify/'));
        process.stdout.write(JSON.stringify({ before, after: loaded(), shorter: minified.html.length < plain.html.length, beautifier, reformatted: beautified.html !== plain.html }));
      });`;
    const out = nodeJson<Record<string, boolean>>(script, { quiet: true });
    expect(out).toEqual({ before: false, after: true, shorter: true, beautifier: true, reformatted: true });
  });
});
