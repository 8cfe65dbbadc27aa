/**
 * The quarterly run, in process (the embedded default: no Redis). Every operating website and account of the
 * registry is checked through `runSiteJob`, a few sites at a time, with one shared HTTP client. Notes:
 * docs/modules.md.
 */
import pLimit from 'p-limit';
import { BrowserSession, browserOptionsFromConfig } from '../browser/launcher.js';
import type { Lang } from '../check-api/api.js';
import type { Config } from '../config.js';
import { httpClientFor } from '../net/http.js';
import { listRegistry, type RegistrySite } from '../registry/store.js';
import { selectChecks } from '../site-check.js';
import { ensureRun, finishRun, type DB, type RunRow } from '../store/db.js';
import { availabilitySeries } from '../store/probes.js';
import { runRules } from '../store/reviews.js';
import type { AvailabilitySeries, SiteRef } from '../types.js';
import { runSiteJob, type JobOutcome, type SiteJobResult } from './job.js';
import { assertAsOf, type Quarter } from './quarter.js';

export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

export interface RunOptions {
  quarter: Quarter;
  /** Inspection date; a resumed run keeps the one it started with. */
  asOf: string;
  /** True when the date was given explicitly (a resumed run with another date is refused). */
  asOfExplicit?: boolean;
  /** Run id (default: the quarter, e.g. 2024Q2). */
  runId?: string;
  config: Config;
  lang?: Lang;
  /** Sites checked at the same time. */
  concurrency?: number;
  /** Only these groups, site ids, URLs or names. */
  only?: string[];
  checks?: string[];
  /** Check again the sites whose earlier attempt ended in an error. */
  retryErrors?: boolean;
  siteTimeoutMs?: number;
  evidenceDir?: string;
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
}

export interface RunCounts {
  /** Planned sites of the run. */
  total: number;
  /** Planned sites with a result (before this invocation and during it). */
  done: number;
  passed: number;
  failed: number;
  errors: number;
  /** Pages fetched by this invocation. */
  pages: number;
}

export type RunEvent =
  | { type: 'start'; runId: string; asOf: string; counts: RunCounts; pending: number; resumed: boolean }
  | { type: 'site-start'; site: SiteRef }
  | { type: 'site-done'; site: SiteRef; outcome: JobOutcome; verdict: 'pass' | 'fail'; pages: number; counts: RunCounts }
  | { type: 'end'; counts: RunCounts; status: 'done' | 'interrupted'; durationMs: number };

export interface RunSummary {
  runId: string;
  asOf: string;
  status: 'done' | 'interrupted';
  counts: RunCounts;
  /** Sites checked by this invocation. */
  checkedNow: number;
  durationMs: number;
}

import { DEFAULT_RUN_CONCURRENCY } from './defaults.js';
export { DEFAULT_RUN_CONCURRENCY };

export function getRun(db: DB, runId: string): RunRow | undefined {
  return db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
}

function matches(s: RegistrySite, only: string[]): boolean {
  return only.some((o) => o === s.group || o === s.id || o === s.url || o === s.name || o === s.url.replace(/\/$/, ''));
}

/** Adds the registry's operating sites to the run (once), and marks the selected ones planned. */
export function snapshotRunSites(db: DB, runId: string, only?: string[]): { added: number; planned: number } {
  const sites = listRegistry(db, { status: 'operating' });
  if (!sites.length) throw new RunError('the registry has no operating site or account; import one first: govcheck registry import FILE');
  const selected = only?.length ? sites.filter((s) => matches(s, only)) : sites;
  if (!selected.length) throw new RunError(`--only ${only!.join(',')} matches no operating site, account or group of the registry`);
  const now = new Date().toISOString();
  const ins = db.prepare(`INSERT OR IGNORE INTO run_sites (run_id, site_id, kind, grp, owner, name, url, site_json, planned, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`);
  const plan = db.prepare(`UPDATE run_sites SET planned = 1 WHERE run_id = ? AND site_id = ?`);
  return db.transaction(() => {
    let added = 0;
    for (const s of sites) {
      const { status: _status, seq: _seq, ...ref } = s;
      added += ins.run(runId, s.id, s.kind, s.group ?? null, s.owner ?? null, s.name ?? null, s.url, JSON.stringify(ref), now).changes;
    }
    for (const s of selected) plan.run(runId, s.id);
    const planned = (db.prepare(`SELECT COUNT(*) AS n FROM run_sites WHERE run_id = ? AND planned = 1`).get(runId) as { n: number }).n;
    return { added, planned };
  })();
}

