import crypto from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { threadId } from 'node:worker_threads';
import { makeDir } from '../make-dir';
import { fastPathOn } from './switch';

/**
 * V8's code cache for the JavaScript herald loads, kept on disk between runs, as Node 22 does with
 * module.enableCompileCache (used instead where it exists). Compiling the code is a good part of a
 * run's start: MJML alone is some 260 modules, compiled again on every send that renders a post.
 *
 * The entries of one kind of thread (the command line, the render thread…) are kept together in
 * one file, read once as the thread starts and written again only when it compiled something new
 * (one file rather than hundreds: creating files is what a first run would otherwise spend most
 * on). Each entry is keyed by a hash of the module's path and whole text, so it can only ever
 * meet the exact source it was made from: an upgraded dependency gets new entries (V8's own check
 * looks at the length of the source only). V8 still refuses an entry made by another Node version
 * or with other V8 flags, and herald then compiles as usual and replaces it. Anything the cache
 * cannot do (no usable folder, an ES module, a damaged file) means only that modules are compiled
 * the ordinary way.
 *
 * Measured gain on Node 20 (the fallback below): a send to 200 subscribers, where start-up is
 * most of the work, took a median 1.33 s of CPU with a warm cache and 1.52 s without (4 runs
 * each; 1.02–1.34 against 1.48–1.64), about 13% (3% of a 10,000-subscriber send).
 * Command: `/usr/bin/time -f "%U %S" node dist/cli.js send --include-existing --root DIR` against smtp-sink,
 * DIR a copy of bench/fixture.js's folder, the trick disabled in the B build, A/B alternated.
 */
export interface CodeCache {
  readonly dir: string;
  /** Writes the entries made in this run; the main thread does this as the process exits. */
  save(): void;
  /** Modules loaded from the cache, and compiled without it (absent or refused), in this thread. */
  readonly counts: { accepted: number; compiled: number };
}

type Compile = (this: Module, content: string, filename: string, format?: string) => unknown;
interface ModuleInternals {
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
  _extensions: NodeJS.RequireExtensions;
  _cache: NodeJS.Require['cache'];
  wrap(content: string): string;
  enableCompileCache?: (dir: string) => unknown;
  flushCompileCache?: () => void;
}

/**
 * Starts the cache for this thread (once), unless HERALD_CODE_CACHE=off, HERALD_FAST_PATH=0 or no
 * folder is usable. `name` says which file holds this kind of thread's entries.
 */
