import { sleep } from './wait';

/**
 * Every commit costs a flush to disk, whatever it holds. While more replies are due any moment,
 * they are let to gather (for at most this long) until three quarters of the connections have
 * one, so a commit records several outcomes and claims their successors at once.
 */
const GATHER_MS = 3;

/** The messages handed to the transport whose outcome is not settled yet, and the loop's wait for the next. */
export class InFlight {
  count = 0;
  /** Resolves the loop's wait when a message settles (one waiter at a time: the loop). */
  private wake: (() => void) | undefined;

  /** Ends when the next message in flight settles. */
  settled(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** A message in flight has settled: wake the loop. */
  done(): void {
    this.count--;
    const waiting = this.wake;
    this.wake = undefined;
    waiting?.();
  }
}

/** Whether the loop holds its next commit back for more replies (see GATHER_MS). */
export class Gathering {
  private readonly batch: number;
  private since: number | undefined;
  /** Ends when the current gathering window does. */
  gathered: Promise<void> = Promise.resolve();

  constructor(capacity: number) {
    this.batch = Math.max(1, Math.ceil((capacity * 3) / 4));
  }

  /** `settled` outcomes wait to be committed while `inFlight` messages are still out. */
  holding(settled: number, inFlight: number, stopping: boolean): boolean {
    if (!settled || settled >= this.batch || !inFlight || stopping) return false;
    if (this.since === undefined) {
      this.since = Date.now();
      this.gathered = sleep(GATHER_MS);
    }
    return Date.now() - this.since < GATHER_MS;
  }

  /** A commit went out: the next window starts with the next reply. */
  committed(): void {
    this.since = undefined;
  }
}
