/**
 * The audit log: one row per change made by a person (users added, disabled, passwords and tokens changed, reviews,
 * allow-list entries, rectification steps, re-checks started). Notes: docs/modules.md.
 */
import { toCsv } from '../report/csv.js';
import type { DB } from './db.js';
import { addReview, currentReviews, type NewReview } from './reviews.js';

export interface AuditEntry {
  actor: string;
  userId?: number | null;
  action: string;
  target?: string | null;
  before?: unknown;
  after?: unknown;
  now?: Date;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  user_id: number | null;
  action: string;
  target: string | null;
  before_json: string | null;
  after_json: string | null;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export function audit(db: DB, e: AuditEntry): number {
  const info = db
    .prepare(`INSERT INTO audit_log (at, actor, user_id, action, target, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run((e.now ?? new Date()).toISOString(), e.actor, e.userId ?? null, e.action, e.target ?? null, json(e.before), json(e.after));
  return Number(info.lastInsertRowid);
}

export interface AuditQuery {
  /** Only actions starting with this (e.g. `rectification.`). */
  action?: string;
  actor?: string;
  /** Only rows whose target contains this. */
  target?: string;
  limit?: number;
  offset?: number;
}

/** Newest first. */
export function listAudit(db: DB, q: AuditQuery = {}): { rows: AuditRow[]; total: number } {
  const where: string[] = [];
  const args: Array<string | number> = [];
  if (q.action) {
    where.push(`action LIKE ? ESCAPE '\\'`);
    args.push(`${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (q.actor) {
    where.push(`actor = ?`);
    args.push(q.actor);
  }
  if (q.target) {
    where.push(`instr(target, ?) > 0`);
    args.push(q.target);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM audit_log ${w}`).get(...args) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM audit_log ${w} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, q.limit ?? 200, q.offset ?? 0) as AuditRow[];
  return { rows, total };
}

/** Every row (oldest first) as CSV, UTF-8 with BOM; cells that a spreadsheet would run as a formula are neutralised. */
export function auditCsv(db: DB, q: Omit<AuditQuery, 'limit' | 'offset'> = {}): Buffer {
  const { total } = listAudit(db, { ...q, limit: 0 });
  const rows = listAudit(db, { ...q, limit: Math.max(total, 1) }).rows.reverse();
  return toCsv([['id', 'at', 'actor', 'action', 'target', 'before', 'after'], ...rows.map((r) => [r.id, r.at, r.actor, r.action, r.target, r.before_json, r.after_json])], { bom: true });
}

/**
 * A review and its audit row in one transaction (the review page's form and the API's POST): the row keeps the
 * finding's review before and after. `via` marks where it came from when not the page.
 */
export function addReviewAudited(db: DB, f: { id: number; site_id: string; fingerprint: string; run_id: string }, review: Omit<NewReview, 'findingId'>, who: { name: string; userId?: number }, via?: string): ReturnType<typeof addReview> {
  return db.transaction(() => {
    const before = currentReviews(db, f.site_id).get(f.fingerprint);
    const added = addReview(db, { ...review, findingId: f.id });
    audit(db, {
      actor: who.name,
      userId: who.userId,
      action: 'review.add',
      target: `${f.site_id} ${f.fingerprint}`,
      before: before ? { status: before.status, reviewer: before.reviewer, comment: before.comment } : null,
      after: { status: added.review.status, reviewer: added.review.reviewer, comment: added.review.comment, run: f.run_id, finding: f.id, ...(via ? { via } : {}) },
    });
    return added;
  })();
}
