/**
 * The rectification loop (整改) of findings after the notice: pending → reported → rechecking → confirmed or
 * not_fixed, as history rows keyed like reviews by (site, fingerprint), with deadlines from the reminder letters.
 * The state diagram and rules: docs/modules.md.
 */
import { loadLetters } from './letters.js';
import { addDays, chinaDate, todayInShanghai } from '../china-time.js';
import { audit } from './audit.js';
import type { Actor } from './accounts.js';
import type { DB, RunRow } from './db.js';

export const RECT_STATUSES = ['pending', 'reported', 'rechecking', 'confirmed', 'not_fixed'] as const;
export type RectStatus = (typeof RECT_STATUSES)[number];

export class RectificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RectificationError';
  }
}

export const DEFAULT_RECTIFY_DAYS = 15;
const NOTE_MAX = 2000;

export interface RectStep {
  id: number;
  site_id: string;
  fingerprint: string;
  run_id: string;
  finding_id: number | null;
  check_id: string;
  rule: string | null;
  message: string;
  status: Exclude<RectStatus, 'pending'>;
  note: string;
  actor: string;
  user_id: number | null;
  created_at: string;
}

export interface RectItem {
  siteId: string;
  siteName?: string;
  owner?: string;
  group?: string;
  fingerprint: string;
  /** The finding in the run's current result; undefined when a re-check no longer finds it. */
  findingId?: number;
  checkId: string;
  rule?: string;
  severity?: string;
  message: string;
  status: RectStatus;
  last?: RectStep;
  deadline: string;
  overdue: boolean;
  /** The site's result was stored again (re-checked) after the item was reported. */
  recheckedAt?: string;
  /** After that re-check: is the finding still there? */
  stillFound?: boolean;
}

