/**
 * The check API. A check is one module in `checks/` that default-exports `defineCheck({...})`:
 * it describes itself (id, titles, scope, indicator rules, options with defaults validated by zod),
 * may collect a compact artifact from each page while the crawl has it parsed (`collect`), and
 * evaluates the gathered site artifacts into findings (`run`). Checks never fetch the site again on
 * their own; the ones whose job is to make requests (verifying links, probing paths) use `ctx.http`,
 * the run's shared polite client.
 */
import type { CheerioAPI } from 'cheerio';
import type { Document } from 'domhandler';
import type { z } from 'zod';
import type { HttpClient } from '../net/http.js';
import { maskPersonalDataDeep } from '../privacy/detect.js';
import type { Evidence, Finding, PageArtifact, Severity, SiteArtifacts, Tier } from '../types.js';

export type Lang = 'zh' | 'en';

export interface Message {
  zh: string;
  en: string;
}

export interface CheckMeta<S extends z.ZodType = z.ZodType> {
  /** Stable id, kebab-case, equal to the file name in checks/. */
  id: string;
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

export interface CheckContext<O> {
  options: O;
  http: HttpClient;
  asOf: string;
  lang: Lang;
  /** Directory where evidence files (screenshots…) of this run go, when the run keeps them. */
  evidenceDir?: string;
  /** Rule config, e.g. deduction points per finding, from config/rules.yaml. */
  rulePoints(rule: string, key?: string): number | undefined;
  signal?: AbortSignal;
}

export interface CheckOutcome {
  findings: FindingInput[];
  /** Set when the check could not evaluate the site (nothing to look at). */
  notApplicable?: string;
  summary?: Record<string, unknown>;
}

export interface CheckModule<S extends z.ZodType = z.ZodType> {
  meta: CheckMeta<S>;
  collect?(ctx: PageContext, options: z.output<S>): unknown;
  run(site: SiteArtifacts, ctx: CheckContext<z.output<S>>): CheckOutcome | Promise<CheckOutcome>;
}

/** Identity helper that gives a check module its types. */
export function defineCheck<S extends z.ZodType>(mod: CheckModule<S>): CheckModule<S> {
  return mod;
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
