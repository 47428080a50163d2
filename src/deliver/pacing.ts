import { onAccepted, onThrottle, pauseLeft, type ThrottleSettings, type ThrottleState, UNTHROTTLED } from './throttle';
import { sleep } from './wait';

/**
 * When the next message of a run may start: the configured messages per second, and the pauses a
 * server that throttles the whole session asks for (the policy is throttle.ts; this keeps its
 * state for one post). Every wait it hands out ends at once on stop.
 */
export class Pacing {
  private nextSlot = 0;
  private throttle: ThrottleState = UNTHROTTLED;
  /** Ends when the current throttle pause does (or at once on stop); one per pause. */
  pauseOver: Promise<void> = Promise.resolve();

  constructor(
    private readonly messagesPerSecond: number,
    private readonly settings: ThrottleSettings,
    private readonly stop: AbortSignal,
  ) {}

  /** The throttle episode a message started now belongs to. */
  get episode(): number {
    return this.throttle.episode;
  }

  /** The server kept throttling: this run sends nothing more. */
  get gaveUp(): boolean {
    return this.throttle.gaveUp;
  }

  /** Whether a throttle pause is running now. */
  paused(): boolean {
    return this.throttle.pauseUntil !== 0 && pauseLeft(this.throttle, Date.now()) > 0;
  }

  /** How long the next message must wait for the configured rate; it takes its slot. */
  slotWait(): number {
    if (this.messagesPerSecond <= 0) return 0;
    const nowMs = Date.now();
    const wait = Math.max(this.nextSlot - nowMs, 0);
    this.nextSlot = Math.max(this.nextSlot, nowMs + wait) + 1000 / this.messagesPerSecond;
    return wait;
  }

  /** A message started in `episode` was accepted: the server is taking mail again. */
  accepted(episode: number): void {
    if (this.throttle.strikes) this.throttle = onAccepted(this.throttle, episode);
  }

  /** The server asked the whole session to slow down: pause the run, or give up on it when it keeps asking. */
  slowDown(episode: number): void {
    const before = this.throttle;
    this.throttle = onThrottle(this.throttle, this.settings, episode, Date.now());
    if (!this.throttle.gaveUp && this.throttle.episode !== before.episode) this.pauseOver = sleep(pauseLeft(this.throttle, Date.now()), this.stop);
  }
}
