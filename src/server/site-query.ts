/**
 * The sites of a run, filtered, ordered (the notice's order) and cut into pages, for the review pages and /api/v1
 * alike, within the asker's scope; fast at 14,000 sites because only cheap columns of every site are read and the
 * rest for the page's sites only. Notes: docs/modules.md.
 */
import type { Rules } from '../config.js';
import { compareGroups, type GroupsConfig } from '../registry/groups.js';
import { runSiteFromRow, type RunSite } from '../rollup/data.js';
import type { DB } from '../store/db.js';
import { adhocRunSiteFromRow, siteFacets, type SiteFacets } from './data.js';
import type { Scope } from './scope.js';

export const SITE_STATUSES = ['pass', 'fail', 'error', 'unchecked'] as const;
export type SiteStatus = (typeof SITE_STATUSES)[number];

export interface SiteQuery {
  /** Substring of the name, URL, id, owner or platform (case-insensitive). */
  q?: string;
  group?: string;
  owner?: string;
  kind?: string;
  status?: string;
  /** A check that failed on the site. */
  check?: string;
  /** An indicator (rule id) with a problem that counts towards the verdict (reviews applied). */
  rule?: string;
  /** 'disputed' (a finding whose current review is a dispute) or 'false_positive' (a finding excluded by a review or the allow-list). */
  review?: string;
}

export interface SiteListItem {
  rs: RunSite;
  facets?: SiteFacets;
}

export interface SitePage {
  /** Sites matching the query (in scope). */
  total: number;
  /** Sites of the run in scope, before the filters. */
  all: number;
  page: number;
  limit: number;
  pages: number;
  items: SiteListItem[];
}

const collator = new Intl.Collator('zh-CN');

/** Whether the run has a registry snapshot (quarterly runs) or is read from its results (ad-hoc runs). */
export function hasSnapshot(db: DB, runId: string): boolean {
  return !!db.prepare(`SELECT 1 FROM run_sites WHERE run_id = ? LIMIT 1`).get(runId);
}

/** The SQL of a run's sites with the same columns for both kinds of run (id, kind, grp, owner, name, url, platform, outcome, verdict, ord). */
function baseSql(snapshot: boolean): string {
  return snapshot
    ? `SELECT b.site_id AS id, b.kind, b.grp, b.owner, b.name, b.url, json_extract(b.site_json, '$.platform') AS platform, sr.outcome, sr.verdict, b.rowid AS ord
       FROM run_sites b LEFT JOIN site_results sr ON sr.run_id = b.run_id AND sr.site_id = b.site_id WHERE b.run_id = @run`
    : `SELECT b.id, b.kind, b.grp, b.owner, b.name, b.url, b.platform, sr.outcome, sr.verdict, sr.rowid AS ord
       FROM site_results sr JOIN sites b ON b.id = sr.site_id WHERE sr.run_id = @run`;
}

/** SQL condition (on the base columns, the base query aliased `s` where correlated subqueries need it) and parameters for a scope. */
export function scopeSql(scope: Scope, params: Record<string, unknown>): string {
  if (scope.units === 'all') return '1';
  const parts: string[] = [];
  scope.units.owners.forEach((o, i) => (params[`so${i}`] = o));
  scope.units.groups.forEach((g, i) => (params[`sg${i}`] = g));
  if (scope.units.owners.length) parts.push(`owner IN (${scope.units.owners.map((_, i) => `@so${i}`).join(',')})`);
  if (scope.units.groups.length) parts.push(`grp IN (${scope.units.groups.map((_, i) => `@sg${i}`).join(',')})`);
  return parts.length ? `(${parts.join(' OR ')})` : '0';
}

const STATUS_SQL: Record<SiteStatus, string> = {
  unchecked: 'verdict IS NULL',
  error: `outcome = 'error'`,
  pass: `outcome = 'checked' AND verdict = 'pass'`,
  fail: `outcome = 'checked' AND verdict = 'fail'`,
};

function conditions(f: SiteQuery, rules: Rules, params: Record<string, unknown>): string[] {
  const w: string[] = [];
  if (f.group) {
    params.group = f.group;
    w.push(`COALESCE(grp, '') = @group`);
  }
  if (f.owner) {
    params.owner = f.owner;
    w.push(`owner = @owner`);
  }
  if (f.kind) {
    params.kind = f.kind;
    w.push(`kind = @kind`);
  }
  if (f.status) w.push(SITE_STATUSES.includes(f.status as SiteStatus) ? STATUS_SQL[f.status as SiteStatus] : '0');
  if (f.check) {
    params.check = f.check;
    // One primary-key probe per site (an IN list of every failing site would be as long as the run).
    w.push(`EXISTS (SELECT 1 FROM check_results c WHERE c.run_id = @run AND c.site_id = s.id AND c.check_id = @check AND c.status = 'fail')`);
  }
  if (f.rule) {
    params.rule = f.rule;
    // countsTowardVerdict (src/store/reviews.ts) in SQL: veto or deduction, confirmed (or suspected when counted), not excluded.
    // One probe per site in the covering index findings_run_site_facets, stopping at the first match: for a
    // common indicator (W-D1 on most sites) an IN list would read half a million index entries.
    w.push(`EXISTS (SELECT 1 FROM findings f WHERE f.run_id = @run AND f.site_id = s.id AND f.severity IN ('veto', 'deduction') AND f.rule = @rule AND f.excluded IS NULL${rules.countSuspected ? '' : ` AND f.tier = 'confirmed'`})`);
  }
  if (f.review === 'disputed') {
    w.push(`id IN (SELECT fr.site_id FROM finding_reviews fr WHERE fr.status = 'disputed'
      AND fr.id = (SELECT MAX(x.id) FROM finding_reviews x WHERE x.site_id = fr.site_id AND x.fingerprint = fr.fingerprint)
      AND EXISTS (SELECT 1 FROM findings f WHERE f.fingerprint = fr.fingerprint AND f.run_id = @run AND f.site_id = fr.site_id))`);
  } else if (f.review === 'false_positive') {
    w.push(`id IN (SELECT site_id FROM findings WHERE run_id = @run AND excluded IN ('false_positive', 'allow_list'))`);
  } else if (f.review) w.push('0');
  return w;
}

