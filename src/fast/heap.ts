import v8 from 'node:v8';
import vm from 'node:vm';
import { fastPathOn } from './switch';

/**
 * Keeps a long send's memory flat. The send loop allocates steadily and keeps almost nothing, but
 * V8 postpones full collections until the old generation reaches a limit it derived from the
 * start-up peak (the subscriber list in memory), so over 100,000 messages ~30 MB of garbage piles
 * up. A full collection of the small live heap every few seconds costs a few milliseconds.
 *
 * Node has no public call for this: V8's `gc` is made available through its own flag. Where that
 * does not work, or with HERALD_FAST_PATH=0, nothing happens and only the footprint is larger.
 * Returns the function to stop.
 *
 * Measured gain: none visible at 10,000 subscribers (peak RSS 119 MB with it, 118 MB without;
 * CPU within the noise, 3 runs each), which is expected: what it targets is the footprint of a
 * 100,000-subscriber send, which could not be measured on the shared machine. Kept, fenced, until
 * it is measured on a quiet one: `npm run bench -- --subscribers 100000` (peak RSS), with and
 * without it.
 */
export function collectGarbagePeriodically(everyMs = 3000, env: NodeJS.ProcessEnv = process.env): () => void {
  const collect = fastPathOn(env) ? fullCollection() : undefined;
  if (!collect) return () => undefined;
  collect();
  const timer = setInterval(collect, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function fullCollection(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    // set back at once: code compiled under other flags would not match the code cache (the
    // function stays usable)
    v8.setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}