function clean(s: unknown, max: number): string {
  const v = String(s ?? '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
  if (v.length > max) throw new RectificationError(`the note is longer than ${max} characters`);
  return v;
}

/** The reply-by date of a run's reminder letters (src/store/letters.ts), per owner. */
export function letterDeadlines(db: DB, runId: string): Map<string, string> {
  return new Map(loadLetters(db, runId).map((l) => [l.owner, String(l.reply_by).slice(0, 10)]));
}

/** The default deadline of a run's items: its end (or inspection date) plus `days`. */
export function defaultDeadline(run: Pick<RunRow, 'as_of' | 'finished_at'>, days = DEFAULT_RECTIFY_DAYS): string {
  return addDays(run.finished_at ? chinaDate(run.finished_at) : run.as_of, days);
}

function latestSteps(db: DB, where: string, ...args: Array<string | number>): RectStep[] {
  return db
    .prepare(
      `SELECT s.* FROM rectification_steps s
       JOIN (SELECT site_id, fingerprint, MAX(id) AS id FROM rectification_steps WHERE ${where} GROUP BY site_id, fingerprint) last ON last.id = s.id`,
    )
    .all(...args) as RectStep[];
}

export function stepHistory(db: DB, siteId: string, fingerprint: string): RectStep[] {
  return db.prepare(`SELECT * FROM rectification_steps WHERE site_id = ? AND fingerprint = ? ORDER BY id`).all(siteId, fingerprint) as RectStep[];
}

export function currentStep(db: DB, siteId: string, fingerprint: string): RectStep | undefined {
  return db.prepare(`SELECT * FROM rectification_steps WHERE site_id = ? AND fingerprint = ? ORDER BY id DESC LIMIT 1`).get(siteId, fingerprint) as RectStep | undefined;
}

/** Current steps of every item of a site (fingerprint → newest step). */
export function siteSteps(db: DB, siteId: string): Map<string, RectStep> {
  return new Map(latestSteps(db, 'site_id = ?', siteId).map((s) => [s.fingerprint, s]));
}

export interface ItemsQuery {
  /** Only these sites (the caller's scope); undefined = all. */
  sites?: Set<string>;
  status?: RectStatus;
  overdueOnly?: boolean;
  /** Count suspected findings too (the run's rules `countSuspected`). */
  countSuspected?: boolean;
  days?: number;
  today?: string;
}

/**
 * The rectification items of a run: its counted findings with their current step, plus items reported
 * in this run that the latest result no longer holds. Sorted by deadline, site, rule.
 */
export function rectificationItems(db: DB, runId: string, q: ItemsQuery = {}): RectItem[] {
  const run = db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
  if (!run) return [];
  const today = q.today ?? todayInShanghai();
  const letters = letterDeadlines(db, runId);
  const fallback = defaultDeadline(run, q.days);
  const meta = new Map(
    (
      db
        .prepare(
          `SELECT sr.site_id, sr.finished_at, COALESCE(rs.name, s.name) AS name, COALESCE(rs.owner, s.owner) AS owner, COALESCE(rs.grp, s.grp) AS grp
           FROM site_results sr LEFT JOIN run_sites rs ON rs.run_id = sr.run_id AND rs.site_id = sr.site_id LEFT JOIN sites s ON s.id = sr.site_id WHERE sr.run_id = ?`,
        )
        .all(runId) as Array<{ site_id: string; finished_at: string; name: string | null; owner: string | null; grp: string | null }>
    ).map((r) => [r.site_id, r]),
  );
  const inScope = (siteId: string) => !q.sites || q.sites.has(siteId);
  type Row = { id: number; site_id: string; fingerprint: string; check_id: string; rule: string; severity: string; message: string };
  const counted = `rule IS NOT NULL AND severity IN ('veto', 'deduction') AND excluded IS NULL AND (tier = 'confirmed' OR ?)`;
  const cs = q.countSuspected ? 1 : 0;
  // A unit's few sites: one indexed query per site (findings_site); everything: one pass over the run.
  const findings: Row[] = q.sites
    ? (() => {
        const one = db.prepare(`SELECT id, site_id, fingerprint, check_id, rule, severity, message FROM findings WHERE site_id = ? AND run_id = ? AND ${counted} ORDER BY check_id, seq`);
        return [...q.sites].sort().flatMap((s) => one.all(s, runId, cs) as Row[]);
      })()
    : (db.prepare(`SELECT id, site_id, fingerprint, check_id, rule, severity, message FROM findings WHERE run_id = ? AND ${counted} ORDER BY site_id, check_id, seq`).all(runId, cs) as Row[]);
  const steps = new Map<string, RectStep>();
  for (const s of latestSteps(db, 'site_id IN (SELECT site_id FROM site_results WHERE run_id = ?)', runId)) steps.set(`${s.site_id}\u001f${s.fingerprint}`, s);
  const items = new Map<string, RectItem>();
  const make = (siteId: string, fingerprint: string, base: { findingId?: number; checkId: string; rule?: string; severity?: string; message: string }): RectItem => {
    const m = meta.get(siteId);
    const last = steps.get(`${siteId}\u001f${fingerprint}`);
    const status: RectStatus = last?.status ?? 'pending';
    const deadline = (m?.owner && letters.get(m.owner)) || fallback;
    const reportedAt = last && (last.status === 'reported' || last.status === 'rechecking') ? last.created_at : undefined;
    const rechecked = reportedAt && m && m.finished_at > reportedAt ? m.finished_at : undefined;
    return {
      siteId,
      siteName: m?.name ?? undefined,
      owner: m?.owner ?? undefined,
      group: m?.grp ?? undefined,
      fingerprint,
      ...base,
      status,
      last,
      deadline,
      overdue: deadline < today && (status === 'pending' || status === 'not_fixed'),
      recheckedAt: rechecked,
      stillFound: rechecked ? base.findingId !== undefined : undefined,
    };
  };
  for (const f of findings) {
    const k = `${f.site_id}\u001f${f.fingerprint}`;
    if (!items.has(k)) items.set(k, make(f.site_id, f.fingerprint, { findingId: f.id, checkId: f.check_id, rule: f.rule, severity: f.severity, message: f.message }));
  }
  // Reported in this run, no longer in its result (fixed, as far as the re-check saw).
  for (const [k, s] of steps) {
    if (items.has(k) || s.run_id !== runId || !inScope(s.site_id)) continue;
    items.set(k, make(s.site_id, s.fingerprint, { checkId: s.check_id, rule: s.rule ?? undefined, message: s.message }));
  }
  let out = [...items.values()];
  if (q.status) out = out.filter((i) => i.status === q.status);
  if (q.overdueOnly) out = out.filter((i) => i.overdue);
  return out.sort((a, b) => a.deadline.localeCompare(b.deadline) || a.siteId.localeCompare(b.siteId) || (a.rule ?? '').localeCompare(b.rule ?? '') || a.fingerprint.localeCompare(b.fingerprint));
}

/** Which transitions each step allows (from the current status). */
const FROM: Record<Exclude<RectStatus, 'pending'>, RectStatus[]> = {
  reported: ['pending', 'not_fixed'],
  rechecking: ['reported'],
  confirmed: ['reported', 'rechecking'],
  not_fixed: ['reported', 'rechecking'],
};

export interface StepInput {
  /** The finding (of any run) the step is about; its site and fingerprint are the key. */
  findingId?: number;
  /** Or the key directly (an item a re-check no longer finds). */
  siteId?: string;
  fingerprint?: string;
  runId?: string;
  status: Exclude<RectStatus, 'pending'>;
  note?: string;
  now?: Date;
}

/** Adds a step (checked against the current state) and its audit row, in one transaction. */
export function addStep(db: DB, s: StepInput, by: Actor): RectStep {
  const note = clean(s.note, NOTE_MAX);
  if (s.status === 'reported' && !note) throw new RectificationError('a report of a fix needs a note saying what was done (整改说明)');
  if (s.status === 'not_fixed' && !note) throw new RectificationError('未整改 needs a note saying what is still wrong');
  return db.transaction(() => {
    let key: { site_id: string; fingerprint: string; run_id: string; finding_id: number | null; check_id: string; rule: string | null; message: string } | undefined;
    if (s.findingId !== undefined) {
      key = db.prepare(`SELECT site_id, fingerprint, run_id, id AS finding_id, check_id, rule, message FROM findings WHERE id = ?`).get(s.findingId) as typeof key;
      if (!key) throw new RectificationError(`no finding ${s.findingId}`);
    } else if (s.siteId && s.fingerprint) {
      const prev = currentStep(db, s.siteId, s.fingerprint);
      const f = db.prepare(`SELECT site_id, fingerprint, run_id, id AS finding_id, check_id, rule, message FROM findings WHERE site_id = ? AND fingerprint = ? ORDER BY id DESC LIMIT 1`).get(s.siteId, s.fingerprint) as typeof key;
      key = f ?? (prev ? { site_id: prev.site_id, fingerprint: prev.fingerprint, run_id: prev.run_id, finding_id: null, check_id: prev.check_id, rule: prev.rule, message: prev.message } : undefined);
      if (!key) throw new RectificationError('no such finding');
    } else throw new RectificationError('a step needs a finding');
    const prev = currentStep(db, key.site_id, key.fingerprint);
    const from: RectStatus = prev?.status ?? 'pending';
    if (!FROM[s.status].includes(from)) throw new RectificationError(`cannot go from ${from} to ${s.status}`);
    // The run the item belongs to stays the one it was first reported in (its deadline).
    const runId = s.runId ?? prev?.run_id ?? key.run_id;
    const at = (s.now ?? new Date()).toISOString();
    const info = db
      .prepare(`INSERT INTO rectification_steps (site_id, fingerprint, run_id, finding_id, check_id, rule, message, status, note, actor, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(key.site_id, key.fingerprint, runId, key.finding_id, key.check_id, key.rule, key.message, s.status, note, by.name, by.userId ?? null, at);
    const step = db.prepare(`SELECT * FROM rectification_steps WHERE id = ?`).get(Number(info.lastInsertRowid)) as RectStep;
    audit(db, {
      actor: by.name,
      userId: by.userId,
      action: `rectification.${s.status}`,
      target: `${key.site_id} ${key.fingerprint}`,
      before: { status: from, note: prev?.note ?? null },
      after: { status: s.status, note, run: runId, rule: key.rule, message: key.message },
      now: s.now,
    });
    return step;
  })();
}

export interface QuarterFix {
  siteId: string;
  fingerprint: string;
  rule?: string;
  message: string;
  /** The problem of the previous run is gone from this run's result. */
  fixed: boolean;
  status: RectStatus;
}

/**
 * Quarter over quarter: each counted problem of the previous run (in scope) with its rectification state
 * and whether this run still finds it (matched by fingerprint like src/rollup/lists.ts quarterChanges).
 */
export function quarterFixes(db: DB, runId: string, previousRunId: string, q: Pick<ItemsQuery, 'sites' | 'countSuspected'> = {}): QuarterFix[] {
  const counted = `rule IS NOT NULL AND severity IN ('veto', 'deduction') AND excluded IS NULL AND (tier = 'confirmed' OR ?)`;
  const cs = q.countSuspected ? 1 : 0;
  const prev = (
    db.prepare(`SELECT site_id, fingerprint, rule, message FROM findings WHERE run_id = ? AND ${counted} ORDER BY site_id, check_id, seq`).all(previousRunId, cs) as Array<{
      site_id: string;
      fingerprint: string;
      rule: string;
      message: string;
    }>
  ).filter((f) => !q.sites || q.sites.has(f.site_id));
  const checkedNow = new Set((db.prepare(`SELECT site_id FROM site_results WHERE run_id = ? AND outcome = 'checked'`).all(runId) as Array<{ site_id: string }>).map((r) => r.site_id));
  const now = new Set((db.prepare(`SELECT site_id || char(31) || fingerprint AS k FROM findings WHERE run_id = ? AND ${counted}`).all(runId, cs) as Array<{ k: string }>).map((r) => r.k));
  const seen = new Set<string>();
  const out: QuarterFix[] = [];
  for (const f of prev) {
    const k = `${f.site_id}\u001f${f.fingerprint}`;
    if (seen.has(k) || !checkedNow.has(f.site_id)) continue;
    seen.add(k);
    out.push({ siteId: f.site_id, fingerprint: f.fingerprint, rule: f.rule, message: f.message, fixed: !now.has(k), status: currentStep(db, f.site_id, f.fingerprint)?.status ?? 'pending' });
  }
  return out;
}
