/**
 * What the roll-ups read: a run's sites (the registry snapshot taken when the run started) with their
 * results, and the findings behind the verdicts.
 */
import { findingFromRow, type DB, type FindingRow, type RunRow } from '../store/db.js';
import type { RuleHit, Severity, SiteRef } from '../types.js';

export class RollupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollupError';
  }
}

/** The run of a quarter to report on: the given run id, else the latest quarterly run of that quarter. */
export function findRun(db: DB, o: { quarter?: string; runId?: string }): RunRow {
  if (o.runId) {
    const r = db.prepare(`SELECT * FROM runs WHERE id = ?`).get(o.runId) as RunRow | undefined;
    if (!r) throw new RollupError(`no run ${o.runId} in this database`);
    return r;
  }
  if (!o.quarter) throw new RollupError('give --quarter or --run');
  const r = db.prepare(`SELECT * FROM runs WHERE quarter = ? AND kind = 'quarter' ORDER BY created_at DESC, rowid DESC LIMIT 1`).get(o.quarter) as RunRow | undefined;
  if (!r) throw new RollupError(`no run of quarter ${o.quarter} in this database; start one with: govcheck run --quarter ${o.quarter}`);
  return r;
}

export interface RunSite {
  site: SiteRef;
  planned: boolean;
  /** Absent when the site has not been checked (yet). */
  result?: {
    outcome: 'checked' | 'error';
    verdict: 'pass' | 'fail';
    score: number;
    decidedBy: RuleHit[];
    errorKind?: string;
    errorMessage?: string;
    pages: number;
    finishedAt: string;
  };
}

/**
 * One row of `run_sites` LEFT JOIN `site_results` (columns site_json, planned, outcome, verdict, score,
 * decided_by_json, error_kind, error_message, stats_json, finished_at) as a RunSite: the one mapping, shared
 * by the roll-ups and the review app's paginated lists (src/server/site-query.ts).
 */
export function runSiteFromRow(r: Record<string, string | number | null>): RunSite {
  return {
    site: JSON.parse(String(r.site_json)) as SiteRef,
    planned: r.planned === 1,
    result:
      r.verdict === null || r.verdict === undefined
        ? undefined
        : {
            outcome: r.outcome === 'error' ? 'error' : 'checked',
            verdict: r.verdict === 'pass' ? 'pass' : 'fail',
            score: Number(r.score),
            decidedBy: JSON.parse(String(r.decided_by_json)) as RuleHit[],
            errorKind: (r.error_kind as string | null) ?? undefined,
            errorMessage: (r.error_message as string | null) ?? undefined,
            pages: Number((JSON.parse(String(r.stats_json)) as { pages?: number }).pages ?? 0),
            finishedAt: String(r.finished_at),
          },
  };
}

export function loadRunSites(db: DB, runId: string): RunSite[] {
  const rows = db
    .prepare(
      `SELECT rs.site_json, rs.planned, sr.outcome, sr.verdict, sr.score, sr.decided_by_json, sr.error_kind, sr.error_message, sr.stats_json, sr.finished_at
       FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id
       WHERE rs.run_id = ? ORDER BY rs.rowid`,
    )
    .all(runId) as Array<Record<string, string | number | null>>;
  return rows.map(runSiteFromRow);
}

/** A stored finding as the roll-ups list it (the store's FindingRow without its position, parameters and exclusion). */
export type StoredFinding = Omit<FindingRow, 'seq' | 'params' | 'excluded'>;

/**
 * Findings of a run (optionally of one site), worst first. Findings excluded by a review (a confirmed false
 * positive, an allow-list entry: src/store/reviews.ts) are left out unless `includeExcluded`: they no longer
 * count towards the verdict, so they are neither reasons nor problems to fix.
 */
export function loadFindings(db: DB, runId: string, opts: { siteId?: string; severities?: Severity[]; includeExcluded?: boolean } = {}): StoredFinding[] {
  const sev = opts.severities ?? ['veto', 'deduction', 'warning', 'info'];
  const rows = db
    .prepare(
      `SELECT * FROM findings WHERE run_id = ? ${opts.siteId ? 'AND site_id = ?' : ''} AND severity IN (${sev.map(() => '?').join(',')}) ${opts.includeExcluded ? '' : 'AND excluded IS NULL'}
       ORDER BY site_id, CASE severity WHEN 'veto' THEN 0 WHEN 'deduction' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END, rule, check_id, seq`,
    )
    .all(runId, ...(opts.siteId ? [opts.siteId] : []), ...sev) as Array<Record<string, string | number | null>>;
  return rows.map((row) => {
    const { id, siteId, checkId, rule, severity, tier, points, url, target, code, message, messageEn, evidence, fingerprint } = findingFromRow(row);
    return { id, siteId, checkId, rule, severity, tier, points, url, target, code, message, messageEn, evidence, fingerprint };
  });
}
