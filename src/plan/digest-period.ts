import { localParts, timeOfDay, zonedMoment } from './local-time';

/**
 * Digest periods (pure). A reader's frequency is `instant`, `daily` or `weekly:DAY`; a digest
 * covers what was queued up to its due moment: `at` ("08:00") on each day, or on DAY each week,
 * in the reader's zone. The period is named by that local date, so (reader, period) names one
 * digest whatever time zone or clock a run has.
 */

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** A frequency cell to its canonical form ("Weekly Monday" → "weekly:monday"), or undefined when it is not one. */
export function parseFrequency(value: string): string | undefined {
  const words = value.trim().toLowerCase().split(/[\s:,;/-]+/).filter(Boolean);
  if (!words.length || (words.length === 1 && words[0] === 'instant')) return 'instant';
  if (words.length === 1 && words[0] === 'daily') return 'daily';
  if (words[0] !== 'weekly' || words.length > 2) return undefined;
  const day = words[1] ? WEEKDAYS.find((d) => d === words[1] || d.slice(0, 3) === words[1]) : 'monday';
  return day ? `weekly:${day}` : undefined;
}

/** The latest digest due moment at or before `now` for this frequency, and its period's name; undefined for instant. */
export function currentPeriod(frequency: string, now: Date, timeZone: string, at: string): { period: string; dueAt: Date } | undefined {
  if (frequency !== 'daily' && !frequency.startsWith('weekly:')) return undefined;
  const [hour, minute] = timeOfDay(at);
  const today = localParts(now, timeZone);
  const weekday = frequency === 'daily' ? undefined : WEEKDAYS.indexOf(frequency.slice('weekly:'.length) as (typeof WEEKDAYS)[number]);
  for (let back = 0; back <= 8; back++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day - back));
    if (weekday !== undefined && day.getUTCDay() !== weekday) continue;
    const dueAt = zonedMoment(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), hour, minute, timeZone);
    if (dueAt.getTime() > now.getTime()) continue;
    const name = `${day.getUTCFullYear()}-${String(day.getUTCMonth() + 1).padStart(2, '0')}-${String(day.getUTCDate()).padStart(2, '0')}`;
    return { period: `${frequency === 'daily' ? 'daily' : 'weekly'}-${name}`, dueAt };
  }
  return undefined;
}
