import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Claim, DeliveryRow, SendRecord, Settle } from './sqlite';

/**
 * What the delivery loop needs from the record. Reads are synchronous (WAL lets them run beside
 * a write); writes are promises, so a durable commit can happen off the event loop.
 */
export interface DeliveryRecord {
  due(postId: string, now: Date, opts: { afterSeq: number; limit: number; includeInDoubt: boolean }): DeliveryRow[];
  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], now: Date, opts: { includeInDoubt: boolean }): Promise<boolean[]>;
  skip(postId: string, key: string, reason: string, now: Date): Promise<void>;
}

type Request = { id: number; method: 'apply' | 'skip' | 'close'; args: unknown[] };
type Reply = { id: number; result?: unknown; error?: string };

/**
 * The record's writes on a thread of their own. Each commit still waits for fsync before its
 * promise resolves, so the rule "claimed on disk before handed to SMTP" is unchanged; what changes
 * is that replies from the SMTP server keep arriving (and are batched into the next commit)
 * while the disk is busy, instead of waiting behind it.
 */
export class RecordWriter implements DeliveryRecord {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    private readonly reader: SendRecord,
    stateDir: string,
  ) {
    this.worker = new Worker(path.join(__dirname, 'record-worker.js'), { workerData: { stateDir } });
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.result);
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size) fail(new Error(`the record's writer stopped (exit ${code})`));
    });
  }

  due(postId: string, now: Date, opts: { afterSeq: number; limit: number; includeInDoubt: boolean }): DeliveryRow[] {
    return this.reader.due(postId, now, opts);
  }

  apply(runId: string, settles: readonly Settle[], claims: readonly Claim[], now: Date, opts: { includeInDoubt: boolean }): Promise<boolean[]> {
    return this.call('apply', [runId, settles, claims, now, opts]) as Promise<boolean[]>;
  }

  async skip(postId: string, key: string, reason: string, now: Date): Promise<void> {
    await this.call('skip', [postId, key, reason, now]);
  }

  /** Closes the writer's connection (after its last commit) and stops the thread. */
  async close(): Promise<void> {
    if (!this.failure) await this.call('close', []).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(method: Request['method'], args: unknown[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args } satisfies Request);
    });
  }
}
