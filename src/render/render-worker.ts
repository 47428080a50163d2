import { parentPort, workerData } from 'node:worker_threads';
import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';
import { HeraldError } from '../errors';
import { renderPost } from './post';

/** Renders one post on a thread that ends afterwards, taking MJML's memory with it. */
const { post, settings, now } = workerData as { post: Post; settings: Settings; now: Date };
renderPost(post, settings, now).then(
  (rendered) => parentPort!.postMessage({ rendered }),
  (err: unknown) =>
    parentPort!.postMessage({
      error: err instanceof HeraldError
        ? { code: err.code, message: err.message, location: err.location, hint: err.hint }
        : { message: err instanceof Error ? err.message : String(err) },
    }),
);
