/**
 * What the review pages read from the store on top of the roll-ups (src/rollup/): runs with their counts, a run's
 * sites with their filters, one site's findings with ids and reviews, and a site's previous result (new / fixed /
 * persisting).
 */
import type { Rules } from '../config.js';
import { loadRunSites, type RunSite } from '../rollup/data.js';
import { findingFromRow, type DB, type FindingRow, type RunRow } from '../store/db.js';
import { countsTowardVerdict, currentReviews, type ReviewRow } from '../store/reviews.js';
import type { RuleHit, Severity, SiteRef, Tier } from '../types.js';

export interface RunListRow extends RunRow {
  planned: number;
  checked: number;
  failed: number;
  errors: number;
  disputed: number;
}

export function listRuns(db: DB): RunListRow[] {
  return db
    .prepare(
      `SELECT r.*,
         (SELECT COUNT(*) FROM run_sites rs WHERE rs.run_id = r.id AND rs.planned = 1) AS planned,
         (SELECT COUNT(*) FROM site_results sr WHERE sr.run_id = r.id AND sr.outcome = 'checked') AS checked,
         (SELECT COUNT(*) FROM site_results sr WHERE sr.run_id = r.id AND sr.outcome = 'checked' AND sr.verdict = 'fail') AS failed,
         (SELECT COUNT(*) FROM site_results sr WHERE sr.run_id = r.id AND sr.outcome = 'error') AS errors,
         (SELECT COUNT(DISTINCT fr.site_id || char(31) || fr.fingerprint) FROM finding_reviews fr JOIN findings f ON f.site_id = fr.site_id AND f.fingerprint = fr.fingerprint AND f.run_id = r.id
            WHERE fr.id = (SELECT MAX(id) FROM finding_reviews x WHERE x.site_id = fr.site_id AND x.fingerprint = fr.fingerprint) AND fr.status = 'disputed') AS disputed
       FROM runs r ORDER BY r.created_at DESC, r.rowid DESC`,
    )
    .all() as RunListRow[];
}

export function getRun(db: DB, runId: string): RunRow | undefined {
  return db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
}

/**
 * The sites of a run as the roll-ups see them: the registry snapshot of a quarterly run, or, for an
 * ad-hoc run (`govcheck check`, no snapshot), the sites it has results for.
 */
export function runSites(db: DB, runId: string): RunSite[] {
  const snap = loadRunSites(db, runId);
  if (snap.length) return snap;
  const rows = db
    .prepare(
      `SELECT s.id, s.url AS site_url, s.name, s.kind, s.grp, s.owner, s.site_code, s.platform, s.source,
         sr.outcome, sr.verdict, sr.score, sr.decided_by_json, sr.error_kind, sr.error_message, sr.stats_json, sr.finished_at
       FROM site_results sr JOIN sites s ON s.id = sr.site_id WHERE sr.run_id = ? ORDER BY sr.rowid`,
    )
    .all(runId) as Array<Record<string, string | number | null>>;
  return rows.map(adhocRunSiteFromRow);
}

/**
 * One row of `site_results` JOIN `sites` (an ad-hoc run: no registry snapshot) as a RunSite: columns id,
 * site_url, name, kind, grp, owner, site_code, platform, source and the result's columns.
 */
export function adhocRunSiteFromRow(r: Record<string, string | number | null>): RunSite {
  const opt = (v: string | number | null | undefined) => (v === null || v === undefined ? undefined : String(v));
  return {
    site: {
      id: String(r.id),
      url: String(r.site_url),
      name: opt(r.name),
      kind: r.kind === 'newmedia' ? 'newmedia' : 'website',
      group: opt(r.grp),
      owner: opt(r.owner),
      siteCode: opt(r.site_code),
      platform: opt(r.platform),
      source: opt(r.source),
    },
    planned: true,
    result: {
      outcome: r.outcome === 'error' ? 'error' : 'checked',
      verdict: r.verdict === 'pass' ? 'pass' : 'fail',
      score: Number(r.score),
      decidedBy: JSON.parse(String(r.decided_by_json)) as RuleHit[],
      errorKind: opt(r.error_kind),
      errorMessage: opt(r.error_message),
      pages: Number((JSON.parse(String(r.stats_json)) as { pages?: number }).pages ?? 0),
      finishedAt: String(r.finished_at),
    },
  };
}

/** Per site of a run: what it can be filtered by (failing checks, problem categories) and review counts. */
export interface SiteFacets {
  failingChecks: Set<string>;
  /** Indicator ids of the problems that count (veto, deduction; confirmed or counted suspected), reviews applied. */
  rules: Set<string>;
  /** Findings that are problems (veto, deduction, warning), not excluded. */
  problems: number;
  disputed: number;
  falsePositives: number;
}

