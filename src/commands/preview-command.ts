import path from 'node:path';
import type { Command } from 'commander';
import type { Settings } from '../config/load';
import { discoverPosts } from '../discover/posts';
import { ErrorCode, HeraldError, formatProblem, problemFromError } from '../errors';
import { planSend } from '../plan/plan';
import { resolveSender } from '../render/envelope';
import { renderPost } from '../render/post';
import { ExitCode, type Output } from './io';
import { SAMPLE_RECIPIENT, writePreview } from './preview';

/** `herald preview POST`: renders one post into the preview folder (minimal first version). */
export function registerPreviewCommand(program: Command, io: Output, settingsFor: (cmd: Command) => Settings, setExit: (code: number) => void): void {
  program
    .command('preview')
    .description('render one post into the preview folder')
    .argument('<post>', 'the post, by path under posts/ or slug')
    .action(async (name: string, _opts: unknown, command: Command) => {
      try {
        const settings = settingsFor(command);
        const found = discoverPosts(settings.postsDir);
        const plan = planSend(found.posts, { initialized: true, posts: new Map(), counts: new Map() }, { named: [name], includeExisting: true, resendInDoubt: false, now: new Date() });
        const post = plan.fresh[0] ?? plan.held[0]?.post;
        if (!post) throw new HeraldError(ErrorCode.EUSAGE, `no post named "${name}"`);
        const rendered = await renderPost(post, settings, new Date());
        const files = await writePreview(settings.previewDir, rendered, resolveSender(settings, { requireSecret: false }), SAMPLE_RECIPIENT);
        io.out(`preview: ${path.relative(process.cwd(), files.html) || files.html}`);
        setExit(ExitCode.OK);
      } catch (err) {
        io.err(formatProblem(problemFromError(err)));
        setExit(ExitCode.FAILED);
      }
    });
}
