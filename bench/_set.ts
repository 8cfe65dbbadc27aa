/** `--set a.b.c=value` for the evaluation commands: the overrides, and a check that each path is an option (zod drops unknown keys silently). */

/** The `--set` values of `args` as a nested object (numbers and true/false parsed) and the paths they set. */
export function parseSets(args: string[]): { overrides: Record<string, unknown>; paths: string[] } {
  const overrides: Record<string, unknown> = {};
  const paths: string[] = [];
  args.forEach((a, i) => {
    if (a !== '--set' || !args[i + 1]) return;
    const [k, v] = args[i + 1].split('=');
    const keys = k.split('.');
    let o = overrides;
    for (const key of keys.slice(0, -1)) o = (o[key] ??= {}) as Record<string, unknown>;
    o[keys[keys.length - 1]] = v === 'true' ? true : v === 'false' ? false : v !== undefined && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    paths.push(k);
  });
  return { overrides, paths };
}

/** Throws a one-line error naming the first path that the parsed options (defaults filled) do not have. */
export function assertSetPaths(paths: string[], parsed: unknown, what: string): void {
  for (const p of paths) {
    let o: unknown = parsed;
    for (const key of p.split('.')) {
      if (o === null || typeof o !== 'object' || !(key in o)) throw new Error(`--set ${p}: no such option of ${what}`);
      o = (o as Record<string, unknown>)[key];
    }
  }
}