interface Order {
  /** What the order was computed from (rows and their last change); a new result or snapshot row makes it stale. */
  signature: string;
  rank: Map<string, number>;
}
/** The notice order of each run's sites, per database (sorting 14,000 Chinese names takes longer than the rest of a page). */
const orders = new WeakMap<DB, Map<string, Order>>();

function signature(db: DB, runId: string, snapshot: boolean): string {
  const r = snapshot
    ? db.prepare(`SELECT COUNT(*) AS n, MAX(rowid) AS m FROM run_sites WHERE run_id = ?`).get(runId)
    : db.prepare(`SELECT COUNT(*) AS n, MAX(sr.rowid) AS m, MAX(s.updated_at) AS u FROM site_results sr JOIN sites s ON s.id = sr.site_id WHERE sr.run_id = ?`).get(runId);
  return JSON.stringify(r);
}

/** Rank of every site of the run in the notice's order (groups as configured, then the name in pinyin, then entry order). */
function siteOrder(db: DB, runId: string, snapshot: boolean, groups: GroupsConfig): Map<string, number> {
  let perDb = orders.get(db);
  if (!perDb) orders.set(db, (perDb = new Map()));
  const sig = signature(db, runId, snapshot) + JSON.stringify(groups.groups);
  const hit = perDb.get(runId);
  if (hit && hit.signature === sig) return hit.rank;
  const rows = db.prepare(`SELECT id, grp, name, ord FROM (${baseSql(snapshot)})`).all({ run: runId }) as Array<{ id: string; grp: string | null; name: string | null; ord: number }>;
  const groupRank = new Map<string, number>();
  const names = [...new Set(rows.map((r) => r.grp ?? ''))].sort((a, b) => compareGroups(groups, a, b));
  names.forEach((g, i) => groupRank.set(g, i));
  rows.sort((a, b) => groupRank.get(a.grp ?? '')! - groupRank.get(b.grp ?? '')! || collator.compare(a.name ?? a.id, b.name ?? b.id) || a.ord - b.ord);
  const rank = new Map(rows.map((r, i) => [r.id, i]));
  if (perDb.size >= 8) perDb.delete(perDb.keys().next().value!);
  perDb.set(runId, { signature: sig, rank });
  return rank;
}

/** A page of a run's sites matching `f` within `scope` (page from 1; limit capped at 500). */
export function querySites(db: DB, runId: string, o: { filters: SiteQuery; scope: Scope; rules: Rules; groups: GroupsConfig; page?: number; limit?: number; facets?: boolean }): SitePage {
  const snapshot = hasSnapshot(db, runId);
  const params: Record<string, unknown> = { run: runId };
  const inScope = scopeSql(o.scope, params);
  const base = baseSql(snapshot);
  const all = (db.prepare(`SELECT COUNT(*) AS n FROM (${base}) WHERE ${inScope}`).get(params) as { n: number }).n;
  const where = [inScope, ...conditions(o.filters, o.rules, params)].join(' AND ');
  const needle = o.filters.q?.trim().toLowerCase();
  // Only what the order and the search need: the full rows are read for the page's sites.
  let rows = db.prepare(`SELECT id${needle ? ', name, url, owner, platform' : ''} FROM (${base}) s WHERE ${where}`).all(params) as Array<{
    id: string;
    name?: string | null;
    url?: string;
    owner?: string | null;
    platform?: string | null;
  }>;
  if (needle) rows = rows.filter((r) => [r.name, r.url, r.id, r.owner, r.platform].filter(Boolean).join(' ').toLowerCase().includes(needle));
  const rank = siteOrder(db, runId, snapshot, o.groups);
  rows.sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
  const limit = Math.max(1, Math.min(500, Math.floor(o.limit ?? 100)));
  const pages = Math.max(1, Math.ceil(rows.length / limit));
  const page = Math.max(1, Math.min(pages, Math.floor(o.page ?? 1)));
  const ids = rows.slice((page - 1) * limit, page * limit).map((r) => r.id);
  const items = loadRunSitesByIds(db, runId, ids, snapshot);
  const facets = o.facets === false ? undefined : siteFacets(db, runId, o.rules, ids);
  return { total: rows.length, all, page, limit, pages, items: items.map((rs) => ({ rs, facets: facets?.get(rs.site.id) })) };
}

