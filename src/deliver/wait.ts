/**
 * The one wait of the send path (pacing, throttle pauses, the retry queue, reconnecting). It ends
 * at once when `signal` aborts, also when it was aborted before the wait began, and it takes its
 * abort listener off again when the timer fires: a run that waits thousands of times never piles
 * listeners onto the run's stop signal.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    if (!signal) {
      setTimeout(resolve, ms);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
