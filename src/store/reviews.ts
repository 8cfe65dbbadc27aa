/**
 * Reviews of findings (disputed, false_positive, upheld; history rows keyed by site and fingerprint) and allow-list
 * entries; excluding a finding recomputes the site's verdict with the rules the run was judged with (`runRules`).
 * Notes: docs/modules.md.
 */
import type { Rules } from '../config.js';
import { loadConfig } from '../config.js';
import type { Finding, RuleHit } from '../types.js';
import { computeVerdict } from '../verdict.js';
import { findingFromRow, type DB, type FindingRow } from './db.js';

export const REVIEW_STATUSES = ['disputed', 'false_positive', 'upheld'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Scope of an allow-list entry that applies to every site. */
export const ALL_SITES = '*';

export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

export interface ReviewRow {
  id: number;
  site_id: string;
  fingerprint: string;
  check_id: string;
  run_id: string | null;
  finding_id: number | null;
  status: ReviewStatus;
  comment: string;
  reviewer: string;
  created_at: string;
}

export interface AllowListRow {
  id: number;
  check_id: string;
  /** A site id, or '*' for every site. */
  scope: string;
  value: string;
  fingerprint: string | null;
  comment: string;
  reviewer: string;
  created_at: string;
}

/** The most a comment or a reviewer name may hold (characters). */
export const LIMITS = { comment: 2000, reviewer: 100 } as const;

/** The current review of every reviewed finding of a site: fingerprint → newest review. */
export function currentReviews(db: DB, siteId: string): Map<string, ReviewRow> {
  const rows = db
    .prepare(
      `SELECT r.* FROM finding_reviews r
       JOIN (SELECT fingerprint, MAX(id) AS id FROM finding_reviews WHERE site_id = ? GROUP BY fingerprint) last ON last.id = r.id`,
    )
    .all(siteId) as ReviewRow[];
  return new Map(rows.map((r) => [r.fingerprint, r]));
}

/** Every review of one finding (by its site and fingerprint), oldest first. */
export function reviewHistory(db: DB, siteId: string, fingerprint: string): ReviewRow[] {
  return db.prepare(`SELECT * FROM finding_reviews WHERE site_id = ? AND fingerprint = ? ORDER BY id`).all(siteId, fingerprint) as ReviewRow[];
}

/** Allow-list entries that apply to a site (its own and the ones for every site), optionally of one check. */
export function allowListFor(db: DB, siteId: string, checkId?: string): AllowListRow[] {
  return (
    checkId ? db.prepare(`SELECT * FROM allow_list WHERE scope IN (?, ?) AND check_id = ? ORDER BY id`).all(siteId, ALL_SITES, checkId) : db.prepare(`SELECT * FROM allow_list WHERE scope IN (?, ?) ORDER BY id`).all(siteId, ALL_SITES)
  ) as AllowListRow[];
}

export function listAllowList(db: DB): AllowListRow[] {
  return db.prepare(`SELECT * FROM allow_list ORDER BY check_id, value, id`).all() as AllowListRow[];
}

/** The value of a finding that an allow-list entry is compared with: what is wrong, else the page. */
export function allowListValue(f: { target?: string | null; url: string }): string {
  return f.target ?? f.url;
}

/**
 * True when a finding counts towards the verdict under these rules: a veto or deduction of an indicator,
 * confirmed (or suspected, when the rules count suspected findings). The one test for the store, the
 * roll-ups and the web app (`computeVerdict` in src/verdict.ts applies the same one).
 */
export function countsTowardVerdict(f: { severity: Finding['severity']; tier: Finding['tier']; rule?: string | null }, rules: Rules): boolean {
  return !!f.rule && (f.severity === 'veto' || f.severity === 'deduction') && (f.tier === 'confirmed' || rules.countSuspected);
}

let defaultRules: Rules | undefined;

/**
 * The indicator rules a run's verdicts are judged with: the ones stored on the run when it was created
 * (`runs.rules_json`, src/store/db.ts `ensureRun`), so a run made with custom rules (--config) is never
 * re-scored with other rules. Runs made before the rules were stored have none: for them `fallback` is
 * used, else the default rules (config/rules.yaml, `loadConfig().rules`) — the best guess for such a run.
 */
export function runRules(db: DB, runId: string, fallback?: Rules): Rules {
  const row = db.prepare(`SELECT rules_json FROM runs WHERE id = ?`).get(runId) as { rules_json: string | null } | undefined;
  if (row?.rules_json) return JSON.parse(row.rules_json) as Rules;
  if (fallback) return fallback;
  defaultRules ??= loadConfig().rules;
  return defaultRules;
}

export interface ApplyOutcome {
  /** Findings now excluded from the verdict. */
  excluded: number;
  /** True when site_results was rewritten. */
  changed: boolean;
  verdict?: 'pass' | 'fail';
  score?: number;
}

/**
 * Re-applies the site's reviews and allow-list to one stored result (run, site): marks the excluded
 * findings and rewrites the verdict, score and check statuses from the findings that remain. Cheap when the
 * site has no false positive: nothing is loaded or written. Called by `saveSiteResult` after every write and
 * by the review actions below. The verdict is recomputed with the run's rules (`runRules`); `opts.rules`
 * only stand in for a run that stored none (default: the default rules).
 */
export function applyReviews(db: DB, runId: string, siteId: string, opts: { rules?: Rules } = {}): ApplyOutcome {
  const sr = db.prepare(`SELECT raw_verdict, raw_score, raw_decided_by_json FROM site_results WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as
    | { raw_verdict: 'pass' | 'fail' | null; raw_score: number | null; raw_decided_by_json: string | null }
    | undefined;
  if (!sr) return { excluded: 0, changed: false };
  const hasFp = db.prepare(`SELECT 1 FROM finding_reviews WHERE site_id = ? AND status = 'false_positive' LIMIT 1`).get(siteId);
  const hasAllow = db.prepare(`SELECT 1 FROM allow_list WHERE scope IN (?, ?) LIMIT 1`).get(siteId, ALL_SITES);
  const hadExcluded = db.prepare(`SELECT 1 FROM findings WHERE run_id = ? AND site_id = ? AND excluded IS NOT NULL LIMIT 1`).get(runId, siteId);
  if (!hasFp && !hasAllow && !hadExcluded && sr.raw_verdict === null) return { excluded: 0, changed: false };

  const findings = (db.prepare(`SELECT * FROM findings WHERE run_id = ? AND site_id = ? ORDER BY check_id, seq`).all(runId, siteId) as Array<Record<string, string | number | null>>).map(findingFromRow);
  const reviews = currentReviews(db, siteId);
  const allow = new Set(allowListFor(db, siteId).map((a) => `${a.check_id}\u001f${a.value}`));
  const reason = (f: FindingRow): string | undefined => (reviews.get(f.fingerprint)?.status === 'false_positive' ? 'false_positive' : allow.has(`${f.checkId}\u001f${allowListValue(f)}`) ? 'allow_list' : undefined);

  const setExcluded = db.prepare(`UPDATE findings SET excluded = ? WHERE id = ?`);
  let excluded = 0;
  for (const f of findings) {
    const r = reason(f);
    if (r) excluded++;
    if (r !== f.excluded) setExcluded.run(r ?? null, f.id);
    f.excluded = r;
  }

  const rules = runRules(db, runId, opts.rules);
  // Check statuses: a check that failed only by excluded findings passes now (and fails again when restored).
  const checks = db.prepare(`SELECT check_id, status FROM check_results WHERE run_id = ? AND site_id = ?`).all(runId, siteId) as Array<{ check_id: string; status: string }>;
  const setStatus = db.prepare(`UPDATE check_results SET status = ? WHERE run_id = ? AND site_id = ? AND check_id = ?`);
  for (const c of checks) {
    if (c.status !== 'pass' && c.status !== 'fail') continue;
    const own = findings.filter((f) => f.checkId === c.check_id);
    const failing = own.some((f) => !f.excluded && countsTowardVerdict(f, rules));
    const status = failing ? 'fail' : own.some((f) => countsTowardVerdict(f, rules)) || c.status === 'fail' ? 'pass' : c.status;
    if (status !== c.status) setStatus.run(status, runId, siteId, c.check_id);
  }

  if (excluded === 0) {
    // Nothing excluded (any more): restore the verdict as first computed.
    if (sr.raw_verdict !== null) {
      db.prepare(
        `UPDATE site_results SET verdict = raw_verdict, score = raw_score, decided_by_json = raw_decided_by_json,
           raw_verdict = NULL, raw_score = NULL, raw_decided_by_json = NULL WHERE run_id = ? AND site_id = ?`,
      ).run(runId, siteId);
      return { excluded, changed: true, verdict: sr.raw_verdict, score: sr.raw_score ?? undefined };
    }
    return { excluded, changed: false };
  }
  const v = computeVerdict(
    findings.filter((f) => !f.excluded),
    rules,
  );
  const hits: RuleHit[] = v.decidedBy;
  db.prepare(
    `UPDATE site_results SET
       raw_verdict = COALESCE(raw_verdict, verdict), raw_score = COALESCE(raw_score, score), raw_decided_by_json = COALESCE(raw_decided_by_json, decided_by_json),
       verdict = ?, score = ?, decided_by_json = ?
     WHERE run_id = ? AND site_id = ?`,
  ).run(v.verdict, v.score, JSON.stringify(hits), runId, siteId);
  return { excluded, changed: true, verdict: v.verdict, score: v.score };
}

/** Re-applies reviews to every stored result of a site that holds the given fingerprint (or all of them). */
function reapplyForSite(db: DB, siteId: string, opts: { rules?: Rules; fingerprint?: string; checkId?: string }): void {
  const runs = (
    opts.fingerprint
      ? db.prepare(`SELECT DISTINCT run_id FROM findings WHERE site_id = ? AND fingerprint = ?`).all(siteId, opts.fingerprint)
      : opts.checkId
        ? db.prepare(`SELECT DISTINCT run_id FROM findings WHERE site_id = ? AND check_id = ?`).all(siteId, opts.checkId)
        : db.prepare(`SELECT run_id FROM site_results WHERE site_id = ?`).all(siteId)
  ) as Array<{ run_id: string }>;
  for (const r of runs) applyReviews(db, r.run_id, siteId, opts);
}

function clean(s: string, max: number, what: string): string {
  const v = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
  if (v.length > max) throw new ReviewError(`${what} is longer than ${max} characters`);
  return v;
}

export interface FindingRef {
  id: number;
  run_id: string;
  site_id: string;
  check_id: string;
  fingerprint: string;
  target: string | null;
  url: string;
  excluded: string | null;
}

export function findingById(db: DB, id: number): FindingRef | undefined {
  return db.prepare(`SELECT id, run_id, site_id, check_id, fingerprint, target, url, excluded FROM findings WHERE id = ?`).get(id) as FindingRef | undefined;
}

export interface NewReview {
  findingId: number;
  status: ReviewStatus;
  comment: string;
  reviewer: string;
  /** Rules for runs that stored none (`runRules`; default: the default rules). Runs use their own. */
  rules?: Rules;
  now?: Date;
}

/**
 * Records a review of a finding and re-applies the site's reviews to every stored result holding the same
 * finding (same fingerprint), so the verdict, score and tables change at once. Never deletes the finding.
 */
export function addReview(db: DB, r: NewReview): { review: ReviewRow; outcome: ApplyOutcome } {
  if (!REVIEW_STATUSES.includes(r.status)) throw new ReviewError(`unknown review status: ${String(r.status)} (expected ${REVIEW_STATUSES.join(', ')})`);
  const reviewer = clean(r.reviewer, LIMITS.reviewer, 'reviewer');
  const comment = clean(r.comment, LIMITS.comment, 'comment');
  if (!reviewer) throw new ReviewError('a review needs the reviewer’s name');
  if (!comment && r.status !== 'upheld') throw new ReviewError('a dispute or a false positive needs a comment saying why');
  return db.transaction(() => {
    const f = findingById(db, r.findingId);
    if (!f) throw new ReviewError(`no finding ${r.findingId}`);
    const info = db
      .prepare(`INSERT INTO finding_reviews (site_id, fingerprint, check_id, run_id, finding_id, status, comment, reviewer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(f.site_id, f.fingerprint, f.check_id, f.run_id, f.id, r.status, comment, reviewer, (r.now ?? new Date()).toISOString());
    reapplyForSite(db, f.site_id, { rules: r.rules, fingerprint: f.fingerprint });
    const outcome = applyReviews(db, f.run_id, f.site_id, { rules: r.rules });
    const review = db.prepare(`SELECT * FROM finding_reviews WHERE id = ?`).get(Number(info.lastInsertRowid)) as ReviewRow;
    return { review, outcome };
  })();
}

export interface NewAllowEntry {
  /** The finding it comes from: its check and target give the entry. */
  findingId: number;
  /** This site only (default) or every site. */
  allSites?: boolean;
  comment: string;
  reviewer: string;
  /** Rules for runs that stored none (`runRules`). */
  rules?: Rules;
  now?: Date;
}

/**
 * Turns a confirmed false positive into an allow-list entry (check + target, for the site or every site):
 * from then on the same value never counts again for that check, whatever its fingerprint. Only a finding
 * whose current review is `false_positive` can be turned into one.
 */
export function addAllowListEntry(db: DB, e: NewAllowEntry): AllowListRow {
  const reviewer = clean(e.reviewer, LIMITS.reviewer, 'reviewer');
  const comment = clean(e.comment, LIMITS.comment, 'comment');
  if (!reviewer) throw new ReviewError('an allow-list entry needs the reviewer’s name');
  return db.transaction(() => {
    const f = findingById(db, e.findingId);
    if (!f) throw new ReviewError(`no finding ${e.findingId}`);
    if (currentReviews(db, f.site_id).get(f.fingerprint)?.status !== 'false_positive') {
      throw new ReviewError('only a confirmed false positive can become an allow-list entry');
    }
    const scope = e.allSites ? ALL_SITES : f.site_id;
    const value = allowListValue(f);
    db.prepare(
      `INSERT INTO allow_list (check_id, scope, value, fingerprint, comment, reviewer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (check_id, scope, value) DO NOTHING`,
    ).run(f.check_id, scope, value, f.fingerprint, comment, reviewer, (e.now ?? new Date()).toISOString());
    const sites = e.allSites ? (db.prepare(`SELECT DISTINCT site_id FROM findings WHERE check_id = ? AND COALESCE(target, url) = ?`).all(f.check_id, value) as Array<{ site_id: string }>).map((s) => s.site_id) : [f.site_id];
    for (const s of sites) reapplyForSite(db, s, { rules: e.rules, checkId: f.check_id });
    return db.prepare(`SELECT * FROM allow_list WHERE check_id = ? AND scope = ? AND value = ?`).get(f.check_id, scope, value) as AllowListRow;
  })();
}

/** Removes an allow-list entry (the findings it excluded count again). */
export function removeAllowListEntry(db: DB, id: number, opts: { rules?: Rules } = {}): boolean {
  return db.transaction(() => {
    const row = db.prepare(`SELECT * FROM allow_list WHERE id = ?`).get(id) as AllowListRow | undefined;
    if (!row) return false;
    db.prepare(`DELETE FROM allow_list WHERE id = ?`).run(id);
    const sites = row.scope === ALL_SITES ? (db.prepare(`SELECT DISTINCT site_id FROM findings WHERE check_id = ? AND excluded = 'allow_list'`).all(row.check_id) as Array<{ site_id: string }>).map((s) => s.site_id) : [row.scope];
    for (const s of sites) reapplyForSite(db, s, { rules: opts.rules, checkId: row.check_id });
    return true;
  })();
}

/**
 * Allow-list entries whose value is text (not a URL), in the format of config/dictionaries/allow.yaml
 * (`global` / `sites`, items `{ text, note }`): saved as an `allow*.yaml` file in a folder of the typos
 * option `text.dictionaryDirs`, they keep the text checks from reporting the same text at all.
 */
export function allowListAsDictionary(rows: AllowListRow[]): { description: string; global: Array<{ text: string; note: string }>; sites: Record<string, Array<{ text: string; note: string }>>; groups: Record<string, never> } {
  const out = { description: 'Allow-list entries confirmed in govcheck serve (白名单，复核确认)', global: [] as Array<{ text: string; note: string }>, sites: {} as Record<string, Array<{ text: string; note: string }>>, groups: {} };
  for (const r of rows) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(r.value)) continue;
    const item = { text: r.value, note: `${r.check_id}: ${r.comment || '—'} (${r.reviewer}, ${r.created_at.slice(0, 10)})` };
    if (r.scope === ALL_SITES) out.global.push(item);
    else (out.sites[r.scope] ??= []).push(item);
  }
  return out;
}
