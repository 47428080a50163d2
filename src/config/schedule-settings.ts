import { ErrorCode, type Problem, problem } from '../errors';

/**
 * schedule.cron and schedule.timezone, checked by `herald check` and before `herald schedule`
 * starts. node-cron is loaded here, when asked, never by a plain `herald send`.
 */
export function scheduleProblems(schedule: { readonly cron: string; readonly timezone: string }, configPath: string): Problem[] {
  const problems: Problem[] = [];
  const where = { file: configPath };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeCron = require('node-cron') as typeof import('node-cron');
  const detail = nodeCron.validateDetailed(schedule.cron);
  if (!detail.valid) {
    problems.push(problem(ErrorCode.ECONFIG, `schedule.cron "${schedule.cron}" is not a cron expression: ${detail.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, where,
      'Use 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "*/10 * * * *".'));
  }
  if (!isTimeZone(schedule.timezone)) {
    problems.push(problem(ErrorCode.ECONFIG, `schedule.timezone "${schedule.timezone}" is not a time zone`, where, 'Use an IANA name such as "UTC" or "Europe/Paris".'));
  }
  return problems;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
