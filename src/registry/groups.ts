/**
 * Table groups (部门/地区): the rows of the notice's attachment tables and their fixed order, from
 * config/groups.yaml, a file given with --groups, or a `groups:` section of the --config file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlCached } from '../yaml.js';
import { z } from 'zod';
import { CONFIG_DIR, ConfigError } from '../config.js';

export const groupsSchema = z.object({
  province: z.string().optional(),
  groups: z.array(z.string().min(1)).min(1),
  aliases: z.record(z.string(), z.string()).default({}),
  allowUnlisted: z.boolean().default(false),
  showEmptyGroups: z.boolean().default(false),
  rateDecimals: z.number().int().min(0).max(6).default(2),
});
export type GroupsConfig = z.infer<typeof groupsSchema>;

export const DEFAULT_GROUPS_FILE = path.join(CONFIG_DIR, 'groups.yaml');

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return parseYamlCached(text) ?? {};
  } catch (e) {
    throw new ConfigError(`${file} is not valid YAML: ${(e as Error).message}`);
  }
}

function parseGroups(raw: unknown, file: string): GroupsConfig {
  const parsed = groupsSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file}: ` + parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; '));
  const g = parsed.data;
  const dup = g.groups.find((x, i) => g.groups.indexOf(x) !== i);
  if (dup) throw new ConfigError(`${file}: group ${dup} is listed twice`);
  for (const [alias, target] of Object.entries(g.aliases)) {
    if (!g.groups.includes(target)) throw new ConfigError(`${file}: alias ${alias} points to ${target}, which is not a listed group`);
  }
  return g;
}

/**
 * The groups in force: `groupsFile` if given, else a `groups:` section of `configFile` (a mapping in the
 * shape of groups.yaml, or just the list), else config/groups.yaml.
 */
export function loadGroups(opts: { groupsFile?: string; configFile?: string } = {}): GroupsConfig {
  if (opts.groupsFile) return parseGroups(readYaml(opts.groupsFile), opts.groupsFile);
  const base = readYaml(DEFAULT_GROUPS_FILE) as Record<string, unknown>;
  if (opts.configFile) {
    const user = readYaml(opts.configFile) as Record<string, unknown> | null;
    const section = user && typeof user === 'object' ? (user as Record<string, unknown>).groups : undefined;
    if (Array.isArray(section)) return parseGroups({ ...base, groups: section, aliases: {} }, opts.configFile);
    if (section && typeof section === 'object') return parseGroups({ ...base, aliases: {}, ...section }, opts.configFile);
  }
  return parseGroups(base, DEFAULT_GROUPS_FILE);
}

/** The canonical group for a value written in a registry, or undefined when it is not known. */
export function resolveGroup(g: GroupsConfig, value: string): string | undefined {
  const v = value.trim().replace(/\s+/g, '');
  if (g.groups.includes(v)) return v;
  if (g.aliases[v]) return g.aliases[v];
  return g.allowUnlisted ? v : undefined;
}

/** Made at the first comparison (≈ 10 ms: `govcheck check` loads this module but never compares). */
let collator: Intl.Collator | undefined;

/** Orders group names: listed groups in their configured order, then unlisted ones in pinyin order. */
export function compareGroups(g: GroupsConfig, a: string, b: string): number {
  const ia = g.groups.indexOf(a);
  const ib = g.groups.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0) return -1;
  if (ib >= 0) return 1;
  collator ??= new Intl.Collator('zh-CN-u-co-pinyin');
  return collator.compare(a, b);
}
