import type { Command } from 'commander';
import type { Settings } from '../config/load';
import type { Output } from './io';

/** `herald subscribers …` (list, add, remove, import, export). Wired into src/cli.ts. */
export function registerSubscribersCommand(program: Command, _io: Output, _settingsFor: (cmd: Command) => Settings, _setExit: (code: number) => void): void {
  program.command('subscribers').description('list, add, remove, import and export subscribers');
}
