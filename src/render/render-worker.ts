import { parentPort, workerData } from 'node:worker_threads';
import { startCodeCache } from '../fast/code-cache';
import type { Post } from '../discover/posts';
import type { RenderReply } from './render-thread';
import type { RenderSettings } from './settings';

// before the rest loads, so MJML's modules come from the code cache; saved after each post, as the
// thread is ended from outside
const cache = startCodeCache('render');
/* eslint-disable @typescript-eslint/no-require-imports */
const { HeraldError } = require('../errors') as typeof import('../errors');
const { renderPost } = require('./post') as typeof import('./post');
const { loadMjml } = require('./mjml') as typeof import('./mjml');
/* eslint-enable @typescript-eslint/no-require-imports */

// loaded before the first post, so loading (slow on a busy machine) is not counted in a post's time
loadMjml();
parentPort!.postMessage({ ready: true } satisfies RenderReply);

/** Renders the posts it is sent, one at a time, each answered with the post or the error (see renderThread). */
const { settings } = workerData as { settings: RenderSettings };
parentPort!.on('message', ({ post, now }: { post: Post; now: Date }) => {
  const answer = (reply: RenderReply): void => {
    cache?.save();
    parentPort!.postMessage(reply);
  };
  renderPost(post, settings, now).then(
    (rendered) => answer({ rendered }),
    (err: unknown) =>
      answer({
        error: err instanceof HeraldError
          ? { code: err.code, message: err.message, location: err.location, hint: err.hint }
          : { message: err instanceof Error ? err.message : String(err) },
      }),
  );
});
