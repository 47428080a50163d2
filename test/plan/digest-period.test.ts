import { currentPeriod, parseFrequency } from '../../src/plan/digest-period';

describe('digest periods', () => {
  test('frequency cells as people write them', () => {
    expect(parseFrequency('')).toBe('instant');
    expect(parseFrequency('Daily')).toBe('daily');
    expect(parseFrequency('weekly')).toBe('weekly:monday');
    expect(parseFrequency('Weekly Friday')).toBe('weekly:friday');
    expect(parseFrequency('weekly:sat')).toBe('weekly:saturday');
    expect(parseFrequency('monthly')).toBeUndefined();
    expect(parseFrequency('weekly someday')).toBeUndefined();
  });

  test("a daily digest is due at the reader's 08:00; before it, yesterday's period is the current one", () => {
    expect(currentPeriod('daily', new Date('2026-03-02T07:00:00Z'), 'Europe/Berlin', '08:00')).toEqual({ period: 'daily-2026-03-02', dueAt: new Date('2026-03-02T07:00:00Z') });
    expect(currentPeriod('daily', new Date('2026-03-02T06:59:00Z'), 'Europe/Berlin', '08:00')).toEqual({ period: 'daily-2026-03-01', dueAt: new Date('2026-03-01T07:00:00Z') });
    expect(currentPeriod('instant', new Date(), 'UTC', '08:00')).toBeUndefined();
  });

  test('a weekly digest is due on its weekday', () => {
    // 2026-03-02 is a Monday
    expect(currentPeriod('weekly:monday', new Date('2026-03-04T12:00:00Z'), 'UTC', '08:00')?.period).toBe('weekly-2026-03-02');
    expect(currentPeriod('weekly:friday', new Date('2026-03-04T12:00:00Z'), 'UTC', '08:00')?.period).toBe('weekly-2026-02-27');
    expect(currentPeriod('weekly:wednesday', new Date('2026-03-04T08:00:00Z'), 'UTC', '08:00')?.period).toBe('weekly-2026-03-04');
  });
});
