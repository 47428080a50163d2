import { parentPort, workerData } from 'node:worker_threads';
import { SendRecord } from './sqlite';

/** The thread behind RecordWriter: one connection to the record, one request at a time, in order. */
const record = SendRecord.open((workerData as { stateDir: string }).stateDir, { readonly: false })!;

parentPort!.on('message', (request: { id: number; method: 'apply' | 'skip' | 'close'; args: unknown[] }) => {
  try {
    let result: unknown;
    if (request.method === 'apply') {
      const [runId, settles, claims, now, opts] = request.args as Parameters<SendRecord['apply']>;
      result = record.apply(runId, settles, claims, now, opts);
    } else if (request.method === 'skip') {
      const [postId, key, reason, now] = request.args as Parameters<SendRecord['skip']>;
      record.skip(postId, key, reason, now);
    } else {
      record.close();
    }
    parentPort!.postMessage({ id: request.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
  }
});
