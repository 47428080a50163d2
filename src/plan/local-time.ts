/**
 * Local times of day in IANA time zones, for `deliverAt`. Pure: Intl's time zone data and
 * arithmetic, no clock of its own (the moment to start from is always passed in).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date and time in a zone at a moment. */
export function localParts(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']! % 24, minute: parts['minute']!, second: parts['second']! };
}

/** How far a zone's wall clock is ahead of UTC at a moment, in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(new Date(ms), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The moment a zone's clock shows this date and time. A time that happens twice (the clock goes
 * back) is the first of them; one the clock skips is moved on by the jump (02:30 → 03:30), as
 * calendars do.
 */
export function zonedMoment(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // a zone's offset changes at most once within a day: the offsets half a day either side are the two in play
  const first = wall - offsetAt(wall - 43_200_000, timeZone);
  const second = wall - offsetAt(wall + 43_200_000, timeZone);
  const shows = (ms: number): boolean => ms + offsetAt(ms, timeZone) === wall;
  const valid = [first, second].filter(shows);
  return new Date(valid.length ? Math.min(...valid) : Math.max(first, second));
}

/** "08:00" → [8, 0]. */
export function timeOfDay(hhmm: string): [number, number] {
  const [h, m] = hhmm.split(':').map(Number);
  return [h!, m!];
}

/** The first moment at or after `from` when the zone's clock shows `hhmm` ("08:00"). */
export function nextLocalTime(from: Date, timeZone: string, hhmm: string): Date {
  const [hour, minute] = timeOfDay(hhmm);
  const today = localParts(from, timeZone);
  for (let days = 0; ; days++) {
    const at = zonedMoment(today.year, today.month, today.day + days, hour, minute, timeZone);
    if (at.getTime() >= from.getTime()) return at;
  }
}
