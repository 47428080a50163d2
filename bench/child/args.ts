/** Parses a child program's `--key value` pairs into an object (values stay strings). */
export function argsOf(argv: readonly string[]): Readonly<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
    i++;
  }
  return out;
}

/** A required argument of a child program. */
export function arg(args: Readonly<Record<string, string | undefined>>, name: string): string {
  const v = args[name];
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

/** Runs a child program's main; an error is printed with its stack and exits 2. */
export function runChild(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  });
}
