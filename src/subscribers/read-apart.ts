import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { listCsvFiles } from './files';
import { type DiscoveredSubscribers, discoverSubscribers } from './read';

/**
 * A parser allocates fast and keeps little: V8 would let its young generation grow to 48 MB
 * before collecting, which is most of the thread's peak memory for nothing.
 */
const SHORT_LIVED_THREAD = { maxYoungGenerationSizeMb: 8 };
/**
 * Below this many bytes of CSV (some 40,000 rows) the parser's garbage is a few MB and a thread
 * would cost more than it saves: starting it, loading the parser again, and copying the list back.
 */
const APART_FROM_BYTES = 2 * 1024 * 1024;

/**
 * discoverSubscribers on a thread of its own, for large lists: parsing 100,000 rows makes far
 * more garbage than the list it leaves, and a worker's heap is returned whole when it ends, so the
 * send that follows does not carry the parser's high-water mark. A small list is parsed here.
 */
export function discoverSubscribersApart(dir: string, opts: { apartFromBytes?: number; folder?: string } = {}): Promise<DiscoveredSubscribers> {
  const bytes = listCsvFiles(dir).reduce((sum, file) => sum + fileSize(file), 0);
  if (bytes < (opts.apartFromBytes ?? APART_FROM_BYTES)) return Promise.resolve().then(() => discoverSubscribers(dir, opts.folder));
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'read-worker.js'), { workerData: { dir, folder: opts.folder }, resourceLimits: SHORT_LIVED_THREAD });
    worker.once('message', (found: Omit<DiscoveredSubscribers, 'excluded'> & { excluded: string[] }) => {
      resolve({ ...found, excluded: new Set(found.excluded) });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
