/**
 * blank-columns — W-V3 (c) 空白栏目: column entries that lead to no items (a placeholder such as 暂无信息, an empty
 * Hanweb `<recordset>`, an empty list page, a dead column page). Five or more fail the site (option), monitors warn
 * above two. Details: docs/checks.md "W-V3".
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { columnView } from '../src/analysis/content/columns.js';
import { collectColumnPage, columnCheckOptionsShape, discoverSiteColumns } from '../src/analysis/content/column-check.js';

const ID = 'blank-columns';

const REASON = {
  dead: { zh: '栏目页无法打开', en: 'column page does not open' },
  placeholder: { zh: '显示占位文字', en: 'shows a placeholder' },
  'empty-recordset': { zh: '列表数据为空', en: 'empty list data (recordset)' },
  'no-items': { zh: '栏目无任何信息', en: 'no items at all' },
} as const;

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-V3'],
    options: z.object({
      ...columnCheckOptionsShape,
      /** W-V3 (c): blank columns that fail the site. */
      vetoAt: z.number().int().positive().default(5),
      /** Early warning (monitors): more than this many blank columns. */
      warnAbove: z.number().int().nonnegative().default(2),
      /** List column pages that answer 404/410 as suspected blank columns (never counted toward the confirmed veto). */
      countDead: z.boolean().default(true),
    }),
  },
  collect: collectColumnPage,
  async run(site, ctx) {
    const o = ctx.options;
    if (!site.home || site.home.error) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const d = await discoverSiteColumns(site, ctx);
    const blank = d.columns.filter((c) => c.blank && (o.countDead || c.blank.reason !== 'dead'));
    // Counted toward the veto: columns seen empty. A 404 column page is a broken link (W-D1) and only a suspected blank column.
    const counted = blank.filter((c) => !c.blank!.suspected);
    const suspectedBlank = blank.filter((c) => c.blank!.suspected);
    const findings: FindingInput[] = blank.map((c) => {
      const reason = REASON[c.blank!.reason];
      const url = c.url ?? c.seenOn;
      return {
        code: 'blank',
        params: { name: c.name, reason: reason.zh, reasonEn: reason.en, detail: c.blank!.detail || '-' },
        severity: 'info',
        ...(c.blank!.suspected ? { tier: 'suspected' as const } : {}),
        rule: 'W-V3',
        url,
        target: url,
        evidence: {
          ...(c.blank!.suspected ? { note: 'the column page answers 404/410: a broken link under W-D1; whether a column exists and is empty is for review, not counted toward the veto' } : {}),
          column: c.name,
          columnUrl: url,
          class: c.classId ?? null,
          classLabel: c.classLabel ?? null,
          level: c.level,
          reason: c.blank!.reason,
          placeholder: c.blank!.reason === 'placeholder' ? c.blank!.detail : undefined,
          status: c.blank!.status,
          snippet: c.blank!.detail,
          linkedFrom: c.linkedFrom.slice(0, 10),
          seenOn: c.seenOn,
          expected: 'a column with published items',
          actual: `${reason.en}: ${c.blank!.detail || '-'}`,
        },
      };
    });
    const homeUrl = d.home?.url ?? site.home.finalUrl;
    const list = counted.map((c) => ({ name: c.name, url: c.url ?? c.seenOn, reason: c.blank!.reason }));
    const suspectedList = suspectedBlank.map((c) => ({ name: c.name, url: c.url ?? c.seenOn, reason: c.blank!.reason, status: c.blank!.status }));
    if (counted.length >= o.vetoAt) {
      findings.unshift({
        code: 'blank-veto',
        params: { count: counted.length, limit: o.vetoAt },
        severity: 'veto',
        rule: 'W-V3',
        url: homeUrl,
        evidence: { expected: `fewer than ${o.vetoAt} blank columns`, actual: String(counted.length), columns: list, suspected: suspectedList },
      });
    } else if (counted.length + suspectedBlank.length >= o.vetoAt) {
      findings.unshift({
        code: 'blank-veto',
        params: { count: counted.length + suspectedBlank.length, limit: o.vetoAt },
        severity: 'veto',
        tier: 'suspected',
        rule: 'W-V3',
        url: homeUrl,
        evidence: {
          expected: `fewer than ${o.vetoAt} blank columns`,
          actual: `${counted.length} seen empty + ${suspectedBlank.length} with a 404 column page`,
          columns: list,
          suspected: suspectedList,
          note: 'columns whose page answers 404 are broken links (W-D1); counted here only for review',
        },
      });
    } else if (counted.length > o.warnAbove) {
      findings.unshift({
        code: 'blank-warning',
        params: { count: counted.length, warn: o.warnAbove, limit: o.vetoAt },
        severity: 'warning',
        rule: 'W-V3',
        url: homeUrl,
        evidence: { expected: `at most ${o.warnAbove} blank columns`, actual: String(counted.length), columns: list },
      });
    }
    if (d.unreachable.length) {
      findings.push({
        code: 'not-checked',
        params: { count: d.unreachable.length },
        severity: 'info',
        tier: 'suspected',
        url: homeUrl,
        evidence: {
          expected: 'column pages that answer with their content',
          actual: `${d.unreachable.length} could not be checked`,
          pages: d.unreachable.slice(0, 50),
          note: 'a page that does not answer, or is built by script, is neither blank nor stale: use render: browser or check again',
        },
      });
    }
    if (d.home?.scriptBuilt) {
      findings.push({
        code: 'home-script-built',
        severity: 'info',
        tier: 'suspected',
        url: homeUrl,
        evidence: { signals: d.home.scriptBuilt, note: 'the home page is built by script: blocks it fills are not seen in its HTML; use render: browser' },
      });
    }
    if (d.startArticle) {
      findings.push({
        code: d.startArticle.home ? 'start-article' : 'home-not-found',
        params: { url: d.startArticle.url, home: d.startArticle.home ?? '-' },
        severity: 'info',
        tier: d.startArticle.home ? 'confirmed' : 'suspected',
        rule: d.startArticle.home ? undefined : 'W-V3',
        url: d.startArticle.url,
        evidence: { ...d.startArticle },
      });
    }
    if (d.unverified.length) {
      findings.push({
        code: 'unverified',
        params: { count: d.unverified.length },
        severity: 'info',
        url: homeUrl,
        evidence: { expected: 'every column link verified', actual: `${d.unverified.length} not fetched`, links: d.unverified.slice(0, 50) },
      });
    }
    return {
      findings,
      summary: {
        columns: d.columns.length,
        blank: counted.length,
        suspectedBlank: suspectedBlank.length,
        notChecked: d.unreachable.length,
        notColumns: d.notColumns.slice(0, 30),
        startArticle: d.startArticle ? { home: d.startArticle.home ?? null } : undefined,
        table: d.columns.slice(0, 100).map(columnView),
        byReason: Object.fromEntries(Object.keys(REASON).map((r) => [r, blank.filter((c) => c.blank!.reason === r).length])),
        unverifiedColumnLinks: d.unverified.length,
      },
    };
  },
});
