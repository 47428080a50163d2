/**
 * Pure: how a run answers a server that asks it to slow down for the whole session (421, or a
 * throttling reply to MAIL FROM). A throttled recipient alone (454 to RCPT TO) is not handled
 * here: only that recipient waits, in the delivery loop's retry queue.
 *
 * A throttle reply starts an episode: no new message starts until the pause ends, and each
 * further episode without an accepted message in between doubles the pause, up to `maxPauseMs`.
 * Replies to messages started before the current pause belong to the episode already answered
 * and change nothing, so five connections refused at once count once. After `maxEpisodes`
 * episodes in a row the run gives up and leaves the rest for the next run: throttling slows a
 * run down, it never stalls it.
 */
export interface ThrottleSettings {
  /** The first pause; doubled on each further episode. */
  readonly firstPauseMs: number;
  readonly maxPauseMs: number;
  /** Episodes in a row (no message accepted in between) the run sits through before giving up. */
  readonly maxEpisodes: number;
}

export interface ThrottleState {
  /** Counts the pauses begun; a message remembers the episode it was started in. */
  readonly episode: number;
  /** Episodes in a row without a message accepted in between. */
  readonly strikes: number;
  /** No new message starts before this time (ms since the epoch); 0 when not paused. */
  readonly pauseUntil: number;
  /** The server kept throttling: this run sends nothing more. */
  readonly gaveUp: boolean;
}

export const UNTHROTTLED: ThrottleState = { episode: 0, strikes: 0, pauseUntil: 0, gaveUp: false };

/** The longest pause herald takes for a throttling server, whatever `smtp.retryDelayMs` says. */
export const MAX_PAUSE_MS = 60_000;
/** The shortest first pause: a server that throttles wants more than an instant. */
const MIN_FIRST_PAUSE_MS = 50;

/** The run's policy from its settings: as many episodes in a row as a recipient gets attempts. */
export function throttleSettings(smtp: { readonly retries: number; readonly retryDelayMs: number }): ThrottleSettings {
  return { firstPauseMs: Math.min(Math.max(smtp.retryDelayMs, MIN_FIRST_PAUSE_MS), MAX_PAUSE_MS), maxPauseMs: MAX_PAUSE_MS, maxEpisodes: smtp.retries + 1 };
}

/** A session throttle reply to a message started in episode `startedIn`, arriving at `nowMs`. */
export function onThrottle(state: ThrottleState, settings: ThrottleSettings, startedIn: number, nowMs: number): ThrottleState {
  if (state.gaveUp || startedIn < state.episode) return state;
  const strikes = state.strikes + 1;
  if (strikes > settings.maxEpisodes) return { ...state, strikes, gaveUp: true };
  const pauseMs = Math.min(settings.firstPauseMs * 2 ** (strikes - 1), settings.maxPauseMs);
  return { episode: state.episode + 1, strikes, pauseUntil: nowMs + pauseMs, gaveUp: false };
}

/** A message started in episode `startedIn` was accepted: the server is taking mail again. */
export function onAccepted(state: ThrottleState, startedIn: number): ThrottleState {
  if (state.strikes === 0 || startedIn < state.episode) return state;
  return { ...state, strikes: 0 };
}

/** How long a new message must still wait at `nowMs` (0 when the run is not paused). */
export function pauseLeft(state: ThrottleState, nowMs: number): number {
  return state.pauseUntil > nowMs ? state.pauseUntil - nowMs : 0;
}
