import { requireDeferring } from '../fast/deferred-require';
import { ErrorCode, HeraldError } from '../errors';
import { MJML_UNCALLED } from '../fast/mjml-deferred';
import type { Mjml2Html, MjmlIssue } from './mjml-library';

/**
 * MJML is required here, on first use, so an idle run never pays for it, and without the packages
 * in MJML_UNCALLED until something reads from them (see requireDeferring).
 */
export function loadMjml(): Mjml2Html {
  return requireDeferring<typeof import('./mjml-library')>(require.resolve('./mjml-library'), MJML_UNCALLED).mjml2html;
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
