/**
 * A generated database of a province-sized quarterly run for the review app's scale benchmark
 * (bench/serve-scale.ts): N sites (websites and new-media accounts in the configured groups, several per owner) and
 * F findings, written in one transaction with prepared statements. Notes: docs/modules.md.
 */
import type { Rules } from '../src/config.js';
import type { GroupsConfig } from '../src/registry/groups.js';
import { fingerprint, openDb } from '../src/store/db.js';
import type { Finding, Severity, SiteRef } from '../src/types.js';
import { computeVerdict } from '../src/verdict.js';
import { rng } from '../tests/fixtures/site.js';

export interface ScaleDb {
  file: string;
  runId: string;
  sites: number;
  findings: number;
  /** A site with a typical number of findings, and the one with the most. */
  typicalSite: string;
  heaviestSite: { id: string; findings: number };
  /** A group and an owner that exist, for filtered lists. */
  group: string;
  ms: number;
}

const COLUMNS = ['政务公开', '通知公告', '政策文件', '政策解读', '人事信息', '财政资金', '工作动态', '互动交流'];
const WORDS = [
  ['部署', '布署'],
  ['办公室', '办工室'],
  ['贯彻落实', '贯切落实'],
  ['既然', '即然'],
];

export function generateScaleDb(file: string, o: { sites: number; findings: number; rules: Rules; groups: GroupsConfig; runId?: string; heavySites?: number; heavyFindings?: number }): ScaleDb {
  const t0 = performance.now();
  const runId = o.runId ?? '2024Q2';
  const rand = rng(20240620);
  const db = openDb(file);
  const groups = o.groups.groups;
  const now = '2024-06-21T08:00:00.000Z';
  const heavy = o.heavySites ?? 4;
  const heavyN = o.heavyFindings ?? 5000;
  // Findings per site: the heavy sites heavyN each, the others share the rest evenly (±25) and the last one
  // takes what is left, so the run has exactly o.findings (a site's veto counts among them).
  const inspected = (i: number) => i % 60 !== 59;
  let regularLeft = 0;
  for (let i = heavy; i < o.sites; i++) if (inspected(i)) regularLeft++;
  const restPer = (o.findings - heavy * heavyN) / regularLeft;
  let planned = 0;
  let written = 0;
  let typical = '';
  let heaviest = { id: '', findings: 0 };

  const insSite = db.prepare(`INSERT INTO sites (id, url, name, kind, grp, owner, platform, status, in_registry, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'operating', 1, ?)`);
  const insRunSite = db.prepare(`INSERT INTO run_sites (run_id, site_id, kind, grp, owner, name, url, site_json, planned, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`);
  const insResult = db.prepare(`INSERT INTO site_results (run_id, site_id, url, verdict, score, decided_by_json, stats_json, error_kind, error_message, started_at, finished_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insCheck = db.prepare(`INSERT INTO check_results (run_id, site_id, check_id, status, error, duration_ms, summary_json) VALUES (?, ?, ?, ?, NULL, ?, NULL)`);
  const insFinding = db.prepare(
    `INSERT INTO findings (run_id, site_id, check_id, seq, rule, severity, tier, points, url, target, code, params_json, message, message_en, evidence_json, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insReview = db.prepare(`INSERT INTO finding_reviews (site_id, fingerprint, check_id, run_id, finding_id, status, comment, reviewer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const markExcluded = db.prepare(`UPDATE findings SET excluded = 'false_positive' WHERE id = ?`);

  db.transaction(() => {
    db.prepare(`INSERT INTO runs (id, kind, quarter, as_of, status, options_json, created_at, finished_at, rules_json) VALUES (?, 'quarter', '2024Q2', '2024-06-20', 'done', '{}', ?, ?, ?)`).run(runId, now, now, JSON.stringify(o.rules));
    for (let i = 0; i < o.sites; i++) {
      const g = groups[i % groups.length];
      const newmedia = i % 7 === 6;
      const id = `${newmedia ? 'nm' : 'www'}${String(i).padStart(5, '0')}.${['gov', 'org'][i % 2]}.example`;
      const ownerNo = Math.floor(i / groups.length / 3);
      const owner = `${g}第${ownerNo}局`;
      const site: SiteRef = newmedia
        ? { id, url: `https://${id}/feed.xml`, name: `${owner}发布${i}`, kind: 'newmedia', group: g, owner, platform: ['微信公众号', '微博', '抖音'][i % 3] }
        : { id, url: `https://${id}/`, name: `${owner}网站${i}`, kind: 'website', group: g, owner };
      insSite.run(id, site.url, site.name, site.kind, g, owner, site.platform ?? null, now);
      insRunSite.run(runId, id, site.kind, g, owner, site.name, site.url, JSON.stringify(site), now);

      // 1 in 60 could not be inspected (listed for manual review, not counted).
      if (!inspected(i)) {
        insResult.run(runId, id, site.url, 'fail', 0, '[]', '{"pages":0}', 'dns_error', 'host not found', now, now, 'error');
        continue;
      }
      let total = heavyN;
      if (i >= heavy) {
        const left = o.findings - planned - heavyN * Math.max(0, heavy - i);
        total = --regularLeft === 0 ? left : Math.max(0, Math.min(left, Math.round(left / (regularLeft + 1) + (rand() - 0.5) * 50)));
      }
      planned += total;
      // 1 in 12 sites has a veto (home page unreachable, or an account not updated), one of its findings.
      const hasVeto = i % 12 === 5 && total > 0;
      const n = hasVeto ? total - 1 : total;
      const fs: Array<Finding & { checkId: string }> = [];
      for (let k = 0; k < n; k++) {
        const r = rand();
        const page = `${site.url}${COLUMNS[k % COLUMNS.length]}/art_${k}.html`;
        let f: Finding;
        if (i < heavy || r < 0.45) {
          const target = `${site.url}files/${k}.html`;
          f = {
            checkId: 'broken-links',
            rule: newmedia ? 'M-D1' : 'W-D1',
            severity: 'deduction',
            tier: 'confirmed',
            points: k === 0 ? 1 : 0.1,
            url: page,
            target,
            code: 'broken',
            params: { target, status: 'HTTP 404' },
            message: `链接不可用：${target} 返回 HTTP 404`,
            messageEn: `Broken link: ${target} answers HTTP 404`,
            evidence: { location: `#content a:nth-of-type(${(k % 9) + 1})`, expected: 'HTTP 200', actual: 'HTTP 404', parentCount: 1 },
          };
        } else if (r < 0.6) {
          const [right, wrong] = WORDS[k % WORDS.length];
          f = {
            checkId: 'typos',
            rule: 'W-D3',
            severity: rand() < 0.3 ? 'deduction' : 'warning',
            tier: rand() < 0.5 ? 'confirmed' : 'suspected',
            points: 1,
            url: page,
            target: wrong,
            code: 'typo',
            params: { wrong, right },
            message: `疑似错别字“${wrong}”，应为“${right}”`,
            messageEn: `Possible typo “${wrong}” for “${right}”`,
            evidence: { snippet: `……认真${wrong}全省政府网站工作要点……`, match: wrong },
          };
        } else if (r < 0.75) {
          const col = COLUMNS[k % COLUMNS.length];
          f = {
            checkId: 'column-updates',
            rule: 'W-D4',
            severity: 'deduction',
            tier: 'confirmed',
            points: 1,
            url: page,
            target: col,
            code: 'column-late',
            params: { column: col, days: 90 + (k % 200) },
            message: `栏目“${col}”超过 ${90 + (k % 200)} 天未更新`,
            messageEn: `Column “${col}” not updated for ${90 + (k % 200)} days`,
            evidence: { expected: '≤ 90 天', actual: `${90 + (k % 200)} 天`, location: `#nav li:nth-child(${(k % 8) + 1})` },
          };
        } else {
          const header = ['content-security-policy', 'x-frame-options', 'strict-transport-security', 'x-content-type-options'][k % 4];
          f = {
            checkId: 'security-headers',
            severity: r < 0.9 ? 'warning' : 'info',
            tier: 'confirmed',
            url: page,
            target: `${header}#${k}`,
            code: 'missing-header',
            params: { header },
            message: `缺少安全响应头 ${header}`,
            messageEn: `Missing security header ${header}`,
            evidence: { expected: header, actual: '(none)' },
          };
        }
        fs.push(f);
      }
      if (hasVeto) {
        fs.push({
          checkId: newmedia ? 'newmedia-update' : 'availability',
          rule: newmedia ? 'M-V2' : 'W-V1',
          severity: 'veto',
          tier: 'confirmed',
          url: site.url,
          code: newmedia ? 'stale' : 'home-unreachable',
          params: {},
          message: newmedia ? '账号超过 2 周未更新' : '首页无法访问（HTTP 503）',
          messageEn: newmedia ? 'Account not updated for over 2 weeks' : 'Home page unreachable (HTTP 503)',
          evidence: { expected: 'HTTP 200', actual: 'HTTP 503' },
        });
      }
      const v = computeVerdict(fs, o.rules);
      insResult.run(runId, id, site.url, v.verdict, v.score, JSON.stringify(v.decidedBy), JSON.stringify({ pages: 40 + (i % 30), links: 600 + (i % 400), durationMs: 30_000 }), null, null, now, now, 'checked');
      const byCheck = new Map<string, Finding[]>();
      for (const f of fs) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
      for (const c of ['availability', 'broken-links', 'typos', 'column-updates', 'security-headers', ...(newmedia ? ['newmedia-update'] : [])]) {
        const list = byCheck.get(c) ?? [];
        insCheck.run(runId, id, c, list.some((f) => f.severity === 'veto' || f.severity === 'deduction') ? 'fail' : 'pass', 100);
      }
      for (const [c, list] of byCheck) {
        list.forEach((f, seq) => {
          const fp = fingerprint(id, f);
          const info = insFinding.run(runId, id, c, seq, f.rule ?? null, f.severity as Severity, f.tier, f.points ?? null, f.url, f.target ?? null, f.code, JSON.stringify(f.params), f.message, f.messageEn, JSON.stringify(f.evidence), fp);
          written++;
          // Reviews: a dispute on 1 in 500 problems, a confirmed false positive on 1 in 1,500.
          if (f.severity !== 'info' && written % 500 === 0) insReview.run(id, fp, c, runId, Number(info.lastInsertRowid), 'disputed', '已整改，请复核', '联络员', now);
          if (f.severity !== 'info' && written % 1500 === 7) {
            insReview.run(id, fp, c, runId, Number(info.lastInsertRowid), 'false_positive', '核实为误报', '检查员', now);
            markExcluded.run(Number(info.lastInsertRowid));
          }
        });
      }
      if (fs.length > heaviest.findings) heaviest = { id, findings: fs.length };
      if (!typical && i > heavy && Math.abs(fs.length - restPer) < 3 && v.verdict === 'fail') typical = id;
    }
  })();
  db.pragma('optimize');
  db.close();
  return { file, runId, sites: o.sites, findings: written, typicalSite: typical, heaviestSite: heaviest, group: groups[1], ms: performance.now() - t0 };
}
