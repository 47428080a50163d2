/**
 * Packages MJML's dependency tree requires as it loads but that rendering herald's templates does
 * not call: undici (two copies, behind cheerio's fromURL), htmlnano and cssnano's preset (the
 * minify option), js-beautify (the beautify option), juice's fetcher of remote resources,
 * cheerio's parse5 parser and its stream and buffer decoding, and css-select's :nth-child parser.
 * Loading them is nearly half of MJML's start-up, paid on every send that renders something. Each
 * is used only through properties of its module (mjml-core takes js-beautify's `html` as it
 * loads, and calls it only to beautify), which is what lets a stand-in take its place (see
 * requireDeferring). The names are those MJML's packages request, at the versions in pins.ts.
 */
export const MJML_UNCALLED: ReadonlyMap<string, readonly string[]> = new Map([
  ['undici', []], ['htmlnano', []], ['cssnano-preset-lite', []], ['js-beautify', ['html']], ['web-resource-inliner', []],
  ['parse5', []], ['parse5-parser-stream', []], ['encoding-sniffer', []], ['whatwg-mimetype', []], ['nth-check', []],
]);
