import { didYouMean } from '../config/did-you-mean';
import { ErrorCode, type Problem, problem } from '../errors';
import { POST_VARS, RECIPIENT_VARS } from './template';

/** What `postUrl` may name: the post's identity and the parts of its date (as site generators' permalinks do). */
export const POST_URL_VARS = ['slug', 'id', 'year', 'month', 'day'] as const;

/** The values `subject` may name (the whole message is not there yet, so not its content). */
const SUBJECT_VARS = [...POST_VARS.filter((v) => v !== 'content'), ...RECIPIENT_VARS];

/**
 * `subject` and `postUrl` name placeholders; a misspelt one would fail every send, or link every
 * email to a page that does not exist. `herald check` reports them, with the name likely meant.
 */
export function settingsPlaceholderProblems(settings: { readonly subject: string; readonly postUrl: string }, configPath: string): Problem[] {
  return [
    ...unknownPlaceholders('subject', settings.subject, SUBJECT_VARS, configPath),
    ...unknownPlaceholders('postUrl', settings.postUrl, POST_URL_VARS, configPath),
  ];
}

function unknownPlaceholders(setting: string, value: string, known: readonly string[], configPath: string): Problem[] {
  const problems: Problem[] = [];
  for (const match of value.matchAll(/\{\{\{?\s*[#^/]?\s*([^}|\s]*)[^}]*\}?\}\}/g)) {
    const name = match[1] ?? '';
    if (known.includes(name)) continue;
    const near = didYouMean(name, known);
    problems.push(problem(ErrorCode.ECONFIG, `${setting} names an unknown placeholder "${match[0]}"${near ? ` (did you mean {{${near}}}?)` : ''}`, { file: configPath },
      `The placeholders ${setting} may use: ${known.map((k) => `{{${k}}}`).join(', ')}.`));
  }
  return problems;
}
