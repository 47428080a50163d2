import { ErrorCode, HeraldError } from '../errors';

type Mjml2Html = (input: string, options?: Record<string, unknown>) => Promise<{ html: string; errors: MjmlIssue[] }>;
interface MjmlIssue {
  readonly line: number;
  readonly message: string;
  readonly tagName: string;
  readonly formattedMessage?: string;
}

/** mjml costs ~400 ms to load: required here, on first use, so an idle run never pays for it. */
function loadMjml(): Mjml2Html {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('mjml') as Mjml2Html | { default: Mjml2Html };
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
