import type { Command } from 'commander';
import type { Settings } from '../config/load';
import { type Output, runAction } from '../output';
import { portOption } from './options';

/** The live preview's port unless --port says otherwise (herald's other server defaults to 8025). */
export const DEFAULT_PREVIEW_PORT = 8026;

/** `herald preview POST [--screenshots] [--dark] [--serve] [--port N]`. */
export function registerPreviewCommand(program: Command, io: Output, settingsFor: (cmd: Command) => Settings, setExit: (code: number) => void): void {
  program
    .command('preview')
    .description('render one post (drafts too) into the preview folder; optionally screenshot it or serve it with reload on save')
    .argument('<post>', 'the post, by path under posts/ or slug')
    .option('--screenshots', 'also save PNG screenshots at phone (375 px) and desktop (600 px) width (needs Chromium)')
    .option('--dark', 'also save the screenshots as a reader in dark mode sees them (implies --screenshots)')
    .option('--serve', 'serve the email on 127.0.0.1 and reload it whenever the post, a template or the settings change')
    .option('--port <n>', `port for --serve (0 picks a free one)`, portOption, DEFAULT_PREVIEW_PORT)
    .action(
      runAction(io, setExit, (command) => {
        const o = command.opts() as { screenshots?: boolean; dark?: boolean; serve?: boolean; port: number };
        // the rendering, screenshot and server code loads only when herald preview runs
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { runPreview } = require('./preview-run') as typeof import('./preview-run');
        return runPreview(() => settingsFor(command), command.args[0]!, { screenshots: Boolean(o.screenshots || o.dark), dark: Boolean(o.dark), serve: Boolean(o.serve), port: o.port }, io);
      }),
    );
}

