#!/usr/bin/env node
import { startCodeCache } from './fast/code-cache';

/*
 * The entry point. The code cache starts before anything else is loaded, so every module after
 * this one can come from it; the program itself is in program.ts.
 */
const cache = startCodeCache('cli');
process.once('exit', () => cache?.save());
// eslint-disable-next-line @typescript-eslint/no-require-imports
void (require('./program') as typeof import('./program')).main();
