/**
 * The subscriber list lives in src/subscribers/ (read.ts reads it). These names stay here for
 * the callers outside that folder (commands, serve, render, the bench) until they import from there.
 */
export { type DiscoveredSubscribers, type Subscriber, discoverSubscribers } from '../subscribers/read';
export { discoverSubscribersApart } from '../subscribers/read-apart';
export { cleanName } from '../subscribers/columns';