export function runCounts(db: DB, runId: string): RunCounts {
  const r = db
    .prepare(
      `SELECT COUNT(*) AS total,
              SUM(sr.site_id IS NOT NULL) AS done,
              SUM(sr.outcome = 'checked' AND sr.verdict = 'pass') AS passed,
              SUM(sr.outcome = 'checked' AND sr.verdict = 'fail') AS failed,
              SUM(sr.outcome = 'error') AS errors
       FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id
       WHERE rs.run_id = ? AND rs.planned = 1`,
    )
    .get(runId) as Record<string, number | null>;
  return { total: r.total ?? 0, done: r.done ?? 0, passed: r.passed ?? 0, failed: r.failed ?? 0, errors: r.errors ?? 0, pages: 0 };
}

/** Planned sites without a result (or, with retryErrors, whose result is an error), in registry order. */
export function pendingSites(db: DB, runId: string, retryErrors = false): SiteRef[] {
  const rows = db
    .prepare(
      `SELECT rs.site_json FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id
       WHERE rs.run_id = ? AND rs.planned = 1 AND (sr.site_id IS NULL ${retryErrors ? `OR sr.outcome = 'error'` : ''})
       ORDER BY rs.rowid`,
    )
    .all(runId) as Array<{ site_json: string }>;
  return rows.map((r) => JSON.parse(r.site_json) as SiteRef);
}

/** A website's availability probe series before the inspection date (W-V1), when it was probed; shared with the queue producer. */
export function siteAvailability(db: DB, site: SiteRef, asOf: string, config: Config): AvailabilitySeries | undefined {
  return site.kind === 'website' ? availabilitySeries(db, site.id, asOf, config.probes.windowDays) : undefined;
}

/** What `prepareRun` needs: the run to create or resume, and what it checks. */
export interface PrepareRunOptions {
  quarter: Quarter;
  asOf: string;
  /** True when the date was given explicitly (a resumed run with another date is refused). */
  asOfExplicit?: boolean;
  /** Run id (default: the quarter). */
  runId?: string;
  config: Config;
  only?: string[];
  checks?: string[];
  /** Check again the sites whose earlier attempt ended in an error. */
  retryErrors?: boolean;
  /** Recorded with the run (runs.options_json). */
  options: Record<string, unknown>;
}

/** A pending site of a prepared run, with its availability probe series (W-V1) when it has one. */
export interface PendingSite {
  site: SiteRef;
  availability?: AvailabilitySeries;
}

export interface PreparedRun {
  runId: string;
  asOf: string;
  /** The run existed before (a resume). */
  resumed: boolean;
  /** Planned sites without a result, in registry order. */
  pending: PendingSite[];
  counts: RunCounts;
  /** The config to check the sites with: the given one, with the indicator rules stored on the run. */
  config: Config;
}

/**
 * Creates or resumes a quarterly run, the same way for the in-process run (`runQuarter`) and the queue
 * producer (queues/producer.ts `enqueueRun`): one run id, one quarter, one inspection date; the checks and
 * their options validated before any site; the run stored with the indicator rules it is judged with
 * (`ensureRun`); the registry's operating sites snapshotted into it; and the pending sites, each with its
 * availability probe series before the inspection date. A resumed run keeps the rules it was started with:
 * the returned config carries them, whatever rules the config given now has.
 */
