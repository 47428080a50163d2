import { parentPort, workerData } from 'node:worker_threads';
import { startCodeCache } from '../fast/code-cache';

/** Parses the subscriber files on a thread whose heap (and the parser's garbage) goes away after. */
const cache = startCodeCache('subscribers');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { discoverSubscribers } = require('./read') as typeof import('./read');
const { dir, folder } = workerData as { dir: string; folder?: string };
const found = discoverSubscribers(dir, folder);
cache?.save();
parentPort!.postMessage({ ...found, excluded: [...found.excluded] });
