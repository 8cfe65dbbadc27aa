/**
 * Discovers the checks: every module in the top-level `checks/` folder that default-exports a check.
 * Adding a check is adding a file there, its text in the catalogs checks/messages/{zh,en}.json and its test.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { CheckModule } from './api.js';
import { checkText } from './catalog.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** src/check-api → ../../checks (works from sources and from dist/src/check-api alike). */
export const CHECKS_DIR = path.resolve(here, '../../checks');

let cache: Promise<CheckModule[]> | undefined;
/** Where each loaded check came from (a file URL), so a worker thread can load just the checks it needs. */
const sources = new WeakMap<CheckModule, string>();

/** The file URL a check was loaded from by `loadChecks`; undefined for a module not loaded from a checks folder. */
export function checkSource(check: CheckModule): string | undefined {
  return sources.get(check);
}

export function loadChecks(dir = CHECKS_DIR): Promise<CheckModule[]> {
  if (dir === CHECKS_DIR && cache) return cache;
  const p = (async () => {
    const files = readdirSync(dir)
      .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('_'))
      .sort();
    const mods: CheckModule[] = [];
    const ids = new Set<string>();
    for (const f of files) {
      const source = pathToFileURL(path.join(dir, f)).href;
      const mod = (await import(source)) as { default?: CheckModule };
      const check = mod.default;
      if (!check || typeof check.run !== 'function' || !check.meta?.id) {
        throw new Error(`checks/${f} does not default-export a check (defineCheck({ meta, run }))`);
      }
      const expected = f.replace(/\.(js|ts)$/, '');
      if (check.meta.id !== expected) throw new Error(`checks/${f}: meta.id is "${check.meta.id}", expected "${expected}"`);
      if (!checkText(check.meta.id)) throw new Error(`checks/${f}: no entry "${check.meta.id}" in checks/messages/zh.json and en.json`);
      if (ids.has(check.meta.id)) throw new Error(`duplicate check id ${check.meta.id}`);
      ids.add(check.meta.id);
      sources.set(check, source);
      mods.push(check);
    }
    return mods;
  })();
  if (dir === CHECKS_DIR) cache = p;
  return p;
}
