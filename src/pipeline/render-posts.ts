import type { Post } from '../discover/posts';
import type { Problem } from '../errors';
import { orReport, type Output, reportProblems } from '../output';
import type { RenderedPost, RenderThread } from '../render/post';

/** A planned post with its rendering: compiled once, filled in for each recipient later. */
export interface ReadyPost {
  readonly post: Post;
  readonly rendered: RenderedPost;
}

export interface RenderContext {
  readonly io: Output;
  /** A post that cannot be rendered is reported, added here and left out; the others go on. */
  readonly problems: Problem[];
  readonly now: () => Date;
  readonly stop?: AbortSignal;
}

/**
 * The pipeline's render stage, shared by every kind of send: each planned post rendered once, in
 * order, on one render thread that ends with the stage. A send renders every post before it reads
 * the list, so MJML's thread never overlaps the list in memory.
 */
export async function renderPosts(renderer: RenderThread, posts: readonly Post[], ctx: RenderContext): Promise<ReadyPost[]> {
  const ready: ReadyPost[] = [];
  try {
    for (const post of posts) {
      if (ctx.stop?.aborted) break;
      const rendered = await orReport(ctx.io, ctx.problems, () => renderer.render(post, ctx.now()));
      if (!rendered) continue;
      reportProblems(ctx.io, rendered.warnings);
      ready.push({ post, rendered });
    }
  } finally {
    renderer.end();
  }
  return ready;
}
