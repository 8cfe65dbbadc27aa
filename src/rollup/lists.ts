/**
 * Lists behind the tables: the failing sites with the reasons that failed them (不合格网站/账号名单),
 * per owner unit the problems to fix with their evidence (整改清单), and per site the problems that are
 * new, fixed or persisting against the previous quarter (环比).
 */
import type { Rules } from '../config.js';
import { compareGroups, type GroupsConfig } from '../registry/groups.js';
import type { DB } from '../store/db.js';
import { letterNumbers } from '../store/letters.js';
import { countsTowardVerdict } from '../store/reviews.js';
import type { Evidence, Severity, SiteRef, Tier } from '../types.js';
import { loadFindings, loadRunSites, type RunSite, type StoredFinding } from './data.js';

export interface Reason {
  rule: string;
  kind: 'veto' | 'deduction' | 'score';
  title: { zh: string; en: string };
  points: number;
  findings: number;
  /** A few findings behind the rule (message in both languages, page, target). */
  examples: Array<{ message: string; messageEn: string; url: string; target?: string }>;
  /** Every finding behind the rule (findings.id), for links to them. */
  findingIds: number[];
}

export interface FailingEntry {
  seq: number;
  site: SiteRef;
  score: number;
  reasons: Reason[];
}

function ruleTitle(rules: Rules, rule: string): { zh: string; en: string } {
  return rules.indicators[rule]?.title ?? { zh: rule, en: rule };
}

/** String#localeCompare(…, 'zh-CN') as one collator (the same order, without building a collator per comparison). */
const zhCollator = new Intl.Collator('zh-CN');

function siteOrder(groups: GroupsConfig) {
  return (a: RunSite, b: RunSite) => compareGroups(groups, a.site.group ?? '', b.site.group ?? '') || zhCollator.compare(a.site.name ?? a.site.id, b.site.name ?? b.site.id);
}

/** Failing sites (or accounts) of a run, in table order, each with the rules that failed it and examples (none, and no finding ids, with maxExamples 0). */
export function failingList(db: DB, runId: string, kind: SiteRef['kind'] | undefined, rules: Rules, groups: GroupsConfig, maxExamples = 3): FailingEntry[] {
  const sites = loadRunSites(db, runId)
    .filter((s) => (!kind || s.site.kind === kind) && s.result?.outcome === 'checked' && s.result.verdict === 'fail')
    .sort(siteOrder(groups));
  return sites.map((s, i) => {
    const r = s.result!;
    // maxExamples 0: the reasons only (the review app's overview), without reading each failing site's findings.
    const findings = maxExamples > 0 ? loadFindings(db, runId, { siteId: s.site.id, severities: ['veto', 'deduction'] }).filter((f) => countsTowardVerdict(f, rules)) : [];
    const vetoes = r.decidedBy.filter((h) => h.kind === 'veto');
    const hits = vetoes.length ? vetoes : r.decidedBy.filter((h) => h.kind === 'deduction');
    const reasons: Reason[] = hits.map((h) => ({
      rule: h.rule,
      kind: h.kind,
      title: ruleTitle(rules, h.rule),
      points: h.points,
      findings: h.findings,
      examples: findings
        .filter((f) => f.rule === h.rule && f.severity === h.kind)
        .slice(0, maxExamples)
        .map((f) => ({ message: f.message, messageEn: f.messageEn, url: f.url, target: f.target })),
      findingIds: findings.filter((f) => f.rule === h.rule && f.severity === h.kind).map((f) => f.id),
    }));
    if (!vetoes.length) {
      reasons.unshift({
        rule: 'score',
        kind: 'score',
        title: { zh: `得分 ${r.score} 低于合格线 ${rules.passLine}`, en: `score ${r.score} below the pass line ${rules.passLine}` },
        points: Math.round((rules.base - r.score) * 100) / 100,
        findings: 0,
        examples: [],
        findingIds: [],
      });
    }
    return { seq: i + 1, site: s.site, score: r.score, reasons };
  });
}

