import { MAX_PAUSE_MS, onAccepted, onThrottle, pauseLeft, throttleSettings, UNTHROTTLED, type ThrottleState } from '../../src/deliver/throttle';

const SETTINGS = { firstPauseMs: 100, maxPauseMs: 1000, maxEpisodes: 3 };

describe('throttle policy', () => {
  test('a throttle reply pauses the run; each further episode in a row doubles the pause', () => {
    let s: ThrottleState = UNTHROTTLED;
    s = onThrottle(s, SETTINGS, 0, 10_000);
    expect(s).toEqual({ episode: 1, strikes: 1, pauseUntil: 10_100, gaveUp: false });
    expect(pauseLeft(s, 10_040)).toBe(60);
    expect(pauseLeft(s, 10_100)).toBe(0);
    s = onThrottle(s, SETTINGS, 1, 20_000);
    expect(s.pauseUntil).toBe(20_200);
    s = onThrottle(s, SETTINGS, 2, 30_000);
    expect(s.pauseUntil).toBe(30_400);
  });

  test('replies to messages started before the current pause count once', () => {
    let s = onThrottle(UNTHROTTLED, SETTINGS, 0, 0);
    for (let i = 0; i < 4; i++) s = onThrottle(s, SETTINGS, 0, 5);
    expect(s).toEqual({ episode: 1, strikes: 1, pauseUntil: 100, gaveUp: false });
  });

  test('the pause never grows past its cap', () => {
    const settings = { ...SETTINGS, maxEpisodes: 20 };
    let s: ThrottleState = UNTHROTTLED;
    for (let e = 0; e < 12; e++) s = onThrottle(s, settings, e, 0);
    expect(s.pauseUntil).toBe(1000);
  });

  test('after maxEpisodes episodes in a row the run gives up', () => {
    let s: ThrottleState = UNTHROTTLED;
    for (let e = 0; e < 3; e++) s = onThrottle(s, SETTINGS, e, 0);
    expect(s.gaveUp).toBe(false);
    s = onThrottle(s, SETTINGS, 3, 0);
    expect(s.gaveUp).toBe(true);
  });

  test('a message accepted after the pause starts the count again; one started before it does not', () => {
    let s = onThrottle(UNTHROTTLED, SETTINGS, 0, 0);
    s = onThrottle(s, SETTINGS, 1, 0);
    expect(onAccepted(s, 1).strikes).toBe(2);
    s = onAccepted(s, 2);
    expect(s.strikes).toBe(0);
    s = onThrottle(s, SETTINGS, 2, 1000);
    expect(s).toEqual({ episode: 3, strikes: 1, pauseUntil: 1100, gaveUp: false });
  });

  test('an unthrottled run is unchanged by accepted messages', () => {
    expect(onAccepted(UNTHROTTLED, 0)).toBe(UNTHROTTLED);
    expect(pauseLeft(UNTHROTTLED, Date.now())).toBe(0);
  });

  test('settings: the first pause is the retry delay within bounds; episodes follow smtp.retries', () => {
    expect(throttleSettings({ retries: 3, retryDelayMs: 1000 })).toEqual({ firstPauseMs: 1000, maxPauseMs: MAX_PAUSE_MS, maxEpisodes: 4 });
    expect(throttleSettings({ retries: 0, retryDelayMs: 0 }).firstPauseMs).toBe(50);
    expect(throttleSettings({ retries: 1, retryDelayMs: 10 * 60_000 }).firstPauseMs).toBe(MAX_PAUSE_MS);
  });
});
