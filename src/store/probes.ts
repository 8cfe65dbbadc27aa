/**
 * Availability probes (W-V1: 站点无法访问 is judged on a week of visits, at least 20 a day at intervals, failing when
 * failed visits are ≥ 5 %). Probe rounds (queues/, `govcheck schedule`) visit every operating website's home page;
 * each visit is stored here once per (site, round). Notes: docs/modules.md.
 */
import { addDays, shanghaiMidnight, todayInShanghai } from '../china-time.js';
import type { AvailabilitySeries } from '../types.js';
import type { DB } from './db.js';

export interface ProbeRecord {
  siteId: string;
  /** Probe round id (one row per site and round). */
  round: string;
  url: string;
  /** ISO time the visit started. */
  probedAt: string;
  /** 2xx (after redirects) within the time limit. */
  ok: boolean;
  status: number | null;
  errorKind: string | null;
  durationMs: number;
}

/** Stores probe visits; a round stored again replaces its rows (idempotent). Returns the rows written. */
export function saveProbes(db: DB, rows: ProbeRecord[]): number {
  const ins = db.prepare(
    `INSERT INTO availability_probes (site_id, round, url, probed_at, ok, status, error_kind, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(site_id, round) DO UPDATE SET url = excluded.url, probed_at = excluded.probed_at, ok = excluded.ok, status = excluded.status,
       error_kind = excluded.error_kind, duration_ms = excluded.duration_ms`,
  );
  return db.transaction(() => {
    for (const r of rows) ins.run(r.siteId, r.round, r.url, r.probedAt, r.ok ? 1 : 0, r.status, r.errorKind, Math.round(r.durationMs));
    return rows.length;
  })();
}

/**
 * The probe series of a site over the `windowDays` whole days before the inspection date (Asia/Shanghai),
 * or undefined when the site has no probe in that window (the check then judges its own single visit).
 */
export function availabilitySeries(db: DB, siteId: string, asOf: string, windowDays: number, maxFailures = 10): AvailabilitySeries | undefined {
  const first = addDays(asOf, -windowDays);
  const from = shanghaiMidnight(first);
  const to = shanghaiMidnight(asOf);
  const rows = db.prepare(`SELECT probed_at, ok, status, error_kind FROM availability_probes WHERE site_id = ? AND probed_at >= ? AND probed_at < ? ORDER BY probed_at`).all(siteId, from, to) as Array<{
    probed_at: string;
    ok: number;
    status: number | null;
    error_kind: string | null;
  }>;
  if (!rows.length) return undefined;
  const perDay = new Map<string, number>();
  for (let i = 0; i < windowDays; i++) perDay.set(addDays(first, i), 0);
  let failed = 0;
  const failures: AvailabilitySeries['failures'] = [];
  for (const r of rows) {
    const day = todayInShanghai(new Date(r.probed_at));
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    if (!r.ok) {
      failed++;
      if (failures.length < maxFailures) failures.push({ at: r.probed_at, kind: r.error_kind ?? (r.status !== null ? 'http_error' : 'unknown'), status: r.status });
    }
  }
  const counts = [...perDay.values()];
  return {
    from,
    to,
    windowDays,
    probes: rows.length,
    failed,
    days: counts.filter((n) => n > 0).length,
    minPerDay: Math.min(...counts),
    failures,
  };
}

/** Probes stored for a site (newest first), for reports and tests. */
export function listProbes(db: DB, siteId: string, limit = 100): ProbeRecord[] {
  const rows = db.prepare(`SELECT * FROM availability_probes WHERE site_id = ? ORDER BY probed_at DESC LIMIT ?`).all(siteId, limit) as Array<{
    site_id: string;
    round: string;
    url: string;
    probed_at: string;
    ok: number;
    status: number | null;
    error_kind: string | null;
    duration_ms: number;
  }>;
  return rows.map((r) => ({ siteId: r.site_id, round: r.round, url: r.url, probedAt: r.probed_at, ok: r.ok === 1, status: r.status, errorKind: r.error_kind, durationMs: r.duration_ms }));
}
