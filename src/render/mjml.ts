import { requireDeferring } from '../deferred-require';
import { ErrorCode, HeraldError } from '../errors';

type Mjml2Html = (input: string, options?: Record<string, unknown>) => Promise<{ html: string; errors: MjmlIssue[] }>;
interface MjmlIssue {
  readonly line: number;
  readonly message: string;
  readonly tagName: string;
  readonly formattedMessage?: string;
}

/**
 * Packages MJML's dependency tree requires as it loads but that rendering herald's templates does
 * not call: undici (two copies, behind cheerio's fromURL), htmlnano and cssnano's preset (the
 * minify option), js-beautify (the beautify option), juice's fetcher of remote resources,
 * cheerio's parse5 parser and its stream and buffer decoding, and css-select's :nth-child parser.
 * Loading them is nearly half of MJML's start-up, paid on every send that renders something. Each
 * is used only through properties of its module (mjml-core takes js-beautify's `html` as it
 * loads, and calls it only to beautify), which is what lets a stand-in take its place.
 */
const UNCALLED = new Map<string, readonly string[]>([
  ['undici', []], ['htmlnano', []], ['cssnano-preset-lite', []], ['js-beautify', ['html']], ['web-resource-inliner', []],
  ['parse5', []], ['parse5-parser-stream', []], ['encoding-sniffer', []], ['whatwg-mimetype', []], ['nth-check', []],
]);

/**
 * mjml is required here, on first use, so an idle run never pays for it, and without the packages
 * in UNCALLED until something reads from them (see requireDeferring).
 */
export function loadMjml(): Mjml2Html {
  const mod = requireDeferring<Mjml2Html | { default: Mjml2Html }>('mjml', UNCALLED);
  return typeof mod === 'function' ? mod : mod.default;
}

export interface MjmlProblem {
  readonly line: number;
  readonly message: string;
}

/**
 * Compiles MJML to email HTML. Includes stay off (mj-include has had path-traversal advisories),
 * and every validation problem is returned with the template's line numbers.
 */
export async function compileMjml(source: string, file: string, absPath?: string): Promise<{ html: string; problems: MjmlProblem[] }> {
  let result: { html: string; errors: MjmlIssue[] };
  try {
    result = await loadMjml()(source, { validationLevel: 'soft', ignoreIncludes: true, keepComments: false, ...(absPath ? { filePath: absPath } : {}) });
  } catch (err) {
    throw new HeraldError(ErrorCode.ETEMPLATE, `MJML could not compile the template: ${(err as Error).message}`, {
      location: { file },
      cause: err,
    });
  }
  const problems = (result.errors ?? []).map((e) => ({ line: e.line, message: e.message }));
  if (!/<mj-body[\s>]/.test(source) || !/<\/mjml>\s*$/.test(source.trim() + '\n')) {
    problems.push({ line: 1, message: 'the template needs <mjml> … <mj-body> … </mj-body></mjml>' });
  }
  return { html: result.html, problems };
}
