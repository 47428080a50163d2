import type { Command } from 'commander';
import type { Settings } from '../config/load';
import type { Output } from './io';

/** `herald serve`: the unsubscribe (and optional subscribe) HTTP endpoint. Wired into src/cli.ts. */
export function registerServeCommand(program: Command, _io: Output, _settingsFor: (cmd: Command) => Settings, _setExit: (code: number) => void): void {
  program.command('serve').description('serve the unsubscribe page (one-click, RFC 8058)');
}
