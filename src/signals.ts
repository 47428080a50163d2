import { ExitCode, type Output } from './output';

/**
 * SIGINT and SIGTERM, handled in one place for every command: a send's graceful stop, the
 * schedule's, serve's and the live preview's are all built on `onStopSignals`.
 */
export function onStopSignals(listener: (signal: NodeJS.Signals) => void): () => void {
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** Resolves with the first SIGINT or SIGTERM, and stops listening then. */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const off = onStopSignals((signal) => {
      off();
      resolve(signal);
    });
  });
}

/**
 * Stops taking new recipients on the first signal; a second one (or the grace period) ends the
 * process through `exit`, which the CLI entry supplies (process.exit lives there alone).
 */
export function stopOnSignals(io: Output, exit: (code: number) => never, graceMs: number): AbortSignal {
  const controller = new AbortController();
  onStopSignals((signal) => {
    if (controller.signal.aborted) {
      io.err(`${signal} again: exiting now; messages in flight are reported as in doubt by the next run.`);
      exit(ExitCode.FAILED);
    }
    io.err(`${signal}: stopping — no new recipients; waiting up to ${graceMs / 1000} s for messages in flight.`);
    controller.abort();
    setTimeout(() => {
      io.err('messages still in flight after the grace period; exiting. The next run reports them as in doubt.');
      exit(ExitCode.FAILED);
    }, graceMs).unref();
  });
  return controller.signal;
}
