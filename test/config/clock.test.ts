import { readEnvironment } from '../../src/config/load';
import { createApp } from '../../src/app';
import { HeraldError } from '../../src/errors';

describe('HERALD_NOW', () => {
  it('is unset by default, so the clock is the real one', () => {
    expect(readEnvironment({}).now).toBeUndefined();
  });

  it('starts the clock at the given time and lets it run on', () => {
    const env = readEnvironment({ HERALD_NOW: '2026-03-01T08:00:00Z' });
    expect(env.now?.toISOString()).toBe('2026-03-01T08:00:00.000Z');
    const app = createApp({ env } as never, {} as never);
    const first = app.now().getTime();
    // the clock started at HERALD_NOW when this process did
    const sinceStart = Date.now() - performance.timeOrigin;
    expect(first).toBeGreaterThanOrEqual(Date.parse('2026-03-01T08:00:00Z'));
    expect(first).toBeLessThanOrEqual(Date.parse('2026-03-01T08:00:00Z') + Math.ceil(sinceStart));
    expect(app.now().getTime()).toBeGreaterThanOrEqual(first);
  });

  it('refuses a value without a zone or that is not a date, naming the variable', () => {
    for (const value of ['2026-03-01 08:00', 'tomorrow', '2026-13-40T08:00:00Z']) {
      expect(() => readEnvironment({ HERALD_NOW: value })).toThrow(HeraldError);
      expect(() => readEnvironment({ HERALD_NOW: value })).toThrow(/HERALD_NOW/);
    }
  });
});

describe('HERALD_NOW in a long-running process', () => {
  it('is the time at process start, so a later App (a schedule tick) sees time that has moved on', () => {
    const env = readEnvironment({ HERALD_NOW: '2026-03-01T08:00:00Z' });
    const elapsed = Math.floor(Date.now() - performance.timeOrigin);
    const at = createApp({ env } as never, {} as never).now().getTime();
    expect(at).toBeGreaterThanOrEqual(Date.parse('2026-03-01T08:00:00Z') + elapsed);
  });
});