/** Facets of every site of a run, or of the given sites only (a page of a list: read through the per-site indexes). */
export function siteFacets(db: DB, runId: string, rules: Rules, siteIds?: string[]): Map<string, SiteFacets> {
  const only = siteIds ? `AND site_id IN (${siteIds.map(() => '?').join(',') || "''"})` : '';
  const ids = siteIds ?? [];
  const out = new Map<string, SiteFacets>();
  const get = (id: string) => {
    let f = out.get(id);
    if (!f) out.set(id, (f = { failingChecks: new Set(), rules: new Set(), problems: 0, disputed: 0, falsePositives: 0 }));
    return f;
  };
  for (const c of db.prepare(`SELECT site_id, check_id FROM check_results WHERE run_id = ? AND status = 'fail' ${only}`).all(runId, ...ids) as Array<{ site_id: string; check_id: string }>) {
    get(c.site_id).failingChecks.add(c.check_id);
  }
  const rows = db.prepare(`SELECT site_id, rule, severity, tier, excluded, COUNT(*) AS n FROM findings WHERE run_id = ? AND severity != 'info' ${only} GROUP BY site_id, rule, severity, tier, excluded`).all(runId, ...ids) as Array<{
    site_id: string;
    rule: string | null;
    severity: Severity;
    tier: Tier;
    excluded: string | null;
    n: number;
  }>;
  for (const r of rows) {
    const f = get(r.site_id);
    if (r.excluded) {
      if (r.excluded === 'false_positive' || r.excluded === 'allow_list') f.falsePositives += r.n;
      continue;
    }
    f.problems += r.n;
    if (r.rule && countsTowardVerdict(r, rules)) f.rules.add(r.rule);
  }
  const disputed = db
    .prepare(
      `SELECT f.site_id, COUNT(*) AS n FROM findings f
       JOIN finding_reviews fr ON fr.site_id = f.site_id AND fr.fingerprint = f.fingerprint
       WHERE f.run_id = ? ${only.replace('site_id', 'f.site_id')} AND fr.status = 'disputed' AND fr.id = (SELECT MAX(id) FROM finding_reviews x WHERE x.site_id = f.site_id AND x.fingerprint = f.fingerprint)
       GROUP BY f.site_id`,
    )
    .all(runId, ...ids) as Array<{ site_id: string; n: number }>;
  for (const d of disputed) get(d.site_id).disputed = d.n;
  return out;
}

