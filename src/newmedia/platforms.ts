/**
 * Platform files: config/platforms/<id>.yaml describe how a platform's accounts are read (which adapter, and for
 * rendered pages the CSS selectors of the post list, title, date, body, media and menus). A new platform is a new
 * file, not code. Notes: docs/modules.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlCached } from '../yaml.js';
import { z } from 'zod';
import { CONFIG_DIR, ConfigError, deepMerge } from '../config.js';

const message = z.object({ zh: z.string(), en: z.string() });

const postsRules = z.object({
  /** One post in the list. */
  item: z.string(),
  title: z.string().optional(),
  /** Element holding the date (its `dateAttr` attribute, else its text). */
  date: z.string().optional(),
  dateAttr: z.string().optional(),
  /** Link to the post's own page (href). */
  url: z.string().optional(),
  /** The post's body (text, media, links). */
  body: z.string().optional(),
});

const menuRules = z.object({
  /** One top-level menu item. */
  item: z.string(),
  /** Inside an item: its label element (default: the item's own text). */
  label: z.string().optional(),
  /** Inside an item: the element whose href/data-href is the target (default: the item itself, then its first a). */
  link: z.string().optional(),
  /** Inside an item: its sub-items. */
  children: z.string().optional(),
});

const postPageRules = z.object({
  /** Open the newest N posts' own pages to read their full body (0 = the list only). */
  open: z.number().int().nonnegative().default(0),
  title: z.string().optional(),
  date: z.string().optional(),
  dateAttr: z.string().optional(),
  body: z.string().optional(),
  /** Selector waited for on the post's page (its body has rendered). */
  waitFor: z.string().optional(),
});

export const platformSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  name: message,
  /** feed: the source is a feed; page: render it in Chromium; auto: decide by the source's content type. */
  adapter: z.enum(['feed', 'page', 'auto']).default('auto'),
  extends: z.string().optional(),
  page: z
    .object({
      /** Selector that shows the list has rendered (waited for, within the page time limit). */
      waitFor: z.string().optional(),
      accountName: z.string().optional(),
      posts: postsRules,
      menus: menuRules.optional(),
      post: postPageRules.prefault({}),
    })
    .optional(),
  notes: z.string().optional(),
});
export type Platform = z.infer<typeof platformSchema>;

export const PLATFORMS_DIR = path.join(CONFIG_DIR, 'platforms');

function readDir(dir: string): Map<string, { file: string; raw: Record<string, unknown> }> {
  const out = new Map<string, { file: string; raw: Record<string, unknown> }>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch (e) {
    throw new ConfigError(`cannot read platform folder ${dir}: ${(e as Error).message}`);
  }
  for (const f of files.sort()) {
    const file = path.join(dir, f);
    let raw: unknown;
    try {
      raw = parseYamlCached(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`platform file ${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`platform file ${file} must hold a mapping`);
    const id = (raw as { id?: unknown }).id ?? f.replace(/\.ya?ml$/, '');
    out.set(String(id), { file, raw: { ...(raw as Record<string, unknown>), id } });
  }
  return out;
}

const cache = new Map<string, Map<string, Platform>>();

/** Every platform: the shipped files, then `extraDir` (same id replaces), with `extends` resolved. */
export function loadPlatforms(extraDir?: string): Map<string, Platform> {
  const key = extraDir ?? '';
  const hit = cache.get(key);
  if (hit) return hit;
  const raws = readDir(PLATFORMS_DIR);
  if (extraDir) for (const [id, v] of readDir(path.resolve(extraDir))) raws.set(id, v);
  const resolved = new Map<string, Platform>();
  const resolve = (id: string, chain: string[]): Record<string, unknown> => {
    const entry = raws.get(id);
    if (!entry) throw new ConfigError(`platform "${chain[chain.length - 1]}" extends unknown platform "${id}"`);
    if (chain.includes(id)) throw new ConfigError(`platform files extend each other in a loop: ${[...chain, id].join(' → ')}`);
    const parent = entry.raw.extends;
    if (typeof parent !== 'string') return entry.raw;
    const base = resolve(parent, [...chain, id]);
    const { id: _i, name: _n, notes: _no, adapter: _a, ...inheritable } = base;
    return deepMerge(inheritable, entry.raw) as Record<string, unknown>;
  };
  for (const [id, { file }] of raws) {
    const parsed = platformSchema.safeParse(resolve(id, []));
    if (!parsed.success) throw new ConfigError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
    resolved.set(id, parsed.data);
  }
  cache.set(key, resolved);
  return resolved;
}

/** The platform of an account; unknown ids fall back to `generic` (and say so). */
export function platformFor(id: string | undefined, extraDir?: string): { platform: Platform; fallback: boolean } {
  const all = loadPlatforms(extraDir);
  const p = id ? all.get(id.toLowerCase()) : undefined;
  if (p) return { platform: p, fallback: false };
  const generic = all.get('generic');
  if (!generic) throw new ConfigError('config/platforms/generic.yaml is missing');
  return { platform: generic, fallback: true };
}