export async function prepareRun(db: DB, o: PrepareRunOptions): Promise<PreparedRun> {
  const runId = o.runId ?? o.quarter.id;
  const existing = getRun(db, runId);
  if (existing && existing.kind !== 'quarter') throw new RunError(`run ${runId} exists and is not a quarterly run`);
  if (existing && existing.quarter !== o.quarter.id) throw new RunError(`run ${runId} belongs to quarter ${existing.quarter}, not ${o.quarter.id}`);
  if (existing && o.asOfExplicit && existing.as_of !== o.asOf) {
    throw new RunError(`run ${runId} was started as of ${existing.as_of}; resume it with that date, or start another run with --run ID`);
  }
  const asOf = existing?.as_of ?? o.asOf;
  if (!existing) assertAsOf(o.quarter, asOf);
  // Validate the checks and their options once, before any site: a config error stops the run at once.
  await selectChecks(o.config, 'website', o.checks);
  await selectChecks(o.config, 'newmedia', o.checks);

  ensureRun(db, { id: runId, kind: 'quarter', quarter: o.quarter.id, asOf, options: o.options, rules: o.config.rules });
  db.prepare(`UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?`).run(runId);
  snapshotRunSites(db, runId, o.only);
  const sites = pendingSites(db, runId, o.retryErrors);
  if (o.retryErrors) db.prepare(`DELETE FROM site_results WHERE run_id = ? AND outcome = 'error'`).run(runId);
  const counts = runCounts(db, runId);
  const pending = sites.map((site) => ({ site, availability: siteAvailability(db, site, asOf, o.config) }));
  return { runId, asOf, resumed: !!existing, pending, counts, config: { ...o.config, rules: runRules(db, runId) } };
}

export async function runQuarter(db: DB, o: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const { runId, asOf, resumed, pending, counts, config } = await prepareRun(db, {
    ...o,
    options: { concurrency: o.concurrency, only: o.only ?? null, checks: o.checks ?? null },
  });
  o.onEvent?.({ type: 'start', runId, asOf, counts: { ...counts }, pending: pending.length, resumed });

  const http = httpClientFor(o.config);
  // With evidence kept, veto findings get screenshots: one Chromium for the whole run rather than one per
  // site. Without Chromium the run goes on; checkSite then launches one only for sites that need it.
  let browser: BrowserSession | undefined;
  if (o.evidenceDir && pending.length) browser = await BrowserSession.launch(browserOptionsFromConfig(o.config)).catch(() => undefined);
  const limit = pLimit(Math.max(1, o.concurrency ?? DEFAULT_RUN_CONCURRENCY));
  let checkedNow = 0;
  try {
    await Promise.all(
      pending.map(({ site, availability }) =>
        limit(async () => {
          if (o.signal?.aborted) return;
          o.onEvent?.({ type: 'site-start', site });
          const r: SiteJobResult = await runSiteJob(db, { runId, site, asOf, availability }, { config, http, browser, lang: o.lang, checks: o.checks, siteTimeoutMs: o.siteTimeoutMs, evidenceDir: o.evidenceDir });
          checkedNow++;
          counts.done++;
          counts.pages += r.result.stats.pages;
          if (r.outcome === 'error') counts.errors++;
          else if (r.result.verdict === 'pass') counts.passed++;
          else counts.failed++;
          o.onEvent?.({ type: 'site-done', site, outcome: r.outcome, verdict: r.result.verdict, pages: r.result.stats.pages, counts: { ...counts } });
        }),
      ),
    );
  } finally {
    await http.close();
    await browser?.close();
  }
  const final = runCounts(db, runId);
  const status = final.done >= final.total ? 'done' : 'interrupted';
  finishRun(db, runId, status);
  const durationMs = Date.now() - started;
  o.onEvent?.({ type: 'end', counts: { ...final, pages: counts.pages }, status, durationMs });
  return { runId, asOf, status, counts: { ...final, pages: counts.pages }, checkedNow, durationMs };
}
