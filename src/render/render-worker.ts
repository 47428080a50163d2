import { parentPort, workerData } from 'node:worker_threads';
import { startCodeCache } from '../code-cache';
import type { Settings } from '../config/load';
import type { Post } from '../discover/posts';

// before the rest loads, so MJML's modules come from the code cache; saved before the thread ends
const cache = startCodeCache('render');
/* eslint-disable @typescript-eslint/no-require-imports */
const { HeraldError } = require('../errors') as typeof import('../errors');
const { renderPost } = require('./post') as typeof import('./post');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Renders one post on a thread that ends afterwards, taking MJML's memory with it. */
const { post, settings, now } = workerData as { post: Post; settings: Settings; now: Date };
renderPost(post, settings, now).then(
  (rendered) => {
    cache?.save();
    parentPort!.postMessage({ rendered });
  },
  (err: unknown) => {
    cache?.save();
    parentPort!.postMessage({
      error: err instanceof HeraldError
        ? { code: err.code, message: err.message, location: err.location, hint: err.hint }
        : { message: err instanceof Error ? err.message : String(err) },
    });
  },
);
