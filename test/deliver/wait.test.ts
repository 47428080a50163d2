import { getEventListeners } from 'node:events';
import { sleep } from '../../src/deliver/wait';

describe('sleep, the wait of the send path', () => {
  test('ends at once when the signal was aborted before the wait began, and adds no listener', async () => {
    const controller = new AbortController();
    controller.abort();
    let done = false;
    const waiting = sleep(60_000, controller.signal).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
    await waiting;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('ends at once when the signal aborts during the wait', async () => {
    const controller = new AbortController();
    let done = false;
    const waiting = sleep(60_000, controller.signal).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    controller.abort();
    await waiting;
    expect(done).toBe(true);
  });

  test('takes its listener off the signal when the time is up, however many waits there are', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(0, controller.signal);
    await Promise.all(Array.from({ length: 8 }, () => sleep(1, controller.signal)));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