/** The full rows (site, result) of the given sites of a run, in the given order. */
export function loadRunSitesByIds(db: DB, runId: string, ids: string[], snapshot = hasSnapshot(db, runId)): RunSite[] {
  if (!ids.length) return [];
  const marks = ids.map(() => '?').join(',');
  const rows = (
    snapshot
      ? db.prepare(
          `SELECT rs.site_id AS id, rs.site_json, rs.planned, sr.outcome, sr.verdict, sr.score, sr.decided_by_json, sr.error_kind, sr.error_message, sr.stats_json, sr.finished_at
           FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id WHERE rs.run_id = ? AND rs.site_id IN (${marks})`,
        )
      : db.prepare(
          `SELECT s.id, s.url AS site_url, s.name, s.kind, s.grp, s.owner, s.site_code, s.platform, s.source,
             sr.outcome, sr.verdict, sr.score, sr.decided_by_json, sr.error_kind, sr.error_message, sr.stats_json, sr.finished_at
           FROM site_results sr JOIN sites s ON s.id = sr.site_id WHERE sr.run_id = ? AND sr.site_id IN (${marks})`,
        )
  ).all(runId, ...ids) as Array<Record<string, string | number | null>>;
  const byId = new Map(rows.map((r) => [String(r.id), snapshot ? runSiteFromRow(r) : adhocRunSiteFromRow(r)]));
  return ids.map((id) => byId.get(id)).filter((x): x is RunSite => !!x);
}

/** The owner and group of a site of a run (snapshot first, else the registry row), for scope checks of single reads. */
export function siteUnit(db: DB, runId: string, siteId: string): { owner: string | null; group: string | null } | undefined {
  const snap = db.prepare(`SELECT owner, grp FROM run_sites WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as { owner: string | null; grp: string | null } | undefined;
  if (snap) return { owner: snap.owner, group: snap.grp };
  const s = db.prepare(`SELECT owner, grp FROM sites WHERE id = ?`).get(siteId) as { owner: string | null; grp: string | null } | undefined;
  return s ? { owner: s.owner, group: s.grp } : undefined;
}

/** Sites per status of a run within a scope (for the runs list and the API's run summary). */
export function statusCounts(db: DB, runId: string, scope: Scope): { sites: number; planned: number; checked: number; failed: number; errors: number; unchecked: number } {
  const snapshot = hasSnapshot(db, runId);
  const params: Record<string, unknown> = { run: runId };
  const inScope = scopeSql(scope, params);
  const r = db
    .prepare(
      `SELECT COUNT(*) AS sites,
         COALESCE(SUM(outcome = 'checked'), 0) AS checked, COALESCE(SUM(outcome = 'checked' AND verdict = 'fail'), 0) AS failed,
         COALESCE(SUM(outcome = 'error'), 0) AS errors, COALESCE(SUM(verdict IS NULL), 0) AS unchecked
       FROM (${baseSql(snapshot)}) WHERE ${inScope}`,
    )
    .get(params) as { sites: number; checked: number; failed: number; errors: number; unchecked: number };
  const planned = snapshot ? (db.prepare(`SELECT COUNT(*) AS n FROM (SELECT b.grp, b.owner FROM run_sites b WHERE b.run_id = @run AND b.planned = 1) WHERE ${inScope}`).get(params) as { n: number }).n : r.sites;
  return { ...r, planned };
}

/**
 * Indicator ids with a problem that counts in this run (for the filter menus): one index probe per
 * indicator of the rules, not a pass over every finding.
 */
export function rulesWithProblems(db: DB, runId: string, rules: Rules): string[] {
  const probe = db.prepare(`SELECT 1 FROM findings WHERE run_id = ? AND rule = ? AND severity IN ('veto', 'deduction') AND excluded IS NULL${rules.countSuspected ? '' : ` AND tier = 'confirmed'`} LIMIT 1`);
  return Object.keys(rules.indicators)
    .filter((id) => probe.get(runId, id))
    .sort();
}

/** Check ids with results in the run. */
export function checksOfRun(db: DB, runId: string): string[] {
  return (db.prepare(`SELECT DISTINCT check_id FROM check_results WHERE run_id = ? ORDER BY check_id`).all(runId) as Array<{ check_id: string }>).map((r) => r.check_id);
}

/** Groups of the run's sites (in scope), in the notice's order. */
export function groupsOfRun(db: DB, runId: string, scope: Scope, groups: GroupsConfig): string[] {
  const params: Record<string, unknown> = { run: runId };
  const inScope = scopeSql(scope, params);
  const rows = db.prepare(`SELECT DISTINCT grp FROM (${baseSql(hasSnapshot(db, runId))}) WHERE grp IS NOT NULL AND grp != '' AND ${inScope}`).all(params) as Array<{ grp: string }>;
  return rows.map((r) => r.grp).sort((a, b) => compareGroups(groups, a, b));
}