export interface FixItem {
  rule?: string;
  ruleTitle?: { zh: string; en: string };
  severity: Severity;
  tier: Tier;
  points?: number;
  message: string;
  messageEn: string;
  /** Page where it was seen. */
  url: string;
  target?: string;
  evidence: Evidence;
  checkId: string;
}

export interface FixSite {
  site: SiteRef;
  verdict: 'pass' | 'fail';
  score: number;
  items: FixItem[];
}

export interface FixOwner {
  owner: string;
  /** Number of the reminder letter (提醒函) sent to this unit for the run, when one was issued. */
  letterNo?: string;
  sites: FixSite[];
}

/** The unit a site's problems are sent to: the registry's 主办单位, else the site's name (else its id). */
export function fixOwnerOf(site: SiteRef): string {
  return site.owner ?? site.name ?? site.id;
}

/** 整改清单: per owner unit (主办单位; the site name when the registry names none), every problem to fix with its evidence. */
export function fixList(db: DB, runId: string, kind: SiteRef['kind'] | undefined, rules: Rules, groups: GroupsConfig, severities: Severity[] = ['veto', 'deduction', 'warning']): FixOwner[] {
  const sites = loadRunSites(db, runId)
    .filter((s) => (!kind || s.site.kind === kind) && s.result?.outcome === 'checked')
    .sort(siteOrder(groups));
  const all = loadFindings(db, runId, { severities });
  const bySite = new Map<string, StoredFinding[]>();
  for (const f of all) bySite.set(f.siteId, [...(bySite.get(f.siteId) ?? []), f]);
  const owners = new Map<string, FixOwner>();
  const letters = letterNumbers(db, runId);
  for (const s of sites) {
    const fs = bySite.get(s.site.id) ?? [];
    if (!fs.length) continue;
    const owner = fixOwnerOf(s.site);
    const letterNo = letters.get(owner);
    const entry = owners.get(owner) ?? { owner, ...(letterNo ? { letterNo } : {}), sites: [] };
    owners.set(owner, entry);
    entry.sites.push({
      site: s.site,
      verdict: s.result!.verdict,
      score: s.result!.score,
      items: fs.map((f) => ({
        rule: f.rule,
        ruleTitle: f.rule ? ruleTitle(rules, f.rule) : undefined,
        severity: f.severity,
        tier: f.tier,
        points: f.points,
        message: f.message,
        messageEn: f.messageEn,
        url: f.url,
        target: f.target,
        evidence: f.evidence,
        checkId: f.checkId,
      })),
    });
  }
  return [...owners.values()];
}

export interface SiteChanges {
  site: SiteRef;
  /** Verdicts this quarter and last (undefined when not checked last quarter). */
  verdict: 'pass' | 'fail';
  previousVerdict?: 'pass' | 'fail';
  firstInspection: boolean;
  new: StoredFinding[];
  fixed: StoredFinding[];
  persisting: StoredFinding[];
}

export interface ChangesReport {
  runId: string;
  previousRunId: string;
  sites: SiteChanges[];
  totals: { new: number; fixed: number; persisting: number; newlyFailing: number; nowPassing: number };
}

/**
 * Quarter over quarter, per site checked in this run: problems (findings that count towards the verdict)
 * new since the previous run, fixed since it, and persisting. Problems are matched by fingerprint
 * (site, check, code, rule, target), so the same broken link is the same problem in both quarters.
 */
