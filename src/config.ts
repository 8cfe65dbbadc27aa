/**
 * Configuration: config/defaults.yaml and config/rules.yaml, overridden by a user file (--config)
 * and command-line flags. Validated with zod; a bad file is a clear error, never a silent default.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYamlCached } from './yaml.js';
import { z } from 'zod';

// zod parses without compiling a parser per object schema (`jitless`): the config and each check's options are parsed
// a few times a run, and compiling their parsers cost ≈ 35 ms of CPU at every start, while parsing warm was as fast
// or faster without them (BENCHMARKS.md, "Cold start, fourth pass"). The parsed values are the same either way.
z.config({ jitless: true });

const here = path.dirname(fileURLToPath(import.meta.url));
/** Top-level config/ folder, from sources (src/) and from dist/src alike. */
export const CONFIG_DIR = fs_exists(path.resolve(here, '../config/defaults.yaml')) ? path.resolve(here, '../config') : path.resolve(here, '../../config');

function fs_exists(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a string is not an IP address or CIDR range (undefined when it is one): the address must be a valid
 * IPv4 or IPv6 address and the prefix a whole number within its family's width (≤ 32 / ≤ 128).
 */
export function cidrProblem(v: string): string | undefined {
  const slash = v.indexOf('/');
  const addr = slash < 0 ? v : v.slice(0, slash);
  const family = isIP(addr);
  if (!family) return 'is not an IP address or CIDR range (expected e.g. 10.20.0.0/16 or fd00::/8)';
  if (slash < 0) return undefined;
  const prefix = v.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `has an invalid prefix length (expected 0–${max})`;
  return undefined;
}

const message = z.object({ zh: z.string(), en: z.string() });

export const indicatorSchema = z.object({
  kind: z.enum(['veto', 'deduction']),
  title: message,
  max: z.number().nonnegative().optional(),
  points: z.record(z.string(), z.number().nonnegative()).optional(),
});

export const rulesSchema = z.object({
  base: z.number().default(100),
  passLine: z.number().default(60),
  countSuspected: z.boolean().default(false),
  indicators: z.record(z.string(), indicatorSchema),
});
export type Rules = z.infer<typeof rulesSchema>;

export const configSchema = z.object({
  allowPrivateNetwork: z.boolean().default(false),
  /** Private ranges (CIDR) allowed although allowPrivateNetwork is off, e.g. an intranet's own range. */
  allowNetworks: z
    .array(
      z.string().superRefine((v, ctx) => {
        const why = cidrProblem(v);
        if (why) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${why}` });
      }),
    )
    .default([]),
  /** Host overrides: name → IP address (or a list: a dual-stack name), or null for a name that must not resolve (like /etc/hosts, curl --resolve). */
  hosts: z
    .record(
      z.string(),
      z.union([z.ipv4(), z.ipv6(), z.array(z.union([z.ipv4(), z.ipv6()])).min(1), z.null()], {
        error: (i) => `${JSON.stringify(i.input)} is not an IPv4 or IPv6 address, a list of them (a dual-stack name), or null / - for a name that does not resolve`,
      }),
    )
    .default({}),
  lang: z.enum(['zh', 'en']).default('zh'),
  gather: z
    .object({
      maxPages: z.number().int().positive(),
      maxDepth: z.number().int().nonnegative(),
      timeoutMs: z.number().int().positive(),
      maxBytes: z.number().int().positive(),
      concurrency: z.number().int().positive(),
      maxRequestsPerMinute: z.number().int().nonnegative(),
      maxQueryVariants: z.number().int().positive(),
      retries: z.number().int().nonnegative(),
      extraHosts: z.array(z.string()),
      /** Crawler of the HTML crawl: http (lean undici loop, default) or crawlee (CheerioCrawler). */
      engine: z.enum(['http', 'crawlee']),
      /** Page worker threads (decode, parse, collectors): 'auto' = cores − 2 (≤ 4) from 4 cores; on 2–3 cores 1 while ≥ 16 sites are in flight, else 0. */
      parseWorkers: z.union([z.number().int().nonnegative(), z.literal('auto')]),
      /** Pages the process handles on the crawl's thread (over all its sites) before workers are used. */
      parseWorkersAfterPages: z.number().int().nonnegative(),
    })
    .partial()
    .default({}),
  http: z
    .object({
      timeoutMs: z.number().int().positive(),
      perHostConcurrency: z.number().int().positive(),
      perHostIntervalMs: z.number().int().nonnegative(),
      maxRedirects: z.number().int().nonnegative(),
      retries: z.number().int().nonnegative(),
      retryBaseMs: z.number().int().nonnegative(),
      maxRetryAfterMs: z.number().int().nonnegative(),
      deadHostAfterTimeouts: z.number().int().nonnegative(),
      /** The User-Agent of the crawl and of the checks' probes (one name for the inspected site's logs). */
      userAgent: z
        .string()
        .max(300)
        .regex(/^[\x20-\x7e]+$/, 'a User-Agent is printable ASCII (an HTTP header), not empty'),
    })
    .partial()
    .default({}),
  checks: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  enabledChecks: z.array(z.string()).default([]),
  /** Headless Chromium (src/browser/): sites marked render: browser, new-media pages, screenshots. */
  browser: z
    .object({
      executablePath: z.string().min(1).default('/usr/lib/chromium/chromium'),
      /** How websites are gathered when the registry does not say: html (Cheerio crawl) or browser. */
      render: z.enum(['html', 'browser']).default('html'),
      /** Time for one page to load and render (W-V1: 15 s). */
      pageTimeoutMs: z.number().int().positive().default(15_000),
      /** Pages rendered at once per site. */
      concurrency: z.number().int().positive().default(2),
      /** Refuse every request of the browser that does not go to a loopback address (tests, demo). */
      loopbackOnly: z.boolean().default(false),
      /** Screenshots taken per site at most (evidence of display failures and veto findings). */
      maxScreenshots: z.number().int().nonnegative().default(20),
    })
    .prefault({}),
  /** New-media accounts (src/newmedia/). */
  newmedia: z
    .object({
      /** Posts kept per account (newest first). */
      maxPosts: z.number().int().positive().default(50),
      /** Feed or page bodies larger than this are cut. */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      /** Extra folder of platform files (same format as config/platforms/*.yaml; same id replaces). */
      platformsDir: z.string().optional(),
    })
    .prefault({}),
  /** Distributed runs (queues/): tries of a site job after worker or infrastructure failures. */
  queue: z
    .object({
      attempts: z.number().int().positive().default(3),
      backoffMs: z.number().int().nonnegative().default(10_000),
      maxBackoffMs: z.number().int().nonnegative().default(600_000),
      /** `govcheck worker` after SIGTERM/SIGINT: time for jobs in progress to finish (then released; the worker exits at most 5 s later). */
      drainSeconds: z.number().int().nonnegative().default(30),
    })
    .prefault({}),
  /** BullMQ job schedulers registered by `govcheck schedule` (cron patterns in `timezone`). */
  schedules: z
    .object({
      timezone: z.string().min(1).default('Asia/Shanghai'),
      quarterlyRun: z.string().min(1).default('0 2 1 1,4,7,10 *'),
      probes: z.string().min(1).default('*/30 * * * *'),
    })
    .prefault({}),
  /** Availability probes (W-V1): the window judged by the availability check, the visit time limit, sites per probe job. */
  probes: z
    .object({
      windowDays: z.number().int().positive().default(7),
      timeoutMs: z.number().int().positive().default(15_000),
      batchSize: z.number().int().positive().default(50),
      /** Probes older than this many days are deleted at each round. */
      keepDays: z.number().int().positive().default(120),
    })
    .prefault({}),
  /**
   * Reminder letters (提醒函, `govcheck notice --letters`): the issuing office named at the foot of each
   * letter, the letter-number prefix, and the reply window in working days.
   */
  letters: z
    .object({
      issuer: z.object({ zh: z.string().min(1), en: z.string().min(1) }).default({ zh: '（发文单位）', en: '(issuing office)' }),
      /** Text before 〔quarter〕 in the letter number, e.g. 政网函 → 政网函〔2024Q2〕第001号. */
      numberPrefix: z.string().default(''),
      replyDays: z.number().int().positive().max(365).default(15),
    })
    .prefault({}),
  /**
   * China's working-day calendar (YYYY-MM-DD): public holidays falling on weekdays, and the weekend days
   * made working days (调休), as the State Council announces them each year. Working days are Monday to
   * Friday minus `holidays`, plus `workdays`.
   */
  calendar: z
    .object({
      holidays: z.array(z.iso.date()).default([]),
      workdays: z.array(z.iso.date()).default([]),
      /** Years the two lists cover completely; a reply window reaching another year is counted on weekends only, with a warning. */
      years: z.array(z.number().int()).default([]),
    })
    .prefault({}),
  /** `govcheck serve`: host names it is reached by besides loopback and the listen address (`--public-host`). */
  serve: z
    .object({
      publicHosts: z.array(z.string().min(1)).default([]),
      /** Days a unit has to rectify a finding when no reminder letter gives a reply-by date (after the run ends). */
      rectifyDays: z.number().int().positive().max(366).default(15),
    })
    .prefault({}),
  rules: rulesSchema.optional(),
});
export type Config = z.infer<typeof configSchema> & { rules: Rules };

/** The private-address policy a config asks for (see NetworkPolicy in src/net/guard.ts). */
export function networkPolicy(c: Pick<Config, 'allowPrivateNetwork' | 'allowNetworks'>): boolean | string[] {
  return c.allowPrivateNetwork ? true : c.allowNetworks.length ? c.allowNetworks : false;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    return parseYamlCached(text) ?? {};
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
}

/**
 * A list shipped in config/ (service-links.yaml, column-classes.yaml), each entry validated by `entry`: a broken file
 * is a clear error at start, not a silent default. `ifMissing` is what a missing file gives (else it is an error).
 */
export function shippedList<T extends z.ZodType>(name: string, entry: T, ifMissing?: z.output<T>[]): z.output<T>[] {
  const file = path.join(CONFIG_DIR, name);
  if (ifMissing && !fs_exists(file)) return ifMissing;
  const parsed = z.array(entry).safeParse(readYaml(file));
  if (!parsed.success) throw new ConfigError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

/** One line naming each problem's key; `sourceOf` tells where the key's value came from (a file, the command line). */
function formatZod(err: z.ZodError, sourceOf: (path: PropertyKey[]) => string): string {
  const bySource = new Map<string, string[]>();
  for (const i of err.issues) {
    const src = sourceOf(i.path);
    bySource.set(src, [...(bySource.get(src) ?? []), `${i.path.map(String).join('.') || '(top)'}: ${i.message}`]);
  }
  return [...bySource].map(([src, msgs]) => `${src}: ${msgs.join('; ')}`).join('; ');
}

/** The command-line flag behind an override key (configFrom in src/cli/common.ts). */
const OVERRIDE_FLAGS: Record<string, string> = { hosts: '--resolve', allowNetworks: '--allow-network', allowPrivateNetwork: '--allow-private-network', lang: '--lang' };

/** The schema under defaults, prefaults and optionals. */
function unwrapSchema(s: z.ZodType): z.ZodType {
  let cur = s as z.ZodType & { _zod: { def: { innerType?: z.ZodType } } };
  while (cur._zod.def.innerType) cur = cur._zod.def.innerType as typeof cur;
  return cur;
}

/** Dotted paths of the keys in `value` that `schema` does not know (zod would drop them silently). */
export function unknownConfigKeys(schema: z.ZodType, value: unknown, prefix = ''): string[] {
  const s = unwrapSchema(schema);
  const out: string[] = [];
  if (s instanceof z.ZodObject && isObject(value)) {
    const shape = s.shape as Record<string, z.ZodType>;
    for (const [k, v] of Object.entries(value)) {
      if (!(k in shape)) out.push(prefix + k);
      else out.push(...unknownConfigKeys(shape[k], v, `${prefix}${k}.`));
    }
  } else if (s instanceof z.ZodRecord && isObject(value)) {
    const valueType = (s as unknown as { _zod: { def: { valueType: z.ZodType } } })._zod.def.valueType;
    for (const [k, v] of Object.entries(value)) out.push(...unknownConfigKeys(valueType, v, `${prefix}${k}.`));
  }
  return out;
}

const warnedKeys = new Set<string>();
/** Sections of a config file read elsewhere: `groups` (table groups, src/registry/groups.ts validates them). */
const OTHER_SECTIONS = new Set(['groups']);
/** Where config warnings go (stderr; tests may replace it). */
export let configWarn: (line: string) => void = (line) => process.stderr.write(`govcheck: ${line}\n`);
export function setConfigWarn(f: (line: string) => void): void {
  configWarn = f;
}

/** Warns once per process and key about keys the schema does not know: they are ignored, which is rarely what the writer meant. */
function warnUnknownKeys(raw: unknown, rulesRaw: unknown, file: string | undefined): void {
  const keys = [...unknownConfigKeys(configSchema, raw), ...unknownConfigKeys(rulesSchema, rulesRaw, 'rules.')].filter((k) => !OTHER_SECTIONS.has(k));
  for (const k of keys) {
    if (warnedKeys.has(k)) continue;
    warnedKeys.add(k);
    configWarn(`config: unknown key ${k} (ignored)${file ? ` in ${file}` : ''}`);
  }
}

/** Loads defaults, rules, an optional user file (which may also carry a `rules:` section) and overrides. */
export function loadConfig(file?: string, overrides: Record<string, unknown> = {}): Config {
  const defaultsFile = path.join(CONFIG_DIR, 'defaults.yaml');
  const rulesFile = path.join(CONFIG_DIR, 'rules.yaml');
  let raw = readYaml(defaultsFile) as Record<string, unknown>;
  let rulesRaw = readYaml(rulesFile);
  if (file) {
    const user = readYaml(file);
    if (!isObject(user)) throw new ConfigError(`config file ${file} must hold a mapping`);
    const { rules, ...rest } = user;
    raw = deepMerge(raw, rest);
    if (rules !== undefined) rulesRaw = deepMerge(rulesRaw, rules);
  }
  raw = deepMerge(raw, overrides);
  warnUnknownKeys(raw, rulesRaw, file);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    // A value set on the command line is named by its flag, not by a file it did not come from.
    const sourceOf = (p: PropertyKey[]) => {
      const root = String(p[0] ?? '');
      if (root in overrides && (p.length < 2 || !isObject(overrides[root]) || String(p[1]) in (overrides[root] as object))) return OVERRIDE_FLAGS[root] ?? 'command line';
      return file ?? defaultsFile;
    };
    throw new ConfigError(formatZod(parsed.error, sourceOf));
  }
  const rules = rulesSchema.safeParse(rulesRaw);
  if (!rules.success) throw new ConfigError(formatZod(rules.error, () => file ?? rulesFile));
  return { ...parsed.data, rules: rules.data };
}
