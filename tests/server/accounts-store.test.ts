/** Accounts, sessions, the rectification loop and the audit log in the store (real SQLite). */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AccountError, addUser, checkLogin, createSession, disableUser, hashPassword, listUsers, renewToken, revokeSession, scopeOfUser, sessionUser, setPassword, userByToken, verifyPassword } from '../../src/store/accounts.js';
import { auditCsv, listAudit } from '../../src/store/audit.js';
import { ensureRun, finishRun, openDb, saveSiteResult } from '../../src/store/db.js';
import { addStep, defaultDeadline, quarterFixes, RectificationError, rectificationItems, stepHistory } from '../../src/store/rectification.js';
import type { Finding, SiteResult } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());
const rules = loadConfig().rules;
const CLI = { name: 'cli' };

function finding(p: Partial<Finding> & Pick<Finding, 'checkId' | 'code' | 'severity'>): Finding {
  return { tier: 'confirmed', url: 'http://127.0.0.1:1/', params: {}, message: p.code, messageEn: p.code, evidence: {}, ...p };
}
function result(siteId: string, owner: string, asOf: string, findings: Finding[], finishedAt = `${asOf}T01:01:00Z`): SiteResult {
  const byCheck = new Map<string, Finding[]>();
  for (const f of findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  return {
    site: { id: siteId, url: `http://${siteId}/`, kind: 'website', name: `站点${siteId}`, owner, group: '甲市' },
    url: `http://${siteId}/`,
    asOf,
    startedAt: `${asOf}T01:00:00Z`,
    finishedAt,
    ...computeVerdict(findings, rules),
    checks: [...byCheck].map(([id, fs]) => ({ id, status: 'fail' as const, findings: fs, durationMs: 1 })),
    stats: { pages: 3, links: 5, durationMs: 10, skippedByLimit: 0, errors: 0 },
  };
}
const broken = (n: number) => finding({ checkId: 'broken-links', code: 'broken', severity: 'deduction', rule: 'W-D1', points: 1, target: `http://s1/missing-${n}.html`, url: 'http://s1/', message: `链接不可用 ${n}` });
const veto = finding({ checkId: 'availability', code: 'home-unreachable', severity: 'veto', rule: 'W-V1', url: 'http://s1/', message: '首页无法访问' });
const warning = finding({ checkId: 'page-health', code: 'slow', severity: 'warning', url: 'http://s1/' });

describe('accounts (real SQLite)', () => {
  it('hashes passwords with scrypt and a salt, checks them in constant time, refuses weak input', () => {
    const a = hashPassword('correct horse battery');
    const b = hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(verifyPassword('correct horse battery', a)).toBe(true);
    expect(verifyPassword('correct horse batterY', a)).toBe(false);
    expect(verifyPassword('x', 'not a hash')).toBe(false);
  });

  it('adds, lists, logs in, disables (never deletes) and audits every change', () => {
    const db = openDb(path.join(tmp.dir, 'acc.db'));
    expect(() => addUser(db, { name: 'u1', role: 'unit', password: 'long enough pw' }, CLI)).toThrow(AccountError);
    expect(() => addUser(db, { name: 'i1', role: 'inspector', password: 'short' }, CLI)).toThrow(/at least 10/);
    const { user, token } = addUser(db, { name: 'yi-office', role: 'unit', password: 'yi password 1', owners: ['乙市人民政府办公室'], groups: ['乙市'] }, CLI);
    expect(user).toMatchObject({ role: 'unit', owners: ['乙市人民政府办公室'], groups: ['乙市'], disabled: false, hasToken: true });
    expect(() => addUser(db, { name: 'yi-office', role: 'admin', password: 'yi password 1' }, CLI)).toThrow(/exists/);
    // The token is kept only as a hash.
    const row = db.prepare(`SELECT password_hash, token_hash FROM users WHERE name = 'yi-office'`).get() as { password_hash: string; token_hash: string };
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(userByToken(db, token)?.name).toBe('yi-office');
    expect(checkLogin(db, 'yi-office', 'yi password 1')?.name).toBe('yi-office');
    expect(checkLogin(db, 'yi-office', 'wrong password')).toBeUndefined();
    expect(checkLogin(db, 'nobody', 'yi password 1')).toBeUndefined();
    expect(scopeOfUser(user)).toEqual({ user: { id: user.id, name: 'yi-office' }, role: 'unit', units: { owners: ['乙市人民政府办公室'], groups: ['乙市'] } });

    const s = createSession(db, user.id);
    expect(sessionUser(db, s.id)?.name).toBe('yi-office');
    expect(sessionUser(db, s.id, new Date(Date.now() + 13 * 3600_000))).toBeUndefined(); // expired
    revokeSession(db, s.id);
    expect(sessionUser(db, s.id)).toBeUndefined();

    const s2 = createSession(db, user.id);
    const t2 = renewToken(db, 'yi-office', CLI);
    expect(userByToken(db, token)).toBeUndefined();
    expect(userByToken(db, t2)?.name).toBe('yi-office');
    setPassword(db, 'yi-office', 'a new password', CLI);
    expect(sessionUser(db, s2.id)).toBeUndefined(); // sessions end with a new password
    expect(checkLogin(db, 'yi-office', 'a new password')?.name).toBe('yi-office');

    const s3 = createSession(db, user.id);
    disableUser(db, 'yi-office', CLI);
    expect(sessionUser(db, s3.id)).toBeUndefined();
    expect(userByToken(db, t2)).toBeUndefined();
    expect(checkLogin(db, 'yi-office', 'a new password')).toBeUndefined();
    expect(listUsers(db).map((u) => [u.name, u.disabled])).toEqual([['yi-office', true]]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM sessions`).get()).toEqual({ n: 3 });

    const log = listAudit(db).rows.reverse();
    expect(log.map((r) => r.action)).toEqual(['user.add', 'user.token', 'user.passwd', 'user.disable']);
    expect(log.every((r) => r.actor === 'cli')).toBe(true);
    expect(JSON.parse(log[3].before_json!)).toMatchObject({ disabled: false });
    expect(JSON.parse(log[3].after_json!)).toMatchObject({ disabled: true });
    db.close();
  });
});

describe('rectification loop (real SQLite)', () => {
  it('walks 待整改 → 已整改 → 复核中 → 已整改确认 by fingerprint across re-checks, with deadlines and audit rows', () => {
    const db = openDb(path.join(tmp.dir, 'rect.db'));
    ensureRun(db, { id: 'q1', kind: 'quarter', quarter: '2024Q1', asOf: '2024-03-28' });
    saveSiteResult(db, 'q1', result('s1', '甲办', '2024-03-28', [broken(1), broken(2)]));
    saveSiteResult(db, 'q1', result('s2', '乙办', '2024-03-28', [veto, warning]));
    finishRun(db, 'q1', 'done');
    db.prepare(`UPDATE runs SET finished_at = '2024-03-29T02:00:00.000Z' WHERE id = 'q1'`).run();
    ensureRun(db, { id: 'q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-27' });
    saveSiteResult(db, 'q2', result('s1', '甲办', '2024-06-27', [broken(2)]));
    saveSiteResult(db, 'q2', result('s2', '乙办', '2024-06-27', []));

    const run = db.prepare(`SELECT * FROM runs WHERE id = 'q1'`).get() as { as_of: string; finished_at: string };
    expect(defaultDeadline(run)).toBe('2024-04-13');
    // Only counted findings are items (the warning is not); all pending; overdue after the deadline.
    let items = rectificationItems(db, 'q1', { today: '2024-04-20' });
    expect(items.map((i) => [i.siteId, i.rule, i.status, i.deadline, i.overdue])).toEqual([
      ['s1', 'W-D1', 'pending', '2024-04-13', true],
      ['s1', 'W-D1', 'pending', '2024-04-13', true],
      ['s2', 'W-V1', 'pending', '2024-04-13', true],
    ]);
    expect(rectificationItems(db, 'q1', { today: '2024-04-10', overdueOnly: true })).toEqual([]);
    // Scope: only the sites given.
    expect(rectificationItems(db, 'q1', { sites: new Set(['s2']) }).map((i) => i.siteId)).toEqual(['s2']);

    const vetoItem = items[2];
    const unit = { name: 'yi-office', userId: 7 };
    expect(() => addStep(db, { findingId: vetoItem.findingId, status: 'confirmed' }, unit)).toThrow(RectificationError);
    expect(() => addStep(db, { findingId: vetoItem.findingId, status: 'reported', note: '' }, unit)).toThrow(/note/);
    addStep(db, { findingId: vetoItem.findingId, status: 'reported', note: '已修复首页服务器', now: new Date('2024-04-05T00:00:00Z') }, unit);
    addStep(db, { siteId: 's2', fingerprint: vetoItem.fingerprint, status: 'rechecking', note: 'in-process local-1', now: new Date('2024-04-05T00:00:01Z') }, unit);
    // The re-check replaces the site's result in the run: the veto is gone.
    saveSiteResult(db, 'q1', result('s2', '乙办', '2024-03-28', [warning], '2024-04-05T00:10:00Z'));
    items = rectificationItems(db, 'q1', { today: '2024-04-20' });
    const after = items.find((i) => i.fingerprint === vetoItem.fingerprint)!;
    expect(after.findingId).toBeUndefined();
    expect(after).toMatchObject({ status: 'rechecking', message: '首页无法访问', recheckedAt: '2024-04-05T00:10:00Z', stillFound: false, overdue: false });
    addStep(db, { siteId: 's2', fingerprint: vetoItem.fingerprint, status: 'confirmed', note: '复核通过' }, { name: 'inspector-li', userId: 8 });
    expect(stepHistory(db, 's2', vetoItem.fingerprint).map((s) => [s.status, s.actor])).toEqual([
      ['reported', 'yi-office'],
      ['rechecking', 'yi-office'],
      ['confirmed', 'inspector-li'],
    ]);
    // Not fixed → reported again.
    const b = items[0];
    addStep(db, { findingId: b.findingId, status: 'reported', note: '已替换链接' }, unit);
    expect(() => addStep(db, { findingId: b.findingId, status: 'not_fixed', note: '' }, unit)).toThrow(/note/);
    addStep(db, { findingId: b.findingId, status: 'not_fixed', note: '链接仍失效' }, { name: 'inspector-li' });
    addStep(db, { findingId: b.findingId, status: 'reported', note: '再次修复' }, unit);

    // A reminder letter gives the deadline.
    db.prepare(`INSERT INTO letters VALUES ('q1', '甲办', '函〔2024〕1号', '2024-04-01', '2024-05-10', 'x.docx')`).run();
    expect(rectificationItems(db, 'q1', { today: '2024-04-20' }).map((i) => [i.siteId, i.deadline])).toEqual([
      ['s2', '2024-04-13'],
      ['s1', '2024-05-10'],
      ['s1', '2024-05-10'],
    ]);

    // Quarter over quarter: q1's problems in q2.
    const fixes = quarterFixes(db, 'q2', 'q1');
    expect(fixes.map((f) => [f.siteId, f.rule, f.fixed])).toEqual([
      ['s1', 'W-D1', true],
      ['s1', 'W-D1', false],
    ]);

    const log = listAudit(db, { action: 'rectification.' }).rows.reverse();
    expect(log.map((r) => [r.action, r.actor])).toEqual([
      ['rectification.reported', 'yi-office'],
      ['rectification.rechecking', 'yi-office'],
      ['rectification.confirmed', 'inspector-li'],
      ['rectification.reported', 'yi-office'],
      ['rectification.not_fixed', 'inspector-li'],
      ['rectification.reported', 'yi-office'],
    ]);
    expect(JSON.parse(log[2].before_json!)).toMatchObject({ status: 'rechecking' });
    expect(JSON.parse(log[2].after_json!)).toMatchObject({ status: 'confirmed', note: '复核通过' });
    db.close();
  });

  it('exports the audit log as CSV with formula-like cells neutralised', () => {
    const db = openDb(path.join(tmp.dir, 'csv.db'));
    addUser(db, { name: 'x1', role: 'inspector', password: 'long password', displayName: '=HYPERLINK("http://evil")' }, { name: '=cmd|calc' });
    const csv = auditCsv(db).toString('utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain("'=cmd|calc");
    expect(csv).not.toMatch(/(^|,)=cmd/m);
    db.close();
  });
});
