/**
 * Checking one site: the one code path shared by `govcheck check`, the in-process quarterly run and
 * the queue workers. gather (crawl once) → each check evaluates the artifacts → findings → verdict.
 */
import type { z } from 'zod';
import type { CheckContext, CheckModule, CrawlHooks, HomeAnswer, Lang } from './check-api/api.js';
import { collectedOf, materialize } from './check-api/api.js';
import { pageService } from './check-api/pages.js';
import { checkSource, loadChecks } from './check-api/registry.js';
import { networkPolicy, type Config } from './config.js';
import { defaultGatherOptions, gatherSite, normalizeUrl } from './gather/crawl.js';
import type { HostSlot } from './gather/http-gather.js';
import { errorPageArtifact } from './gather/page-artifact.js';
// Chromium's modules are loaded only when a check needs the browser (a rendered site or account, screenshots).
import type { BrowserSession } from './browser/launcher.js';
import { safeName } from './newmedia/safe-name.js';
import { httpClientFor, type HttpClient } from './net/http.js';
import { maskPersonalDataDeep } from './analysis/privacy/detect.js';
import type { AvailabilitySeries, CheckResult, SiteArtifacts, SiteRef, SiteResult } from './types.js';
import { computeVerdict } from './verdict.js';

export interface SiteCheckOptions {
  config: Config;
  asOf: string;
  /** Shared HTTP client of the run (created here when absent, and closed afterwards). */
  http?: HttpClient;
  /** Only these check ids (default: config.enabledChecks, else every check enabled by default). */
  checks?: string[];
  lang?: Lang;
  evidenceDir?: string;
  /** Longest time one check may take (ms). */
  checkTimeoutMs?: number;
  /** Shared Chromium of the run (launched here on first need when absent, and closed afterwards). */
  browser?: BrowserSession;
  /** How a website is gathered when its registry entry does not say (default config.browser.render). */
  render?: 'html' | 'browser';
  /** Screenshots of veto, display and menu findings into evidenceDir (default: on when evidenceDir is set). */
  screenshots?: boolean;
  /** The website's availability probe series (W-V1), put on the artifacts for the availability check. */
  availability?: AvailabilitySeries;
}

/** A selected check: what gather runs as a collector and what runChecks evaluates. */
export interface SelectedCheck {
  module: CheckModule;
  options: unknown;
  /** File URL of the module (page workers load the collector from there). */
  source?: string;
}

export class UnknownCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownCheckError';
  }
}

