/**
 * One site job of a run: check one registry entry (website or new-media account) through `checkSite`, the one code
 * path for checking a site, and persist its result keyed by (run, site). Notes: docs/modules.md.
 */
import type { Lang } from '../check-api/api.js';
import type { Config } from '../config.js';
import type { BrowserSession } from '../browser/launcher.js';
import type { HttpClient } from '../net/http.js';
import { maskPersonalDataDeep } from '../analysis/privacy/detect.js';
import { checkSite } from '../site-check.js';
import { saveSiteResult, type DB } from '../store/db.js';
import { outcomeOf, type JobOutcome } from './outcome.js';
import type { AvailabilitySeries, SiteRef, SiteResult } from '../types.js';

export { outcomeOf, type JobOutcome };

export interface SiteJob {
  runId: string;
  site: SiteRef;
  /** Inspection date of the run (YYYY-MM-DD). */
  asOf: string;
  /** Websites: the availability probe series before the inspection date (W-V1), when the site was probed (src/store/probes.ts). */
  availability?: AvailabilitySeries;
}

export interface SiteJobDeps {
  config: Config;
  /** The run's shared HTTP client (one per run: each external target is probed once). */
  http?: HttpClient;
  /** A Chromium shared by the run's jobs; without it checkSite launches one when a site needs it and closes it after. */
  browser?: BrowserSession;
  lang?: Lang;
  checks?: string[];
  evidenceDir?: string;
  checkTimeoutMs?: number;
  /** Longest time the whole site check may take before it is recorded as an error (default 30 min). */
  siteTimeoutMs?: number;
}

export interface SiteJobResult {
  result: SiteResult;
  outcome: JobOutcome;
}

export const DEFAULT_SITE_TIMEOUT_MS = 30 * 60_000;

class SiteTimeout extends Error {}

/** Checks one site; never throws (a failure becomes an 'error' outcome with its message). */
export async function executeSiteJob(job: SiteJob, deps: SiteJobDeps): Promise<SiteJobResult> {
  const startedAt = new Date().toISOString();
  const limit = deps.siteTimeoutMs ?? DEFAULT_SITE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      checkSite(job.site, {
        config: deps.config,
        asOf: job.asOf,
        http: deps.http,
        browser: deps.browser,
        lang: deps.lang,
        checks: deps.checks,
        evidenceDir: deps.evidenceDir,
        checkTimeoutMs: deps.checkTimeoutMs,
        availability: job.availability,
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SiteTimeout(`site check did not finish within ${Math.round(limit / 1000)} s`)), limit);
        timer.unref?.();
      }),
    ]);
    return { result, outcome: outcomeOf(result) };
  } catch (e) {
    const err = e as Error;
    return {
      outcome: 'error',
      result: {
        site: job.site,
        url: job.site.url,
        asOf: job.asOf,
        startedAt,
        finishedAt: new Date().toISOString(),
        verdict: 'fail',
        score: 0,
        decidedBy: [],
        checks: [],
        stats: { pages: 0, links: 0, durationMs: Date.now() - Date.parse(startedAt), skippedByLimit: 0, errors: 1 },
        error: { kind: e instanceof SiteTimeout ? 'timeout' : 'unknown', message: maskPersonalDataDeep(String(err?.message ?? err).slice(0, 2000), job.asOf) },
      },
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Stores a job's result (idempotent: keyed by run and site, in one transaction). */
export function persistSiteJob(db: DB, runId: string, r: SiteJobResult): void {
  db.transaction(() => {
    saveSiteResult(db, runId, r.result);
    db.prepare(`UPDATE site_results SET outcome = ? WHERE run_id = ? AND site_id = ?`).run(r.outcome, runId, r.result.site.id);
  })();
}

/** Checks one site of a run and stores the result. */
export async function runSiteJob(db: DB, job: SiteJob, deps: SiteJobDeps): Promise<SiteJobResult> {
  const r = await executeSiteJob(job, deps);
  persistSiteJob(db, job.runId, r);
  return r;
}
