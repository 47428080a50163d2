import { localParts, nextLocalTime, zonedMoment } from '../../src/plan/local-time';

describe("a reader's own morning: the next local deliverAt time in their zone", () => {
  const from = new Date('2026-03-02T00:00:00Z');

  test('one moment, three zones: Tokyo, Berlin and Chicago each at their 08:00', () => {
    expect(nextLocalTime(from, 'Asia/Tokyo', '08:00').toISOString()).toBe('2026-03-02T23:00:00.000Z');
    expect(nextLocalTime(from, 'Europe/Berlin', '08:00').toISOString()).toBe('2026-03-02T07:00:00.000Z');
    expect(nextLocalTime(from, 'America/Chicago', '08:00').toISOString()).toBe('2026-03-02T14:00:00.000Z');
    expect(nextLocalTime(from, 'UTC', '08:00').toISOString()).toBe('2026-03-02T08:00:00.000Z');
  });

  test('exactly at the time is now; a minute past waits for the next day', () => {
    const at = new Date('2026-03-02T07:00:00Z');
    expect(nextLocalTime(at, 'Europe/Berlin', '08:00')).toEqual(at);
    expect(nextLocalTime(new Date('2026-03-02T07:01:00Z'), 'Europe/Berlin', '08:00').toISOString()).toBe('2026-03-03T07:00:00.000Z');
  });

  test('daylight-saving days: the offset of that day is used, a skipped time is moved on by the jump', () => {
    // Berlin moves to summer time on 29 March 2026 at 02:00 → 03:00
    expect(nextLocalTime(new Date('2026-03-28T12:00:00Z'), 'Europe/Berlin', '08:00').toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(zonedMoment(2026, 3, 29, 2, 30, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // back on 25 October 2026: 02:30 happens twice, the first is taken
    expect(zonedMoment(2026, 10, 25, 2, 30, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  test('end of a month and of a year roll over', () => {
    expect(nextLocalTime(new Date('2026-12-31T20:00:00Z'), 'Asia/Tokyo', '08:00').toISOString()).toBe('2026-12-31T23:00:00.000Z');
    expect(localParts(new Date('2026-12-31T23:00:00Z'), 'Asia/Tokyo')).toMatchObject({ year: 2027, month: 1, day: 1, hour: 8 });
  });
});
