/**
 * The check API: a check is one module in `checks/` default-exporting `defineCheck({...})` — it describes itself,
 * may `collect` from each page while the crawl has it parsed, and `run`s over the site's artifacts. Requests go
 * through `ctx.http` / `ctx.pages`; checks never import gather's internals. Notes: docs/modules.md.
 */
import type { CheerioAPI } from 'cheerio';
import type { Document } from 'domhandler';
import type { z } from 'zod';
import type { FetchedBody, HttpClient } from '../net/http.js';
import { maskPersonalDataDeep } from '../analysis/privacy/detect.js';
import { checkText } from './catalog.js';
import type { Evidence, Finding, PageArtifact, Severity, SiteArtifacts, Tier } from '../types.js';

export type Lang = 'zh' | 'en';

export interface Message {
  zh: string;
  en: string;
}

export interface CheckMeta<S extends z.ZodType = z.ZodType> {
  /** Stable id, kebab-case, equal to the file name in checks/. */
  id: string;
  /** Title, description and messages come from the catalogs, checks/messages/<lang>.json (`defineCheck` fills them in). */
  title: Message;
  description: Message;
  /** What the check applies to. */
  scope: Array<'website' | 'newmedia'>;
  /** Indicator ids of docs/indicators.md the check implements (e.g. ['W-D1']). */
  rules: string[];
  /** Options schema; every field needs a default, so `schema.parse({})` gives the defaults. */
  options: S;
  /** Message templates by finding code; `{name}` is replaced by the finding's params. */
  messages: Record<string, Message>;
  /** Off by default (e.g. slow or intrusive checks); enabled with --checks or config. */
  defaultEnabled?: boolean;
}

/** What a check sees of a page while the crawl has it parsed. */
export interface PageContext {
  page: PageArtifact;
  /** Parsed document (cheerio over htmlparser2). */
  $: CheerioAPI;
  dom: Document;
  /** Visible text of the page (block elements separated by newlines). */
  text: string;
  /** Decoded HTML source. */
  html: string;
  site: SiteArtifacts['site'];
  asOf: string;
  /** True for the start (home) page. */
  isHome: boolean;
}

export interface FindingInput {
  code: string;
  params?: Record<string, string | number>;
  severity: Severity;
  tier?: Tier;
  rule?: string;
  points?: number;
  url: string;
  target?: string;
  evidence?: Evidence;
}

/**
 * A collector that threw on a page: the crawl keeps the page and records the error in place of the data.
 * `CheckContext.collected` returns it as its own case, so every check says what a failed collector means to it.
 */
export class CollectFailure {
  constructor(readonly message: string) {}
}

/** What a check's collector kept on one page: its data, nothing (no collector, no HTML, nothing to keep) or its failure. */
export type Collected<C> = C | CollectFailure | undefined;

/** The collected value of a check on a page, with a thrown collector (stored as `{ collectError }`) as a CollectFailure. */
export function collectedOf<C>(page: PageArtifact | undefined, id: string): Collected<C> {
  const v = page?.collected[id];
  if (v && typeof v === 'object' && 'collectError' in v) return new CollectFailure(String((v as { collectError: unknown }).collectError));
  return v as C | undefined;
}

/** What a check that reads a failed collector as a page that kept nothing passes on (said so at the call). */
export function unlessFailed<C>(c: Collected<C>): C | undefined {
  return c instanceof CollectFailure ? undefined : c;
}

/**
 * For checks that cannot be evaluated with a page whose collector failed: the check ends as an error naming
 * the page (what `runChecks` records for a check that threw).
 */
export function failOnCollectFailure<C>(c: Collected<C>, id: string, page: PageArtifact): C | undefined {
  if (c instanceof CollectFailure) throw new Error(`${id} collector failed on ${page.finalUrl}: ${c.message}`);
  return c;
}

/** A page fetched beyond the crawl, decoded and extracted like a crawled page. */
export interface ExtractedPage {
  title: string;
  /** Visible text (block elements separated by newlines). */
  text: string;
}

/** Pages beyond the crawl, through the run's shared client and processed as the crawl processes its pages. */
export interface PageService {
  /** GET with the raw body kept up to maxBytes (not cached); `page` when the answer is a 2xx HTML body. */
  fetch(url: string, opts: { maxBytes: number }): Promise<{ response: FetchedBody; page?: ExtractedPage }>;
  /**
   * GET through the client's cached probe (body up to its snippet size) and the page artifact built from it, with
   * `collect` run on it as a collector runs on a crawled page (its failure is a CollectFailure).
   */
  probe<C>(url: string, collect: (ctx: PageContext) => C | undefined): Promise<{ page: PageArtifact; collected: Collected<C> }>;
}