/** The checks that apply to a site, with their validated options and the file each was loaded from (for page workers). */
export async function selectChecks(config: Config, kind: SiteRef['kind'], only?: string[]): Promise<SelectedCheck[]> {
  const all = await loadChecks();
  const wanted = only?.length ? only : config.enabledChecks.length ? config.enabledChecks : undefined;
  if (wanted) {
    const unknown = wanted.filter((id) => !all.some((c) => c.meta.id === id));
    if (unknown.length) throw new UnknownCheckError(`unknown check(s): ${unknown.join(', ')}; known: ${all.map((c) => c.meta.id).join(', ')}`);
  }
  return all
    .filter((c) => c.meta.scope.includes(kind))
    .filter((c) => (wanted ? wanted.includes(c.meta.id) : c.meta.defaultEnabled !== false))
    .map((module) => {
      const parsed = (module.meta.options as z.ZodType).safeParse(config.checks[module.meta.id] ?? {});
      if (!parsed.success) {
        throw new UnknownCheckError(`options of check ${module.meta.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return { module, options: parsed.data, source: checkSource(module) };
    });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs the given checks over gathered artifacts (also used by tests that feed artifacts in). */
export async function runChecks(
  artifacts: SiteArtifacts,
  checks: Array<{ module: CheckModule; options: unknown }>,
  opts: { config: Config; http: HttpClient; lang?: Lang; evidenceDir?: string; checkTimeoutMs?: number; early?: Map<string, Promise<unknown>> },
): Promise<CheckResult[]> {
  const pages = pageService(opts.http, artifacts);
  // The checks run side by side: a check waiting on its own requests (exposure, soft-404, link probes) does not hold
  // the others back, and their requests share the client's per-host limits. Results keep the checks' order.
  return Promise.all(
    checks.map(async ({ module, options }): Promise<CheckResult> => {
      const started = Date.now();
      const ctx: CheckContext<unknown> = {
        options,
        http: opts.http,
        pages,
        collected: (page) => collectedOf(page, module.meta.id),
        asOf: artifacts.asOf,
        lang: opts.lang ?? opts.config.lang,
        evidenceDir: opts.evidenceDir,
        rulePoints: (rule, key = 'each') => opts.config.rules.indicators[rule]?.points?.[key],
      };
      try {
        ctx.early = await opts.early?.get(module.meta.id);
        const outcome = await withTimeout(Promise.resolve(module.run(artifacts, ctx)), opts.checkTimeoutMs ?? 10 * 60_000, `check ${module.meta.id}`);
        const findings = outcome.findings.map((f) => materialize(module.meta, f, artifacts.asOf));
        const failing = findings.some((f) => (f.severity === 'veto' || f.severity === 'deduction') && (f.tier === 'confirmed' || opts.config.rules.countSuspected));
        // The whole check result — findings, evidence, summary — through the one personal-data mask.
        return maskPersonalDataDeep(
          {
            id: module.meta.id,
            status: outcome.notApplicable && findings.length === 0 ? 'not_applicable' : failing ? 'fail' : 'pass',
            findings,
            durationMs: Date.now() - started,
            summary: outcome.notApplicable ? { ...outcome.summary, notApplicable: outcome.notApplicable } : outcome.summary,
          },
          artifacts.asOf,
        );
      } catch (e) {
        return maskPersonalDataDeep({ id: module.meta.id, status: 'error', findings: [], error: String((e as Error)?.message ?? e), durationMs: Date.now() - started }, artifacts.asOf);
      }
    }),
  );
}

export async function checkSite(site: SiteRef, opts: SiteCheckOptions): Promise<SiteResult> {
  const startedAt = new Date().toISOString();
  const { config } = opts;
  const checks = await selectChecks(config, site.kind, opts.checks);
  const ownHttp = !opts.http;
  const http = opts.http ?? httpClientFor(config);
  // Chromium is launched only when something needs it (a rendered site or account page, screenshots).
  let browser = opts.browser;
  let launching: Promise<BrowserSession> | undefined;
  const getBrowser = async (): Promise<BrowserSession> => {
    if (browser && !browser.isClosed) return browser;
    launching ??= import('./browser/launcher.js').then(({ BrowserSession, browserOptionsFromConfig }) => BrowserSession.launch(browserOptionsFromConfig(config)));
    browser = await launching;
    return browser;
  };
  try {
    const gatherOptions = { ...config.gather, networkPolicy: networkPolicy(config), hosts: config.hosts, ...(config.http.userAgent ? { userAgent: config.http.userAgent } : {}) };
    const html = site.kind === 'website' && (site.render ?? opts.render ?? config.browser.render) !== 'browser';
    // The crawl and the checks' probes share the run's per-host gate when the crawl fits in it (HTTP engine): then
    // the checks' `early` requests start with the crawl, once its first request is queued, and fill its idle slots.
    const g = { ...defaultGatherOptions, ...config.gather };
    const shared = html && g.engine === 'http' && g.concurrency <= http.options.perHostConcurrency;
    const early = new Map<string, Promise<unknown>>();
    let crawlQueued: () => void = () => undefined;
    const queued = new Promise<void>((resolve) => (crawlQueued = resolve));
    const slot: HostSlot = (url, fn, first) => {
      crawlQueued();
      return http.slot(url, fn, first);
    };
    let homeAnswered: (home: HomeAnswer | undefined) => void = () => undefined;
    const home = new Promise<HomeAnswer | undefined>((resolve) => (homeAnswered = resolve));
    const hooks: CrawlHooks = { home: homeAnswered };
    const gathering =
      site.kind === 'newmedia'
        ? (await import('./newmedia/index.js')).gatherAccount(site, { config, http, asOf: opts.asOf, getBrowser, evidenceDir: opts.evidenceDir })
        : html
          ? gatherSite(site, gatherOptions, checks, opts.asOf, shared ? slot : undefined, hooks)
          : gatherWithBrowser(site, gatherOptions, checks, opts.asOf, config, getBrowser);
    // A crawl that sent nothing (a refused address) still lets the hooks start, and fail or find nothing.
    gathering.then(crawlQueued, crawlQueued);
    const noHome = () => homeAnswered(undefined);
    gathering.then(noHome, noHome);
    if (shared) startEarly(site, checks, { http, asOf: opts.asOf, after: queued, home }, early);
    const artifacts = await gathering;
    if (opts.availability && site.kind === 'website') artifacts.availability = opts.availability;
    const results = await runChecks(artifacts, checks, { config, http, lang: opts.lang, evidenceDir: opts.evidenceDir, checkTimeoutMs: opts.checkTimeoutMs, early });
    if (opts.evidenceDir && (opts.screenshots ?? true)) {
      const { attachScreenshots } = await import('./browser/evidence.js');
      await attachScreenshots(results, {
        evidenceDir: opts.evidenceDir,
        siteDir: safeName(site.id),
        getBrowser,
        max: config.browser.maxScreenshots,
        timeoutMs: config.browser.pageTimeoutMs,
      });
    }
    const verdict = computeVerdict(
      results.flatMap((r) => r.findings),
      config.rules,
    );
    const homeFailed = artifacts.home?.error && artifacts.pages.every((p) => p.error);
    return {
      site,
      url: maskPersonalDataDeep(artifacts.startUrl, opts.asOf),
      asOf: opts.asOf,
      startedAt,
      finishedAt: new Date().toISOString(),
      ...verdict,
      checks: results,
      stats: artifacts.stats,
      // The site's own error text through the same mask as the check results (masked in runChecks).
      error: maskPersonalDataDeep(homeFailed ? artifacts.home!.error : artifacts.account?.error, opts.asOf),
    };
  } finally {
    if (ownHttp) await http.close();
    if (launching && browser !== opts.browser) await (await launching.catch(() => undefined))?.close();
  }
}

/** Starts the checks' `early` hooks once `after` settles (a hook that throws leaves its check to do the work in `run`). */
function startEarly(site: SiteRef, checks: SelectedCheck[], o: { http: HttpClient; asOf: string; after: Promise<void>; home: Promise<HomeAnswer | undefined> }, into: Map<string, Promise<unknown>>): void {
  let startUrl: string;
  try {
    startUrl = normalizeUrl(site.url);
  } catch {
    return;
  }
  for (const { module, options } of checks) {
    if (!module.early) continue;
    into.set(
      module.meta.id,
      o.after.then(() => module.early!({ options, http: o.http, asOf: o.asOf, startUrl, home: o.home })).catch(() => undefined),
    );
  }
}

/** A website gathered in Chromium (render: browser); a browser that cannot start is the home page's error. */
async function gatherWithBrowser(
  site: SiteRef,
  gatherOptions: Parameters<typeof gatherSite>[1],
  checks: Array<{ module: CheckModule; options: unknown }>,
  asOf: string,
  config: Config,
  getBrowser: () => Promise<BrowserSession>,
): Promise<SiteArtifacts> {
  let session: BrowserSession;
  try {
    session = await getBrowser();
  } catch (e) {
    const message = `browser unavailable: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    const home = errorPageArtifact({ url: site.url, depth: 0, started: Date.now() }, { kind: 'unknown', message });
    return { site, startUrl: site.url, home, pages: [home], stats: { pages: 1, links: 0, durationMs: 0, skippedByLimit: 0, errors: 1 }, asOf, siteHosts: [] };
  }
  const { gatherSiteWithBrowser } = await import('./gather/browser.js');
  return gatherSiteWithBrowser(site, { ...gatherOptions, timeoutMs: config.browser.pageTimeoutMs, browserConcurrency: config.browser.concurrency }, checks, asOf, session);
}
