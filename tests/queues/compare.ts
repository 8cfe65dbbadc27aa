/** What must be identical between two runs of the same sites: per-site verdicts with their findings, and the tables. */
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { quarterReport } from '../../src/rollup/index.js';
import type { DB } from '../../src/store/db.js';

export interface SiteDigest {
  outcome: string;
  verdict: string;
  score: number;
  errorKind: string | null;
  decidedBy: unknown;
  checks: string[];
  findings: string[];
}

/** Per site of a run: outcome, verdict, score, deciding rules, check statuses and findings (sorted). */
export function siteDigests(db: DB, runId: string, only?: Set<string>): Map<string, SiteDigest> {
  const rows = db.prepare(`SELECT site_id, outcome, verdict, score, error_kind, decided_by_json FROM site_results WHERE run_id = ?`).all(runId) as Array<Record<string, string | number | null>>;
  const checks = db.prepare(`SELECT check_id, status, error FROM check_results WHERE run_id = ? AND site_id = ? ORDER BY check_id`);
  const findings = db.prepare(`SELECT check_id, code, rule, severity, tier, points, url, target FROM findings WHERE run_id = ? AND site_id = ?`);
  const out = new Map<string, SiteDigest>();
  for (const r of rows) {
    const id = String(r.site_id);
    if (only && !only.has(id)) continue;
    out.set(id, {
      outcome: String(r.outcome),
      verdict: String(r.verdict),
      score: Number(r.score),
      errorKind: (r.error_kind as string | null) ?? null,
      decidedBy: JSON.parse(String(r.decided_by_json)),
      checks: (checks.all(runId, id) as Array<{ check_id: string; status: string; error: string | null }>).map((c) => `${c.check_id}:${c.status}${c.error ? `: ${c.error}` : ''}`),
      findings: (findings.all(runId, id) as Array<Record<string, unknown>>).map((f) => Object.values(f).join('|')).sort(),
    });
  }
  return out;
}

/** Both attachment tables of a run, without the run id. */
export function tables(db: DB, runId: string): unknown {
  const r = quarterReport(db, { runId }, loadConfig().rules, loadGroups());
  const strip = (t: typeof r.tables.website) => ({ ...t, runId: undefined });
  return { website: strip(r.tables.website), newmedia: strip(r.tables.newmedia), failing: r.failing.map((f) => f.site.id).sort() };
}