export function quarterChanges(db: DB, runId: string, previousRunId: string, rules: Rules, groups: GroupsConfig, kind?: SiteRef['kind']): ChangesReport {
  const now = loadRunSites(db, runId)
    .filter((s) => (!kind || s.site.kind === kind) && s.result?.outcome === 'checked')
    .sort(siteOrder(groups));
  const prevSites = new Map(
    loadRunSites(db, previousRunId)
      .filter((s) => s.result?.outcome === 'checked')
      .map((s) => [s.site.id, s]),
  );
  const problems = (id: string) => {
    const by = new Map<string, StoredFinding[]>();
    for (const f of loadFindings(db, id, { severities: ['veto', 'deduction'] }).filter((x) => countsTowardVerdict(x, rules))) by.set(f.siteId, [...(by.get(f.siteId) ?? []), f]);
    return by;
  };
  const cur = problems(runId);
  const prev = problems(previousRunId);
  const totals = { new: 0, fixed: 0, persisting: 0, newlyFailing: 0, nowPassing: 0 };
  const sites: SiteChanges[] = now.map((s) => {
    const p = prevSites.get(s.site.id);
    const a = cur.get(s.site.id) ?? [];
    const b = p ? (prev.get(s.site.id) ?? []) : [];
    const bKeys = new Set(b.map((f) => f.fingerprint));
    const aKeys = new Set(a.map((f) => f.fingerprint));
    const c: SiteChanges = {
      site: s.site,
      verdict: s.result!.verdict,
      previousVerdict: p?.result?.verdict,
      firstInspection: !p,
      new: a.filter((f) => !bKeys.has(f.fingerprint)),
      fixed: b.filter((f) => !aKeys.has(f.fingerprint)),
      persisting: a.filter((f) => bKeys.has(f.fingerprint)),
    };
    totals.new += c.new.length;
    totals.fixed += c.fixed.length;
    totals.persisting += c.persisting.length;
    if (c.previousVerdict === 'pass' && c.verdict === 'fail') totals.newlyFailing++;
    if (c.previousVerdict === 'fail' && c.verdict === 'pass') totals.nowPassing++;
    return c;
  });
  return { runId, previousRunId, sites, totals };
}

export interface ProblemCategory {
  rule: string;
  title: { zh: string; en: string };
  kind: 'veto' | 'deduction';
  siteKind: SiteRef['kind'];
  /** Checked sites with at least one counted finding of this rule. */
  sites: number;
  /** Of them, sites this rule failed (veto), or that failed with deductions of this rule. */
  failed: number;
  findings: number;
  examples: Array<{ site: SiteRef; message: string; messageEn: string; url: string; target?: string }>;
}

/** Problems grouped by indicator (category), vetoes first, then by how many sites they touch. */
export function problemCategories(db: DB, runId: string, rules: Rules, maxExamples = 3): ProblemCategory[] {
  const sites = new Map(
    loadRunSites(db, runId)
      .filter((s) => s.result?.outcome === 'checked')
      .map((s) => [s.site.id, s]),
  );
  const cats = new Map<string, ProblemCategory & { siteIds: Set<string>; failedIds: Set<string> }>();
  for (const f of loadFindings(db, runId, { severities: ['veto', 'deduction'] })) {
    const s = sites.get(f.siteId);
    if (!s || !countsTowardVerdict(f, rules) || !f.rule) continue;
    const kind = f.severity === 'veto' ? 'veto' : 'deduction';
    const key = `${s.site.kind}|${f.rule}|${kind}`;
    let c = cats.get(key);
    if (!c) {
      c = { rule: f.rule, title: ruleTitle(rules, f.rule), kind, siteKind: s.site.kind, sites: 0, failed: 0, findings: 0, examples: [], siteIds: new Set(), failedIds: new Set() };
      cats.set(key, c);
    }
    c.findings++;
    if (!c.siteIds.has(f.siteId)) {
      c.siteIds.add(f.siteId);
      if (c.examples.length < maxExamples) c.examples.push({ site: s.site, message: f.message, messageEn: f.messageEn, url: f.url, target: f.target });
    }
    if (s.result!.verdict === 'fail') c.failedIds.add(f.siteId);
  }
  return [...cats.values()]
    .map(({ siteIds, failedIds, ...c }) => ({ ...c, sites: siteIds.size, failed: failedIds.size }))
    .sort((a, b) => (a.siteKind === b.siteKind ? 0 : a.siteKind === 'website' ? -1 : 1) || (a.kind === b.kind ? 0 : a.kind === 'veto' ? -1 : 1) || b.sites - a.sites || a.rule.localeCompare(b.rule));
}
