/*
 * Kept for one wave only, so that code still importing from here merges cleanly: output and exit
 * codes live in src/output.ts, commander's option parsers in ./options.
 */
export * from '../output';
export { portOption } from './options';
