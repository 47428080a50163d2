import type { Post } from '../../src/discover/posts';
import { ErrorCode, HeraldError, type Problem, warning } from '../../src/errors';
import type { Output } from '../../src/output';
import { renderPosts } from '../../src/pipeline/render-posts';
import type { RenderedPost, RenderThread } from '../../src/render/post';

const NOW = new Date('2026-06-01T12:00:00Z');

const post = (id: string): Post => ({
  id, file: `posts/${id}.md`, format: 'yaml', title: id, date: NOW, slug: id, draft: false, optedOut: false, body: 'Text', bodyLine: 4,
});

/** A render thread in memory: each post renders to a literal, or fails when its id says so. */
function fakeRenderer(): RenderThread & { rendered: string[]; ended: boolean } {
  const thread = {
    rendered: [] as string[],
    ended: false,
    async render(p: Post): Promise<RenderedPost> {
      if (p.id.startsWith('bad')) throw new HeraldError(ErrorCode.EPOST, 'cannot be rendered', { location: { file: p.file } });
      thread.rendered.push(p.id);
      const warnings: Problem[] = p.id.startsWith('big') ? [warning(ErrorCode.EPOST, 'Gmail clips it', { file: p.file })] : [];
      return { post: p, templateFile: 'templates/default.mjml', subject: { parts: [p.title] }, html: { parts: ['<p>x</p>'] }, text: { parts: ['x'] }, url: '', warnings } as unknown as RenderedPost;
    },
    end(): void {
      thread.ended = true;
    },
  };
  return thread;
}

function capture(): Output & { errors: string[] } {
  const errors: string[] = [];
  return { errors, out: () => undefined, err: (line) => errors.push(line) };
}

describe('the render stage every send shares', () => {
  test('a post that cannot be rendered is reported and left out; the others are rendered in order', async () => {
    const renderer = fakeRenderer();
    const io = capture();
    const problems: Problem[] = [];
    const ready = await renderPosts(renderer, [post('one'), post('bad'), post('two')], { io, problems, now: () => NOW });
    expect(ready.map((r) => r.post.id)).toEqual(['one', 'two']);
    expect(problems.map((p) => p.location?.file)).toEqual(['posts/bad.md']);
    expect(io.errors.join('\n')).toContain('posts/bad.md');
    expect(renderer.ended).toBe(true);
  });

  test('a rendering\'s warnings are printed but do not hold the post back', async () => {
    const io = capture();
    const problems: Problem[] = [];
    const ready = await renderPosts(fakeRenderer(), [post('big')], { io, problems, now: () => NOW });
    expect(ready).toHaveLength(1);
    expect(problems).toEqual([]);
    expect(io.errors.join('\n')).toContain('Gmail clips it');
  });

  test('after a stop nothing more is rendered, and the thread still ends', async () => {
    const renderer = fakeRenderer();
    const stop = new AbortController();
    stop.abort();
    const ready = await renderPosts(renderer, [post('one')], { io: capture(), problems: [], now: () => NOW, stop: stop.signal });
    expect(ready).toEqual([]);
    expect(renderer.rendered).toEqual([]);
    expect(renderer.ended).toBe(true);
  });
});