export function startCodeCache(name: string, env: NodeJS.ProcessEnv = process.env): CodeCache | undefined {
  if (!fastPathOn(env)) return undefined;
  const dir = cacheDir(env);
  if (!dir) return undefined;
  const internals = Module as unknown as ModuleInternals;
  const counts = { accepted: 0, compiled: 0 };
  if (typeof internals.enableCompileCache === 'function') {
    internals.enableCompileCache(dir);
    return { dir, counts, save: () => internals.flushCompileCache?.() };
  }
  // a module compiled here must be able to import() like any other, or it is left to Node
  const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const prototype = Module.prototype as unknown as { _compile?: Compile };
  const original = prototype._compile;
  if (!loader || typeof original !== 'function' || typeof internals.wrap !== 'function') return undefined;

  const file = path.join(dir, `${name}.bin`);
  const entries = readEntries(file);
  const used = new Set<string>();
  const unsaved = new Map<string, vm.Script>();
  const compile: Compile = function (content, filename, format) {
    if (format === 'module' || !/\.c?js$/.test(filename)) return original.call(this, content, filename, format);
    const key = sha1(`${filename}\0${content}`);
    const cachedData = entries.get(key);
    let script: vm.Script;
    try {
      // a first line "#!…" is only allowed at the very start of a script, not inside the wrapper
      const source = content.startsWith('#!') ? `//${content}` : content;
      script = new vm.Script(internals.wrap(source), { filename, cachedData, importModuleDynamically: loader });
    } catch {
      // ES module syntax, for one: Node's own loader knows what to do with it
      return original.call(this, content, filename, format);
    }
    if (cachedData && !script.cachedDataRejected) {
      counts.accepted++;
      used.add(key);
    } else {
      counts.compiled++;
      unsaved.set(key, script);
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return Reflect.apply(wrapper, this.exports, [this.exports, requireFor(this, internals), this, filename, path.dirname(filename)]);
  };
  prototype._compile = compile;

  const save = (): void => {
    if (!unsaved.size) return;
    try {
      // made now, after the code ran: the functions it called are compiled by then and included
      for (const [key, script] of unsaved) {
        entries.set(key, script.createCachedData());
        used.add(key);
      }
      unsaved.clear();
      // entries for sources no longer loaded pile up as dependencies change: past this many,
      // only this run's are kept
      if (entries.size > MAX_ENTRIES) for (const key of entries.keys()) if (!used.has(key)) entries.delete(key);
      writeEntries(file, entries);
    } catch {
      // a cache that cannot be written only makes the next run slower
    }
  };
  return { dir, counts, save };
}

/** Most entries one file keeps (herald's command line loads some 200 modules, its render thread 300). */
const MAX_ENTRIES = 2000;

/**
 * The file: a 4-byte length, an index of entries as JSON ({ key: [offset, length] }), then the
 * entries' bytes. A file that cannot be read that way counts as empty.
 */
function readEntries(file: string): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  try {
    const bytes = fs.readFileSync(file);
    const indexEnd = 4 + bytes.readUInt32BE(0);
    const index = JSON.parse(bytes.toString('utf8', 4, indexEnd)) as Record<string, [number, number]>;
    for (const [key, [offset, length]] of Object.entries(index)) {
      if (offset + length <= bytes.length - indexEnd) entries.set(key, bytes.subarray(indexEnd + offset, indexEnd + offset + length));
    }
  } catch {
    entries.clear();
  }
  return entries;
}

function writeEntries(file: string, entries: ReadonlyMap<string, Buffer>): void {
  const index: Record<string, [number, number]> = {};
  let offset = 0;
  for (const [key, data] of entries) {
    index[key] = [offset, data.length];
    offset += data.length;
  }
  const json = Buffer.from(JSON.stringify(index), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length, 0);
  // written whole under another name first: a run reading meanwhile sees the old file or the new
  const temporary = `${file}.${process.pid}-${threadId}.tmp`;
  fs.writeFileSync(temporary, Buffer.concat([length, json, ...entries.values()]), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/** The require function Node gives a module, for one compiled here. */
function requireFor(mod: Module, internals: ModuleInternals): NodeJS.Require {
  const resolve = Object.assign(
    (request: string, options?: { paths?: string[] }) => internals._resolveFilename(request, mod, false, options),
    { paths: (request: string) => internals._resolveLookupPaths(request, mod) },
  );
  return Object.assign((id: string): unknown => mod.require(id), {
    resolve,
    main: require.main,
    extensions: internals._extensions,
    cache: internals._cache,
  }) as NodeJS.Require;
}

/**
 * HERALD_CODE_CACHE names the folder (or is "off"); by default it is the user's cache folder,
 * one per Node version. A folder that other users could write to is not used: what is in it runs.
 */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const configured = env['HERALD_CODE_CACHE']?.trim();
  if (configured === 'off' || configured === '0') return undefined;
  try {
    const base = configured || path.join(
      process.platform === 'win32' ? env['LOCALAPPDATA'] || os.tmpdir() : env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'),
      'herald',
    );
    const dir = configured ? base : path.join(base, `code-${process.version}-${process.arch}`);
    makeDir(dir, 0o700);
    const stat = fs.statSync(dir);
    if (process.platform !== 'win32' && (stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0)) return undefined;
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

const sha1: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha1', text, 'hex') : (text) => crypto.createHash('sha1').update(text).digest('hex');
