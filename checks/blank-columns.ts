/**
 * blank-columns — W-V3 (c) 空白栏目.
 *
 * A blank column is a column entry (navigation link, home-page block, list page) that leads to no items:
 * a placeholder such as 暂无信息 / 暂无数据 / 正在建设中 / 栏目建设中, a Hanweb jpage datastore with an empty
 * `<recordset>`, a list page with nothing on it, or a dead column page (HTTP error). Five or more blank
 * columns fail the site (threshold in options); monitors warn above two. Each blank column is reported with
 * its name, URL, class, what was seen and which pages link to it.
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/checks/api.js';
import { columnOptionsShape, effectiveClasses, discoverColumns, httpProbe } from '../src/content/columns.js';
import { analyzePage, DEFAULT_PLACEHOLDERS, type PageContent } from '../src/content/page.js';

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
    title: { zh: '空白栏目', en: 'Blank columns' },
    description: {
      zh: '栏目入口指向无内容的页面（“暂无信息”“正在建设中”等占位文字、空列表、无法打开的栏目页）即为空白栏目；5 个以上为单项否决，超过 2 个预警。',
      en: 'A column entry that leads to no content (placeholder text such as 暂无信息 or 正在建设中, an empty list, a dead column page) is a blank column; 5 or more is a veto, more than 2 a warning.',
    },
    scope: ['website'],
    rules: ['W-V3'],
    options: z.object({
      ...columnOptionsShape,
      placeholders: z.array(z.string()).default(DEFAULT_PLACEHOLDERS),
      /** W-V3 (c): blank columns that fail the site. */
      vetoAt: z.number().int().positive().default(5),
      /** Early warning (monitors): more than this many blank columns. */
      warnAbove: z.number().int().nonnegative().default(2),
      /** Count dead column pages (HTTP errors) as blank columns. */
      countDead: z.boolean().default(true),
    }),
    messages: {
      blank: { zh: '空白栏目“{name}”：{reason}（{detail}）', en: 'Blank column "{name}": {reasonEn} ({detail})' },
      'blank-veto': { zh: '空白栏目 {count} 个，达到否决线 {limit} 个', en: '{count} blank columns, at or over the veto line of {limit}' },
      unverified: { zh: '{count} 个栏目链接超出抓取范围且未核验（maxProbes 上限）', en: '{count} column links beyond the crawl bounds were not verified (maxProbes limit)' },
      'blank-warning': { zh: '空白栏目已有 {count} 个，超过预警线 {warn} 个（否决线 {limit} 个）', en: '{count} blank columns, over the warning line of {warn} (veto line {limit})' },
    },
  },
  collect(ctx, options) {
    return analyzePage(ctx, { placeholders: options.placeholders });
  },
  async run(site, ctx) {
    const o = ctx.options;
    if (!site.home || site.home.error) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const d = await discoverColumns(site, {
      asOf: ctx.asOf,
      classes: effectiveClasses(o),
      ignoreLinks: o.ignoreLinks,
      blankMaxTextChars: o.blankMaxTextChars,
      maxProbes: o.maxProbes,
      probe: o.maxProbes > 0 ? httpProbe(ctx.http) : undefined,
      analyze: { placeholders: o.placeholders },
      contentOf: (p) => p.collected[ID] as PageContent | undefined,
    });
    const blank = d.columns.filter((c) => c.blank && (o.countDead || c.blank.reason !== 'dead'));
    const findings: FindingInput[] = blank.map((c) => {
      const reason = REASON[c.blank!.reason];
      const url = c.url ?? c.seenOn;
      return {
        code: 'blank',
        params: { name: c.name, reason: reason.zh, reasonEn: reason.en, detail: c.blank!.detail || '-' },
        severity: 'info',
        rule: 'W-V3',
        url,
        target: url,
        evidence: {
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
    const homeUrl = site.home.finalUrl;
    const list = blank.map((c) => ({ name: c.name, url: c.url ?? c.seenOn, reason: c.blank!.reason }));
    if (blank.length >= o.vetoAt) {
      findings.unshift({ code: 'blank-veto', params: { count: blank.length, limit: o.vetoAt }, severity: 'veto', rule: 'W-V3', url: homeUrl, evidence: { expected: `fewer than ${o.vetoAt} blank columns`, actual: String(blank.length), columns: list } });
    } else if (blank.length > o.warnAbove) {
      findings.unshift({ code: 'blank-warning', params: { count: blank.length, warn: o.warnAbove, limit: o.vetoAt }, severity: 'warning', rule: 'W-V3', url: homeUrl, evidence: { expected: `at most ${o.warnAbove} blank columns`, actual: String(blank.length), columns: list } });
    }
    if (d.unverified.length) {
      findings.push({ code: 'unverified', params: { count: d.unverified.length }, severity: 'info', url: homeUrl, evidence: { expected: 'every column link verified', actual: `${d.unverified.length} not fetched`, links: d.unverified.slice(0, 50) } });
    }
    return { findings, summary: { columns: d.columns.length, blank: blank.length, byReason: Object.fromEntries(Object.keys(REASON).map((r) => [r, blank.filter((c) => c.blank!.reason === r).length])), unverifiedColumnLinks: d.unverified.length } };
  },
});