/** Findings of a run excluded by a review or the allow-list (warnings and above), read through a partial index. */
export function falsePositiveCount(db: DB, runId: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM findings WHERE run_id = ? AND excluded IN ('false_positive', 'allow_list') AND severity != 'info'`).get(runId) as { n: number }).n;
}

/** Problems per indicator over a run (reviews applied): findings and sites, for the category chart. */
export function problemsByRule(db: DB, runId: string, rules: Rules): Array<{ rule: string; findings: number; sites: number }> {
  const rows = db
    .prepare(
      `SELECT rule, severity, tier, COUNT(*) AS n, COUNT(DISTINCT site_id) AS sites FROM findings
       WHERE run_id = ? AND excluded IS NULL AND rule IS NOT NULL AND severity IN ('veto', 'deduction') GROUP BY rule, severity, tier`,
    )
    .all(runId) as Array<{ rule: string; severity: Severity; tier: Tier; n: number; sites: number }>;
  const by = new Map<string, { rule: string; findings: number; sites: number }>();
  for (const r of rows) {
    if (!countsTowardVerdict(r, rules)) continue;
    const e = by.get(r.rule) ?? { rule: r.rule, findings: 0, sites: 0 };
    e.findings += r.n;
    e.sites = Math.max(e.sites, r.sites);
    by.set(r.rule, e);
  }
  return [...by.values()].sort((a, b) => a.rule.localeCompare(b.rule));
}

/**
 * The run to compare with for new / fixed / persisting: for a quarterly run the latest run of an earlier
 * quarter; for an ad-hoc run the latest earlier run (by inspection date, then creation).
 */
export function previousRun(db: DB, run: RunRow): RunRow | undefined {
  if (run.kind === 'quarter' && run.quarter) {
    return db.prepare(`SELECT * FROM runs WHERE kind = 'quarter' AND quarter < ? ORDER BY quarter DESC, created_at DESC, rowid DESC LIMIT 1`).get(run.quarter) as RunRow | undefined;
  }
  return db.prepare(`SELECT * FROM runs WHERE id != ? AND (as_of < ? OR (as_of = ? AND created_at < ?)) ORDER BY as_of DESC, created_at DESC, rowid DESC LIMIT 1`).get(run.id, run.as_of, run.as_of, run.created_at) as RunRow | undefined;
}

/** Quarterly runs, oldest first, one per quarter (the latest of each), for the trend chart. */
export function quarterRuns(db: DB): RunRow[] {
  return db
    .prepare(
      `SELECT * FROM runs r WHERE kind = 'quarter' AND quarter IS NOT NULL
         AND rowid = (SELECT rowid FROM runs x WHERE x.kind = 'quarter' AND x.quarter = r.quarter ORDER BY created_at DESC, rowid DESC LIMIT 1)
       ORDER BY quarter`,
    )
    .all() as RunRow[];
}

/** A stored finding of one site as the site page shows it (the store's FindingRow) with its current review. */
export interface FindingView extends Omit<FindingRow, 'siteId'> {
  review?: ReviewRow;
}

export interface SiteView {
  run: RunRow;
  site: SiteRef;
  url: string;
  outcome: 'checked' | 'error';
  verdict: 'pass' | 'fail';
  score: number;
  decidedBy: RuleHit[];
  raw?: { verdict: 'pass' | 'fail'; score: number; decidedBy: RuleHit[] };
  stats: { pages?: number; links?: number; durationMs?: number };
  error?: { kind: string; message: string };
  startedAt: string;
  finishedAt: string;
  checks: Array<{ id: string; status: string; error?: string; summary?: Record<string, unknown> }>;
  findings: FindingView[];
}

/**
 * A site's findings with what is needed to order, count and explain them (not their page, target, code,
 * texts, parameters and evidence: `fillFindings`). Built directly: at 5,000 findings the general row mapping
 * costs more than the read.
 */
function lightFindings(db: DB, runId: string, siteId: string, reviews: Map<string, ReviewRow>): FindingView[] {
  const rows = db.prepare(`SELECT id, check_id, seq, rule, severity, tier, points, fingerprint, excluded FROM findings WHERE run_id = ? AND site_id = ? ORDER BY check_id, seq`).all(runId, siteId) as Array<{
    id: number;
    check_id: string;
    seq: number;
    rule: string | null;
    severity: Severity;
    tier: Tier;
    points: number | null;
    fingerprint: string;
    excluded: string | null;
  }>;
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    checkId: r.check_id,
    rule: r.rule ?? undefined,
    severity: r.severity,
    tier: r.tier,
    points: r.points ?? undefined,
    url: '',
    code: '',
    params: {},
    message: '',
    messageEn: '',
    evidence: {},
    fingerprint: r.fingerprint,
    excluded: r.excluded ?? undefined,
    review: reviews.get(r.fingerprint),
  }));
}

/**
 * One site's result. With `light`, the findings come without their page, target, code, messages, parameters and evidence (a
 * site with thousands of findings shows a page of them: `fillFindings` completes that page).
 */
export function loadSiteView(db: DB, runId: string, siteId: string, o: { light?: boolean } = {}): SiteView | undefined {
  const run = getRun(db, runId);
  if (!run) return undefined;
  const sr = db.prepare(`SELECT * FROM site_results WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as Record<string, string | number | null> | undefined;
  if (!sr) return undefined;
  const snap = db.prepare(`SELECT site_json FROM run_sites WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as { site_json: string } | undefined;
  const s = db.prepare(`SELECT * FROM sites WHERE id = ?`).get(siteId) as Record<string, string | null>;
  const opt = (v: string | null | undefined) => v ?? undefined;
  const site: SiteRef = snap
    ? (JSON.parse(snap.site_json) as SiteRef)
    : { id: siteId, url: String(s.url), name: opt(s.name), kind: s.kind === 'newmedia' ? 'newmedia' : 'website', group: opt(s.grp), owner: opt(s.owner), platform: opt(s.platform), source: opt(s.source) };
  const reviews = currentReviews(db, siteId);
  const findings = o.light
    ? lightFindings(db, runId, siteId, reviews)
    : (db.prepare(`SELECT * FROM findings WHERE run_id = ? AND site_id = ? ORDER BY check_id, seq`).all(runId, siteId) as Array<Record<string, string | number | null>>).map((f): FindingView => {
        const { siteId: _site, ...row } = findingFromRow(f);
        return { ...row, review: reviews.get(row.fingerprint) };
      });
  const checks = (db.prepare(`SELECT * FROM check_results WHERE run_id = ? AND site_id = ? ORDER BY rowid`).all(runId, siteId) as Array<Record<string, string | number | null>>).map((c) => ({
    id: String(c.check_id),
    status: String(c.status),
    error: (c.error as string | null) ?? undefined,
    summary: c.summary_json ? (JSON.parse(String(c.summary_json)) as Record<string, unknown>) : undefined,
  }));
  return {
    run,
    site,
    url: String(sr.url),
    outcome: sr.outcome === 'error' ? 'error' : 'checked',
    verdict: sr.verdict === 'pass' ? 'pass' : 'fail',
    score: Number(sr.score),
    decidedBy: JSON.parse(String(sr.decided_by_json)) as RuleHit[],
    raw: sr.raw_verdict ? { verdict: sr.raw_verdict === 'pass' ? 'pass' : 'fail', score: Number(sr.raw_score), decidedBy: JSON.parse(String(sr.raw_decided_by_json)) as RuleHit[] } : undefined,
    stats: JSON.parse(String(sr.stats_json)),
    error: sr.error_kind ? { kind: String(sr.error_kind), message: String(sr.error_message ?? '') } : undefined,
    startedAt: String(sr.started_at),
    finishedAt: String(sr.finished_at),
    checks,
    findings,
  };
}

/** Completes findings read with `loadSiteView(…, { light: true })`: page, target, code, messages, parameters and evidence (in place). */
export function fillFindings(db: DB, findings: FindingView[]): void {
  if (!findings.length) return;
  const rows = db.prepare(`SELECT id, url, target, code, message, message_en, params_json, evidence_json FROM findings WHERE id IN (${findings.map(() => '?').join(',')})`).all(...findings.map((f) => f.id)) as Array<{
    id: number;
    url: string;
    target: string | null;
    code: string;
    message: string;
    message_en: string;
    params_json: string;
    evidence_json: string;
  }>;
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const f of findings) {
    const r = byId.get(f.id);
    if (!r) continue;
    f.url = r.url;
    f.target = r.target ?? undefined;
    f.code = r.code;
    f.message = r.message;
    f.messageEn = r.message_en;
    f.params = JSON.parse(r.params_json);
    f.evidence = JSON.parse(r.evidence_json);
  }
}

/** True when a finding counts towards the verdict (reviews applied). */
export function countsNow(f: Pick<FindingView, 'rule' | 'severity' | 'tier' | 'excluded'>, rules: Rules): boolean {
  return !f.excluded && countsTowardVerdict(f, rules);
}

/**
 * New / fixed / persisting problems of one site against its result in an earlier run, matched by
 * fingerprint like the quarter-over-quarter roll-up (src/rollup/lists.ts quarterChanges): problems are the
 * findings that count towards the verdict.
 */
export function siteChanges(
  db: DB,
  current: FindingView[],
  previousRunId: string,
  siteId: string,
  rules: Rules,
): { compared: boolean; newKeys: Set<string>; persistingKeys: Set<string>; fixed: Array<{ message: string; messageEn: string; url: string; target?: string; rule?: string }> } {
  const had = db.prepare(`SELECT 1 FROM site_results WHERE run_id = ? AND site_id = ?`).get(previousRunId, siteId);
  if (!had) return { compared: false, newKeys: new Set(), persistingKeys: new Set(), fixed: [] };
  const prev = (
    db.prepare(`SELECT fingerprint, rule, severity, tier, excluded, message, message_en, url, target FROM findings WHERE run_id = ? AND site_id = ?`).all(previousRunId, siteId) as Array<{
      fingerprint: string;
      rule: string | null;
      severity: Severity;
      tier: Tier;
      excluded: string | null;
      message: string;
      message_en: string;
      url: string;
      target: string | null;
    }>
  ).filter((f) => countsNow({ rule: f.rule ?? undefined, severity: f.severity, tier: f.tier, excluded: f.excluded ?? undefined }, rules));
  const prevKeys = new Set(prev.map((f) => f.fingerprint));
  const cur = current.filter((f) => countsNow(f, rules));
  const curKeys = new Set(cur.map((f) => f.fingerprint));
  return {
    compared: true,
    newKeys: new Set(cur.filter((f) => !prevKeys.has(f.fingerprint)).map((f) => f.fingerprint)),
    persistingKeys: new Set(cur.filter((f) => prevKeys.has(f.fingerprint)).map((f) => f.fingerprint)),
    fixed: prev.filter((f) => !curKeys.has(f.fingerprint)).map((f) => ({ message: f.message, messageEn: f.message_en, url: f.url, target: f.target ?? undefined, rule: f.rule ?? undefined })),
  };
}
