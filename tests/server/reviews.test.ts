import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ensureRun, loadSiteResult, openDb, saveSiteResult, type DB } from '../../src/store/db.js';
import { addAllowListEntry, addReview, allowListAsDictionary, allowListFor, currentReviews, listAllowList, removeAllowListEntry, reviewHistory, ReviewError } from '../../src/store/reviews.js';
import type { Finding, SiteResult } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());
const rules = loadConfig().rules;

function finding(p: Partial<Finding> & Pick<Finding, 'checkId' | 'code' | 'severity'>): Finding {
  return { tier: 'confirmed', url: 'http://127.0.0.1:1/', params: {}, message: p.code, messageEn: p.code, evidence: {}, ...p };
}

/** A result whose verdict is computed by the real rules, like checkSite does. */
function result(siteId: string, asOf: string, findings: Finding[]): SiteResult {
  const byCheck = new Map<string, Finding[]>();
  for (const f of findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  const checks = [...byCheck].map(([id, fs]) => ({
    id,
    status: fs.some((f) => f.severity === 'veto' || f.severity === 'deduction') ? ('fail' as const) : ('pass' as const),
    findings: fs,
    durationMs: 1,
  }));
  return {
    site: { id: siteId, url: `http://${siteId}/`, kind: 'website', name: '示例站' },
    url: `http://${siteId}/`,
    asOf,
    startedAt: `${asOf}T01:00:00Z`,
    finishedAt: `${asOf}T01:01:00Z`,
    ...computeVerdict(findings, rules),
    checks,
    stats: { pages: 3, links: 5, durationMs: 10, skippedByLimit: 0, errors: 0 },
  };
}

const veto = finding({ checkId: 'availability', code: 'home-unreachable', severity: 'veto', rule: 'W-V1', url: 'http://s1/', evidence: { expected: 'HTTP 200', actual: 'HTTP 503' } });
const broken = (n: number) => finding({ checkId: 'broken-links', code: 'broken', severity: 'deduction', rule: 'W-D1', points: 1, target: `http://s1/missing-${n}.html`, url: 'http://s1/' });

function row(db: DB, run: string, site: string) {
  return db.prepare(`SELECT verdict, score, raw_verdict, raw_score, decided_by_json FROM site_results WHERE run_id = ? AND site_id = ?`).get(run, site) as {
    verdict: string;
    score: number;
    raw_verdict: string | null;
    raw_score: number | null;
    decided_by_json: string;
  };
}
function findingId(db: DB, run: string, code: string, target?: string): number {
  return (db.prepare(`SELECT id FROM findings WHERE run_id = ? AND code = ? AND COALESCE(target, '') = ?`).get(run, code, target ?? '') as { id: number }).id;
}

describe('finding reviews (real SQLite)', () => {
  it('a confirmed false positive is excluded from the verdict, kept, and restored when the review changes', () => {
    const db = openDb(path.join(tmp.dir, 'a.db'));
    ensureRun(db, { id: 'q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-20' });
    saveSiteResult(db, 'q2', result('s1', '2024-06-20', [veto, broken(1), broken(2)]));
    expect(row(db, 'q2', 's1')).toMatchObject({ verdict: 'fail', score: 98, raw_verdict: null });

    const id = findingId(db, 'q2', 'home-unreachable');
    // A dispute alone does not change the verdict.
    const d = addReview(db, { findingId: id, status: 'disputed', comment: '首页当天维护，已恢复', reviewer: '张三', rules });
    expect(d.outcome.changed).toBe(false);
    expect(row(db, 'q2', 's1').verdict).toBe('fail');

    const fp = addReview(db, { findingId: id, status: 'false_positive', comment: '核实为检查时网络故障', reviewer: '李四', rules });
    expect(fp.outcome).toMatchObject({ excluded: 1, changed: true, verdict: 'pass', score: 98 });
    const r = row(db, 'q2', 's1');
    expect(r).toMatchObject({ verdict: 'pass', score: 98, raw_verdict: 'fail', raw_score: 98 });
    expect(JSON.parse(r.decided_by_json).map((h: { rule: string }) => h.rule)).toEqual(['W-D1']);
    // The finding is kept, marked, and its check passes now.
    expect(db.prepare(`SELECT excluded FROM findings WHERE id = ?`).get(id)).toEqual({ excluded: 'false_positive' });
    expect(db.prepare(`SELECT status FROM check_results WHERE run_id = 'q2' AND check_id = 'availability'`).get()).toEqual({ status: 'pass' });
    expect(loadSiteResult(db, 'q2', 's1')!.checks.flatMap((c) => c.findings)).toHaveLength(3);

    // History keeps who said what; the newest is current.
    const fpKey = (db.prepare(`SELECT fingerprint FROM findings WHERE id = ?`).get(id) as { fingerprint: string }).fingerprint;
    expect(reviewHistory(db, 's1', fpKey).map((h) => [h.status, h.reviewer])).toEqual([
      ['disputed', '张三'],
      ['false_positive', '李四'],
    ]);

    // Upheld after all: the finding counts again and the first verdict comes back.
    addReview(db, { findingId: id, status: 'upheld', comment: '', reviewer: '王五', rules });
    expect(row(db, 'q2', 's1')).toMatchObject({ verdict: 'fail', score: 98, raw_verdict: null });
    expect(db.prepare(`SELECT status FROM check_results WHERE run_id = 'q2' AND check_id = 'availability'`).get()).toEqual({ status: 'fail' });
    db.close();
  });

  it('a confirmed false positive stays excluded after a re-check and in the next quarter (keyed by fingerprint)', () => {
    const db = openDb(path.join(tmp.dir, 'b.db'));
    ensureRun(db, { id: 'q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-20' });
    saveSiteResult(db, 'q2', result('s1', '2024-06-20', [veto, broken(1)]));
    addReview(db, { findingId: findingId(db, 'q2', 'home-unreachable'), status: 'false_positive', comment: '误报', reviewer: '李四', rules });
    expect(row(db, 'q2', 's1').verdict).toBe('pass');
    // Re-check: the same result written again under the run (new finding ids) keeps the review.
    saveSiteResult(db, 'q2', result('s1', '2024-06-20', [veto, broken(1)]), { rules });
    expect(row(db, 'q2', 's1')).toMatchObject({ verdict: 'pass', score: 99, raw_verdict: 'fail' });
    // Next quarter: the same problem is still a known false positive; a new problem counts.
    ensureRun(db, { id: 'q3', kind: 'quarter', quarter: '2024Q3', asOf: '2024-09-20' });
    saveSiteResult(db, 'q3', result('s1', '2024-09-20', [veto, broken(1), broken(2)]));
    expect(row(db, 'q3', 's1')).toMatchObject({ verdict: 'pass', score: 98 });
    expect(currentReviews(db, 's1').size).toBe(1);
    db.close();
  });

  it('an allow-list entry excludes the same target for that check, on the site or on every site', () => {
    const db = openDb(path.join(tmp.dir, 'c.db'));
    ensureRun(db, { id: 'q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-20' });
    saveSiteResult(db, 'q2', result('s1', '2024-06-20', [broken(1), broken(2)]));
    const other = { ...broken(1), url: 'http://s2/' };
    saveSiteResult(db, 'q2', result('s2', '2024-06-20', [other]));
    const id = findingId(db, 'q2', 'broken', 'http://s1/missing-1.html');
    expect(() => addAllowListEntry(db, { findingId: id, comment: 'x', reviewer: '李四', rules })).toThrow(ReviewError);
    addReview(db, { findingId: id, status: 'false_positive', comment: '该链接需登录访问', reviewer: '李四', rules });
    const entry = addAllowListEntry(db, { findingId: id, allSites: true, comment: '需登录的内网链接', reviewer: '李四', rules });
    expect(entry).toMatchObject({ check_id: 'broken-links', scope: '*', value: 'http://s1/missing-1.html' });
    expect(allowListFor(db, 's2', 'broken-links')).toHaveLength(1);
    // s2 never had a review: the allow-list alone excludes its finding.
    expect(row(db, 'q2', 's2')).toMatchObject({ verdict: 'pass', score: 100, raw_score: 99 });
    expect(db.prepare(`SELECT excluded FROM findings WHERE site_id = 's2'`).get()).toEqual({ excluded: 'allow_list' });
    expect(row(db, 'q2', 's1').score).toBe(99);
    // Removing the entry makes s2's finding count again.
    expect(removeAllowListEntry(db, entry.id, { rules })).toBe(true);
    expect(row(db, 'q2', 's2')).toMatchObject({ score: 99, raw_score: null });
    db.close();
  });

  it("exports text entries in the dictionaries' allow-list format (global / per site), URLs left out", () => {
    const db = openDb(path.join(tmp.dir, 'e.db'));
    ensureRun(db, { id: 'q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-20' });
    const typo = finding({ checkId: 'typos', code: 'confusion', severity: 'deduction', rule: 'W-D3', points: 1, target: '截止目前', url: 'http://s1/a.html' });
    saveSiteResult(db, 'q2', result('s1', '2024-06-20', [typo, broken(1)]));
    for (const [code, target, all] of [
      ['confusion', '截止目前', false],
      ['broken', 'http://s1/missing-1.html', true],
    ] as const) {
      const id = findingId(db, 'q2', code, target);
      addReview(db, { findingId: id, status: 'false_positive', comment: '专有名称', reviewer: '李四', rules, now: new Date('2024-06-21T02:00:00Z') });
      addAllowListEntry(db, { findingId: id, allSites: all, comment: '专有名称', reviewer: '李四', rules, now: new Date('2024-06-21T02:00:00Z') });
    }
    expect(row(db, 'q2', 's1')).toMatchObject({ verdict: 'pass', score: 100 });
    expect(allowListAsDictionary(listAllowList(db))).toEqual({
      description: expect.any(String),
      global: [],
      sites: { s1: [{ text: '截止目前', note: 'typos: 专有名称 (李四, 2024-06-21)' }] },
      groups: {},
    });
    db.close();
  });

  it('refuses reviews without a name or reason, unknown statuses and unknown findings', () => {
    const db = openDb(path.join(tmp.dir, 'd.db'));
    ensureRun(db, { id: 'r', kind: 'adhoc', asOf: '2024-06-20' });
    saveSiteResult(db, 'r', result('s1', '2024-06-20', [veto]));
    const id = findingId(db, 'r', 'home-unreachable');
    expect(() => addReview(db, { findingId: id, status: 'disputed', comment: '理由', reviewer: '  ', rules })).toThrow(/name/);
    expect(() => addReview(db, { findingId: id, status: 'false_positive', comment: '', reviewer: '李四', rules })).toThrow(/comment/);
    expect(() => addReview(db, { findingId: id, status: 'deleted' as never, comment: 'x', reviewer: '李四', rules })).toThrow(/unknown review status/);
    expect(() => addReview(db, { findingId: 999999, status: 'disputed', comment: 'x', reviewer: '李四', rules })).toThrow(/no finding/);
    expect(() => addReview(db, { findingId: id, status: 'disputed', comment: 'x'.repeat(2001), reviewer: '李四', rules })).toThrow(/longer/);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM finding_reviews`).get()).toEqual({ n: 0 });
    db.close();
  });
});
