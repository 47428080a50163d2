import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Post } from '../discover/posts';
import { type ErrorCode as Code, ErrorCode, HeraldError, type Location } from '../errors';
import type { RenderedPost } from './rendered';
import { type RenderSettings, renderSettings } from './settings';

/** Renders posts on a thread of its own; end() lets the thread (and MJML with it) go. */
export interface RenderThread {
  render(post: Post, now: Date): Promise<RenderedPost>;
  end(): void;
}

/**
 * renderPost on a thread of its own, for sends and dry runs: MJML (about 60 MB once loaded) stays
 * in that thread's heap and leaves when it ends, instead of weighing on a send to a long list. One
 * thread renders every post of a run in turn, so MJML is loaded once however many there are. The
 * thread starts with the first post.
 *
 * A post gets `renderTimeoutSeconds` from the moment a ready thread (MJML loaded) has it; a post
 * that takes longer (marked is quadratic on some inputs) is stopped with its thread, reported by
 * name, and the next post starts a fresh thread. Any other failure is reported with the post too.
 */
export function renderThread(settings: RenderSettings): RenderThread {
  // only what rendering reads is copied to the thread: never the secrets or the rest of Settings
  const forThread = renderSettings(settings);
  let worker: Worker | undefined;
  let ready = false;
  /** The post in progress, with the thread it was sent to. */
  let pending: { readonly on: Worker; readonly post: Post; timer?: NodeJS.Timeout; resolve: (rendered: RenderedPost) => void; reject: (err: Error) => void } | undefined;
  const take = (from: Worker): typeof pending => {
    if (pending?.on !== from) return undefined;
    const waiting = pending;
    pending = undefined;
    clearTimeout(waiting.timer);
    return waiting;
  };
  const watch = (): void => {
    const watched = pending;
    if (!watched || watched.timer) return;
    watched.timer = setTimeout(() => {
      if (take(watched.on) !== watched) return;
      if (worker === watched.on) worker = undefined;
      void watched.on.terminate();
      watched.reject(new HeraldError(ErrorCode.EPOST, `took longer than ${settings.renderTimeoutSeconds} s to render and was stopped; it is not sent`, {
        location: { file: watched.post.file },
        hint: 'Look for a very long run of *, _, [ or ` in it (marked slows down on those); "renderTimeoutSeconds" sets the limit.',
      }));
    }, settings.renderTimeoutSeconds * 1000);
  };
  const start = (): Worker => {
    const started = new Worker(path.join(__dirname, 'render-worker.js'), { workerData: { settings: forThread } });
    ready = false;
    started.on('message', (reply: RenderReply) => {
      if (reply.ready) {
        if (worker === started) ready = true;
        if (pending?.on === started) watch();
        return;
      }
      const waiting = take(started);
      if (reply.rendered) waiting?.resolve(reply.rendered);
      else if (reply.error?.code) waiting?.reject(new HeraldError(reply.error.code, reply.error.message, { location: reply.error.location, hint: reply.error.hint }));
      else waiting?.reject(new Error(reply.error?.message ?? 'rendering failed'));
    });
    const fail = (err: Error): void => {
      if (worker === started) worker = undefined;
      take(started)?.reject(err);
    };
    started.once('error', fail);
    started.once('exit', () => fail(new Error('the render thread stopped')));
    return started;
  };
  return {
    render(post, now) {
      if (pending) return Promise.reject(new Error('one post at a time'));
      const on = (worker ??= start());
      return new Promise<RenderedPost>((resolve, reject) => {
        pending = { on, post, resolve, reject };
        if (ready) watch();
        on.postMessage({ post, now });
      }).catch((err: unknown) => {
        if (err instanceof HeraldError) throw err;
        // a stack overflow or a crashed thread still names the post
        throw new HeraldError(ErrorCode.EPOST, `could not be rendered: ${err instanceof Error ? err.message : String(err)}; it is not sent`, { location: { file: post.file }, cause: err });
      });
    },
    end() {
      const ending = worker;
      worker = undefined;
      if (ending) void ending.terminate();
    },
  };
}

/** What the render thread answers for each post. */
export interface RenderReply {
  /** Sent once, when the thread has loaded what rendering needs: a post's time starts then. */
  readonly ready?: true;
  readonly rendered?: RenderedPost;
  readonly error?: { code?: Code; message: string; location?: Location; hint?: string };
}