export interface CheckContext<O, C = unknown, E = unknown> {
  options: O;
  http: HttpClient;
  /** Pages beyond the crawl (fetched through `http`, processed like crawled pages). */
  pages: PageService;
  /** What this check's collector kept on a page. */
  collected(page: PageArtifact | undefined): Collected<C>;
  asOf: string;
  lang: Lang;
  /** Directory where evidence files (screenshots…) of this run go, when the run keeps them. */
  evidenceDir?: string;
  /** Rule config, e.g. deduction points per finding, from config/rules.yaml. */
  rulePoints(rule: string, key?: string): number | undefined;
  signal?: AbortSignal;
  /** What this check's `early` hook returned (undefined when it did not run or failed). */
  early?: E;
}

/** What an `early` hook gets: the site as registered, before its crawl has answered anything. */
export interface EarlyContext<O> {
  options: O;
  http: HttpClient;
  asOf: string;
  /** The registered start URL (normalised). */
  startUrl: string;
  /**
   * The crawl's own answer for the start URL (where its redirects ended), once it has one: a hook that needs the
   * site's origin reads it instead of asking again. Undefined when the crawl fetched nothing.
   */
  home: Promise<HomeAnswer | undefined>;
}

/** Where the crawl's request for the start URL ended: its final URL and status (null: no HTTP answer). */
export interface HomeAnswer {
  finalUrl: string;
  status: number | null;
}

/** What the crawl tells as it goes (HTTP engine, when the crawl shares the client's per-host gate). */
export interface CrawlHooks {
  /** Where the request for the start URL ended, as soon as it has. */
  home?(home: HomeAnswer): void;
}

export interface CheckOutcome {
  findings: FindingInput[];
  /** Set when the check could not evaluate the site (nothing to look at). */
  notApplicable?: string;
  summary?: Record<string, unknown>;
}

/** A check; `C` is what its `collect` keeps per page (read back in `run` with `ctx.collected(page)`). */
export interface CheckModule<S extends z.ZodType = z.ZodType, C = unknown, E = unknown> {
  meta: CheckMeta<S>;
  collect?(ctx: PageContext, options: z.output<S>): C | undefined;
  /**
   * Requests that need only the start URL (sensitive-path probes…), started with the crawl: they share the run's
   * per-host limit and fill the slots the crawl leaves idle. `run` reads the result as `ctx.early`, and must still
   * work without it (other engines, a hook that threw, a site that redirected elsewhere).
   */
  early?(ctx: EarlyContext<z.output<S>>): Promise<E>;
  run(site: SiteArtifacts, ctx: CheckContext<z.output<S>, C, E>): CheckOutcome | Promise<CheckOutcome>;
}

/** The crawled pages of a site by the address asked for and by the address they ended at. */
export function pagesByUrl(site: SiteArtifacts): Map<string, PageArtifact> {
  const m = new Map<string, PageArtifact>();
  for (const p of site.pages) m.set(p.url, p).set(p.finalUrl, p);
  return m;
}

/** What a check file declares: its meta without the text, which is in the catalogs (src/check-api/catalog.ts). */
export interface CheckDefinition<S extends z.ZodType = z.ZodType, C = unknown, E = unknown> extends Omit<CheckModule<S, C, E>, 'meta'> {
  meta: Omit<CheckMeta<S>, 'title' | 'description' | 'messages'>;
}

/**
 * Gives a check module its types and its text from the catalogs. A check with no catalog entry (one defined in
 * a test) is titled by its id and has no messages; the loader refuses such a check in checks/.
 */
export function defineCheck<S extends z.ZodType, C = never, E = never>(mod: CheckDefinition<S, C, E>): CheckModule<S, C, E> {
  const { id } = mod.meta;
  const text = checkText(id) ?? { title: { zh: id, en: id }, description: { zh: '', en: '' }, messages: {} };
  return { ...mod, meta: { ...mod.meta, ...text } };
}

/** Fills `{name}` placeholders. */
export function renderTemplate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/**
 * Turns a check's finding input into a finding with both languages rendered and personal data masked
 * (`maskPersonalDataDeep`, the same masking `runChecks` applies to each whole check result).
 */
export function materialize(meta: CheckMeta, f: FindingInput, asOf = new Date().toISOString().slice(0, 10)): Finding {
  const params = maskPersonalDataDeep(f.params ?? {}, asOf);
  const msg = meta.messages[f.code] ?? { zh: f.code, en: f.code };
  return {
    checkId: meta.id,
    rule: f.rule,
    severity: f.severity,
    tier: f.tier ?? 'confirmed',
    points: f.points,
    url: maskPersonalDataDeep(f.url, asOf),
    target: maskPersonalDataDeep(f.target, asOf),
    code: f.code,
    params,
    message: renderTemplate(msg.zh, params),
    messageEn: renderTemplate(msg.en, params),
    evidence: maskPersonalDataDeep(f.evidence ?? {}, asOf),
  };
}
