/** The messages in flight and the gathering of their replies into one commit, on their own. */
import { Gathering, InFlight } from '../../src/deliver/replies';

afterEach(() => jest.useRealTimers());

describe('messages in flight', () => {
  test('the loop waiting for a reply wakes when a message settles, and the count goes down', async () => {
    const inFlight = new InFlight();
    inFlight.count = 2;
    let woke = false;
    void inFlight.settled().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    inFlight.done();
    await Promise.resolve();
    expect(woke).toBe(true);
    expect(inFlight.count).toBe(1);
  });
});

describe('gathering replies into one commit', () => {
  // capacity 4: a commit is held back until 3 replies are in, for at most 3 ms
  test.each([
    ['nothing settled yet', 0, 2, false],
    ['three quarters of the connections have a reply', 3, 1, false],
    ['nothing is left in flight', 2, 0, false],
  ])('does not hold the commit back when %s', (_name, settled, inFlight) => {
    expect(new Gathering(4).holding(settled, inFlight, false)).toBe(false);
  });

  test('does not hold the commit back when the run is stopping', () => {
    expect(new Gathering(4).holding(1, 3, true)).toBe(false);
  });

  test('holds the commit back while more replies are due, for at most the gathering window', async () => {
    jest.useFakeTimers({ now: 10_000 });
    const gathering = new Gathering(4);
    expect(gathering.holding(1, 3, false)).toBe(true);
    let ended = false;
    void gathering.gathered.then(() => (ended = true));
    await jest.advanceTimersByTimeAsync(2);
    expect(ended).toBe(false);
    expect(gathering.holding(2, 2, false)).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(ended).toBe(true);
    expect(gathering.holding(2, 2, false)).toBe(false);
  });

  test('a commit starts a new window with the next reply', () => {
    jest.useFakeTimers({ now: 10_000 });
    const gathering = new Gathering(4);
    gathering.holding(1, 3, false);
    jest.setSystemTime(10_010);
    expect(gathering.holding(1, 3, false)).toBe(false);
    gathering.committed();
    expect(gathering.holding(1, 3, false)).toBe(true);
  });

  test('a transport of one connection never holds a commit back', () => {
    expect(new Gathering(1).holding(1, 1, false)).toBe(false);
  });
});
