/**
 * The packages whose internals the fast path relies on, at the exact versions it was checked and
 * measured against. package.json names the direct ones with these exact versions (no range), and
 * test/fast/pins.test.ts fails when what is installed differs, naming what to check before the
 * new version is written here. Not loaded at run time.
 */
export const PINNED: Readonly<Record<string, { readonly version: string; readonly reliedOn: string }>> = {
  nodemailer: { version: '10.6.1', reliedOn: 'SMTPConnection._createSendStream, _actionSMTPStream, _responseActions, _socket, options (smtp-encoded-data.ts); DataStream\'s rules, copied in smtp-data.ts' },
  'mjml-core': { version: '5.4.1', reliedOn: 'the packages it and its dependencies request as they load (mjml-deferred.ts), assignComponents (render/mjml-library.ts)' },
  'mjml-preset-core': { version: '5.4.1', reliedOn: 'its components and dependencies, registered as the mjml package does (render/mjml-library.ts)' },
  'mjml-validator': { version: '5.4.1', reliedOn: 'assignDependencies (render/mjml-library.ts)' },
  zod: { version: '4.6.7', reliedOn: 'its file ../locales/index.cjs, deferred by config/schema.ts' },
  'sanitize-html': { version: '2.17.5', reliedOn: 'taking postcss\'s parse as it loads, deferred by render/markdown.ts' },
};

/**
 * The versions of the packages in MJML_UNCALLED that mjml-core's tree resolves to; each must still
 * be requested while MJML loads (else deferring it is dead code) and be used only as recorded.
 */
export const MJML_DEFERRED_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  undici: ['6.29.1', '7.30.2'],
  htmlnano: ['3.3.1'],
  'cssnano-preset-lite': ['4.0.6'],
  'js-beautify': ['2.0.3'],
  'web-resource-inliner': ['8.0.0'],
  parse5: ['7.3.0'],
  'parse5-parser-stream': ['7.1.2'],
  'encoding-sniffer': ['0.2.1'],
  'whatwg-mimetype': ['4.0.0'],
  'nth-check': ['2.1.1'],
};
