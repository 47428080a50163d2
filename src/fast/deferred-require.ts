import Module from 'node:module';
import { fastPathOn } from './switch';

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * require(id), with the modules named in `deferred` (as the library's own code requests them)
 * handed over, while it loads, as stand-ins that load the real module the first time anything
 * reads from them. For dependencies that a library requires as it loads but that herald's use of
 * it does not call: nothing changes but when, and whether, they are loaded. Only for modules used
 * through properties of their exports (a stand-in cannot be called itself); the names a library
 * takes out of such a module as it loads, to call later, are listed with it, and get functions
 * that load the real module when first called.
 *
 * With HERALD_FAST_PATH=0 it is a plain require.
 *
 * Measured gain, every deferral together (MJML's in mjml-deferred.ts, zod's locales, sanitize-html's
 * postcss): a send to 200 subscribers took a median 1.33 s of CPU with it and 1.79 s without
 * (4 runs each; 1.02–1.34 against 1.36–1.79), about 26% (8% of a 10,000-subscriber send); not
 * measured one package at a time.
 * Command: `/usr/bin/time -f "%U %S" node dist/cli.js send --include-existing --root DIR` against smtp-sink,
 * DIR a copy of bench/fixture.js's folder, the trick disabled in the B build, A/B alternated.
 */
export function requireDeferring<T>(id: string, deferred: ReadonlyMap<string, readonly string[]>, env: NodeJS.ProcessEnv = process.env): T {
  const loader = Module as unknown as { _load?: Load };
  // without the loader's hook (a future Node, another runtime) everything simply loads now
  const load = fastPathOn(env) ? loader._load : undefined;
  if (typeof load === 'function') {
    loader._load = function deferring(this: unknown, request, parent, isMain) {
      const calledLater = deferred.get(request);
      if (!calledLater) return load.call(this, request, parent, isMain);
      let real: Record<PropertyKey, unknown> | undefined;
      const target = (): Record<PropertyKey, unknown> => (real ??= load.call(Module, request, parent, isMain) as Record<PropertyKey, unknown>);
      return new Proxy({}, {
        get: (_, prop) => {
          // read by TypeScript's and Babel's import helpers, which then use the module as it is
          if (prop === '__esModule') return true;
          if (typeof prop === 'string' && calledLater.includes(prop)) {
            return function (this: unknown, ...args: unknown[]): unknown {
              return Reflect.apply(target()[prop] as (...a: unknown[]) => unknown, this, args);
            };
          }
          const mod = target();
          return prop === 'default' && !mod.__esModule ? mod : mod[prop];
        },
        has: (_, prop) => prop === '__esModule' || prop in target(),
        ownKeys: () => Reflect.ownKeys(target()),
        getOwnPropertyDescriptor: (_, prop) => {
          const found = Reflect.getOwnPropertyDescriptor(target(), prop);
          return found && { ...found, configurable: true };
        },
      });
    };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id) as T;
  } finally {
    if (typeof load === 'function') loader._load = load;
  }
}
