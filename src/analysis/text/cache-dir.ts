/**
 * Where govcheck keeps what it builds once and reads at every start (lexicon, dictionaries, OpenCC conversions):
 * GOVCHECK_CACHE_DIR (`off` = none), else $XDG_CACHE_HOME/govcheck or ~/.cache/govcheck. Notes: docs/modules.md.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function cacheDir(): string | undefined {
  const env = process.env.GOVCHECK_CACHE_DIR;
  if (env === 'off') return undefined;
  if (env) return env;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'govcheck');
}

/**
 * Writes `data` to `file` in the cache folder atomically, then keeps only the `keep` newest files whose names match
 * `family` (older sets of inputs). Never throws: a read-only home or a full disk only means building again next time.
 */
export function writeCacheFile(file: string, data: string | Uint8Array, family: RegExp, keep = 4): void {
  try {
    const dir = path.dirname(file);
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    const old = readdirSync(dir)
      .filter((f) => family.test(f))
      .map((f) => ({ f: path.join(dir, f), t: statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of old.slice(keep)) rmSync(f, { force: true });
  } catch {
    // not writable: built again next time
  }
}
