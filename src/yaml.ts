/**
 * YAML of the config and data files: the `yaml` package (≈ 60 ms to load) is loaded at the first parse the cache
 * folder cannot answer; `parseYamlCached` keeps parsed values there as JSON, keyed by the text. Notes: docs/modules.md.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { cacheDir, writeCacheFile } from './analysis/text/cache-dir.js';

/** Format of the cache files; bump when what is kept changes meaning. */
const FORMAT = 1;
/** Parsed files kept (a check reads 4–5: defaults, rules, column classes, service links, a --config file). */
const KEEP_CACHED = 24;
const FAMILY = /^yaml-[0-9a-f]{24}\.json$/;

const require = createRequire(import.meta.url);
let mod: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  mod ??= require('yaml') as typeof import('yaml');
  return mod;
}

/** `parse` of the yaml package (loaded at the first call). */
export function parseYaml(text: string): unknown {
  return yaml().parse(text);
}

let keyPrefix: string | undefined;
/** What a parsed value depends on besides the text: this format and yaml's version (read without loading yaml). */
function prefix(): string {
  keyPrefix ??= `format:${FORMAT}\u0000yaml:${(require('yaml/package.json') as { version: string }).version}\u0000`;
  return keyPrefix;
}

/** The cache file of a text (undefined without a cache folder). */
export function yamlCacheFile(text: string): string | undefined {
  const dir = cacheDir();
  if (!dir) return undefined;
  return path.join(dir, `yaml-${createHash('sha256').update(prefix()).update(text).digest('hex').slice(0, 24)}.json`);
}

/**
 * `parseYaml(text)`, answered from the cache folder when the same text was parsed before. A miss parses (same value,
 * same errors and warnings as `parseYaml`) and keeps the value only when JSON gives it back exactly (no `.inf`, no
 * -0, …) and the text gave no warnings, so a hit is what a parse would give.
 */
export function parseYamlCached(text: string): unknown {
  const file = yamlCacheFile(text);
  if (!file) return parseYaml(text);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // absent or unreadable: parse
  }
  const value = parseYaml(text);
  const json = JSON.stringify(value);
  if (json !== undefined && isDeepStrictEqual(JSON.parse(json), value) && yaml().parseDocument(text).warnings.length === 0) {
    writeCacheFile(file, json, FAMILY, KEEP_CACHED);
  }
  return value;
}
