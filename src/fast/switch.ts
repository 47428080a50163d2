/**
 * The fast path: everything in src/fast/ exists only for speed (or a smaller footprint), and
 * herald behaves the same without it, bytes on the wire included (test/e2e/fast-path.test.ts
 * sends one newsletter both ways and compares what arrived). HERALD_FAST_PATH=0 turns all of it
 * off: the first thing to try when a Node or dependency upgrade misbehaves, since every trick here
 * leans on something that is not a public API.
 *
 * What is in it, each with the gain it was kept for (CPU of `herald send`, medians; each file
 * says how it was measured):
 *   code-cache.ts        V8's code cache for Node 20 (Node ≥ 22.1: module.enableCompileCache):
 *                        −13% on a 200-subscriber send
 *   deferred-require.ts  packages a library loads but herald never calls, loaded only when read:
 *                        −26% on a 200-subscriber send
 *   mjml-deferred.ts     which of MJML's packages those are
 *   smtp-encoded-data.ts nodemailer's connection given the message already in DATA form, and
 *   smtp-data.ts         that DATA form, encoded once per shared piece of a post: −60% on a
 *                        10,000-subscriber send
 *   heap.ts              a periodic full collection, so a long send's memory stays flat: to be
 *                        measured at 100,000 subscribers on a quiet machine
 *   pins.ts              the exact versions of the packages whose internals these rely on
 * Everything off at once: 2.26 s of CPU instead of 1.33 s for a 200-subscriber send.
 */
export function fastPathOn(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['HERALD_FAST_PATH']?.trim().toLowerCase();
  return !(value === '0' || value === 'off' || value === 'false' || value === 'no');
}
