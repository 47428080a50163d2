import { parentPort, workerData } from 'node:worker_threads';
import { discoverSubscribers } from './subscribers';

/** Parses the subscriber files on a thread whose heap (and the parser's garbage) goes away after. */
const found = discoverSubscribers((workerData as { dir: string }).dir);
parentPort!.postMessage({ ...found, excluded: [...found.excluded] });
