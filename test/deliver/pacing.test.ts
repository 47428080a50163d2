/** Pacing on its own: the configured rate, and the pauses a throttling server asks for. */
import { Pacing } from '../../src/deliver/pacing';

const SETTINGS = { firstPauseMs: 100, maxPauseMs: 1000, maxEpisodes: 2 };
const running = (): AbortSignal => new AbortController().signal;

beforeEach(() => jest.useFakeTimers({ now: 10_000 }));
afterEach(() => jest.useRealTimers());

describe('pacing', () => {
  test('without a rate no message waits', () => {
    const pacing = new Pacing(0, SETTINGS, running());
    expect([pacing.slotWait(), pacing.slotWait(), pacing.slotWait()]).toEqual([0, 0, 0]);
  });

  test('at 10 messages per second each message takes the next 100 ms slot', () => {
    const pacing = new Pacing(10, SETTINGS, running());
    expect([pacing.slotWait(), pacing.slotWait(), pacing.slotWait()]).toEqual([0, 100, 200]);
  });

  test('a run that fell behind its rate does not catch up in a burst', () => {
    const pacing = new Pacing(10, SETTINGS, running());
    pacing.slotWait();
    jest.setSystemTime(11_000);
    expect([pacing.slotWait(), pacing.slotWait()]).toEqual([0, 100]);
  });

  test('a session throttle pauses the run until the pause is over, and starts a new episode', () => {
    const pacing = new Pacing(0, SETTINGS, running());
    expect(pacing.paused()).toBe(false);
    pacing.slowDown(pacing.episode);
    expect(pacing.episode).toBe(1);
    expect(pacing.paused()).toBe(true);
    jest.setSystemTime(10_100);
    expect(pacing.paused()).toBe(false);
  });

  test('the pause ends when its time is up', async () => {
    const pacing = new Pacing(0, SETTINGS, running());
    pacing.slowDown(0);
    let over = false;
    void pacing.pauseOver.then(() => (over = true));
    await jest.advanceTimersByTimeAsync(99);
    expect(over).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(over).toBe(true);
  });

  test('the pause ends at once when the run is stopped', async () => {
    const stop = new AbortController();
    const pacing = new Pacing(0, SETTINGS, stop.signal);
    pacing.slowDown(0);
    let over = false;
    void pacing.pauseOver.then(() => (over = true));
    stop.abort();
    await Promise.resolve();
    expect(over).toBe(true);
  });

  test('replies to messages started before the pause change nothing', () => {
    const pacing = new Pacing(0, SETTINGS, running());
    pacing.slowDown(0);
    const pause = pacing.pauseOver;
    pacing.slowDown(0);
    pacing.slowDown(0);
    expect(pacing.episode).toBe(1);
    expect(pacing.pauseOver).toBe(pause);
  });

  test('a server that keeps throttling makes the run give up; an accepted message in between forgives it', () => {
    const forgiven = new Pacing(0, SETTINGS, running());
    forgiven.slowDown(0);
    forgiven.slowDown(1);
    forgiven.accepted(2);
    forgiven.slowDown(2);
    expect(forgiven.gaveUp).toBe(false);

    const pacing = new Pacing(0, SETTINGS, running());
    pacing.slowDown(0);
    pacing.slowDown(1);
    expect(pacing.gaveUp).toBe(false);
    pacing.slowDown(2);
    expect(pacing.gaveUp).toBe(true);
  });
});
