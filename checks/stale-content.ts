/**
 * stale-content — W-V2 首页不更新, W-V3 (a)(b) 栏目不更新, W-D4 栏目更新不及时: the home page's newest dated item and
 * every column's, by class, against the lines, counted to the inspection date (as-of). Column pages beyond the crawl
 * are fetched once through the shared client. Lines and evidence: docs/checks.md "W-V2", "W-V3", "W-D4".
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { columnView, type Column } from '../src/analysis/content/columns.js';
import { collectColumnPage, columnCheckOptionsShape, discoverSiteColumns } from '../src/analysis/content/column-check.js';
import { daysBetween } from '../src/china-time.js';

const ID = 'stale-content';

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-V2', 'W-V3', 'W-D4'],
    options: z.object({
      ...columnCheckOptionsShape,
      /** W-V2: days without a new item on the home page before the veto. */
      homeMaxAgeDays: z.number().int().positive().default(14),
      /** Early warning (monitors): home page this many days without an update. */
      homeWarnDays: z.number().int().positive().default(10),
      /** Items without any date count as not updated (practice). */
      undatedCountsAsStale: z.boolean().default(true),
      /** W-V3 (a): stale dynamic + first-level notice/policy columns that fail the site. */
      vetoA: z.number().int().positive().default(5),
      warnA: z.number().int().positive().default(3),
      /** W-V3 (b): should-update columns long not updated that fail the site. */
      vetoB: z.number().int().positive().default(10),
      warnB: z.number().int().positive().default(7),
      /** Dated columns whose name no class matches: 'ignore' (named in an info finding) or a class id to treat them as. */
      unclassified: z.string().default('ignore'),
    }),
  },
  collect: collectColumnPage,
  async run(site, ctx) {
    const o = ctx.options;
    const asOf = ctx.asOf;
    if (!site.home || site.home.error) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const d = await discoverSiteColumns(site, ctx);
    const findings: FindingInput[] = [];
    // Nothing dated where a date was looked for: the dates may be out of sight (script, image, an unread
    // format), so an undated home page or column is only suspected, whatever other pages show.
    const tier = 'suspected' as const;
    const homeUrl = d.home?.url ?? site.startUrl;

    // W-V2: home page. From an article start page, the site's home page found from it; never the article itself.
    const h = d.home;
    if (d.startArticle && !h) {
      findings.push({
        code: 'home-not-found',
        params: { url: d.startArticle.url },
        severity: 'warning',
        tier: 'suspected',
        rule: 'W-V2',
        url: d.startArticle.url,
        target: d.startArticle.url,
        evidence: {
          expected: 'the site home page, to judge W-V2',
          actual: `the registered address is not the home page (${d.startArticle.signals.join('; ')}); home page not reached: ${d.startArticle.failure ?? '-'}`,
          tried: d.startArticle.tried,
          note: 'could not be checked: not a W-V2 finding',
        },
      });
    } else if (d.startArticle && h) {
      findings.push({ code: 'start-article', params: { url: d.startArticle.url, home: h.url }, severity: 'info', url: d.startArticle.url, evidence: { signals: d.startArticle.signals, home: h.url } });
    }
    if (h?.scriptBuilt && !h.newest) {
      findings.push({
        code: 'home-script-built',
        severity: 'warning',
        tier: 'suspected',
        rule: 'W-V2',
        url: homeUrl,
        target: homeUrl,
        evidence: {
          expected: `dated items within ${o.homeMaxAgeDays} days before ${asOf}`,
          actual: 'the home page is built by script; its HTML shows no dated item',
          signals: h.scriptBuilt,
          note: 'could not be checked — page built by script; use render: browser',
        },
      });
    } else if (h) {
      if (h.newest) {
        const days = daysBetween(h.newest.date!, asOf);
        const evidence = {
          location: 'home page lists',
          expected: `newest item within ${o.homeMaxAgeDays} days before ${asOf}`,
          actual: `${h.newest.date} (${days} days)`,
          newestDate: h.newest.date,
          newestTitle: h.newest.title,
          newestUrl: h.newest.href,
          dateSource: h.newest.source,
          daysStale: days,
          datedItems: h.dated,
          undatedItems: h.undated,
          asOf,
        };
        if (days > o.homeMaxAgeDays) findings.push({ code: 'home-stale', params: { days, newest: h.newest.date!, limit: o.homeMaxAgeDays }, severity: 'veto', rule: 'W-V2', url: homeUrl, target: homeUrl, evidence });
        else if (days >= o.homeWarnDays) findings.push({ code: 'home-warning', params: { days, newest: h.newest.date!, limit: o.homeMaxAgeDays }, severity: 'warning', rule: 'W-V2', url: homeUrl, target: homeUrl, evidence });
      } else {
        const sn = h.secondLevel?.newest;
        const days = sn ? daysBetween(sn.date!, asOf) : undefined;
        if (!sn && o.undatedCountsAsStale) {
          findings.push({
            code: 'home-undated',
            severity: 'veto',
            tier,
            rule: 'W-V2',
            url: homeUrl,
            target: homeUrl,
            evidence: {
              expected: `dated items within ${o.homeMaxAgeDays} days before ${asOf}`,
              actual: `${h.items.length} items on the home page, none dated; no dated second-level page`,
              items: h.items.slice(0, 10).map((i) => i.title),
              asOf,
              reason: `suspected: no date could be read on the home page or its second-level pages${d.anyDates ? ' (other pages of the site carry dates)' : ''}; dates may be drawn by script or images`,
            },
          });
        } else if (sn && days! > o.homeMaxAgeDays) {
          findings.push({
            code: 'home-nav-stale',
            params: { newest: sn.date!, limit: o.homeMaxAgeDays },
            severity: 'veto',
            rule: 'W-V2',
            url: homeUrl,
            target: homeUrl,
            evidence: {
              expected: `a second-level page updated within ${o.homeMaxAgeDays} days`,
              actual: `newest ${sn.date} (${days} days) on ${sn.listedOn}`,
              newestDate: sn.date,
              newestTitle: sn.title,
              newestUrl: sn.href,
              daysStale: days,
              secondLevelPages: h.secondLevel?.pages,
              asOf,
            },
          });
        } else if (sn && days! >= o.homeWarnDays) {
          findings.push({
            code: 'home-warning',
            params: { days: days!, newest: sn.date!, limit: o.homeMaxAgeDays },
            severity: 'warning',
            rule: 'W-V2',
            url: homeUrl,
            target: homeUrl,
            evidence: { expected: `within ${o.homeMaxAgeDays} days`, actual: `${sn.date} (${days} days)`, navigationOnly: true },
          });
        }
      }
    }

    // W-V3 (a)(b), W-D4: columns.
    const unclassified: Column[] = [];
    let countA = 0;
    let countB = 0;
    const staleA: string[] = [];
    const staleB: string[] = [];
    const byClass: Record<string, number> = {};
    const fallback = o.unclassified !== 'ignore' ? o.classes.find((c) => c.id === o.unclassified) : undefined;
    for (const col of d.columns) {
      if (col.blank) continue; // blank columns are blank-columns' business (W-V3 c)
      if (!col.items.length) continue;
      if (!col.classId && fallback) {
        col.classId = fallback.id;
        col.classLabel = fallback.label;
        col.maxAgeDays = fallback.maxAgeDays;
        col.veto = fallback.veto;
        col.deduction = fallback.deduction;
      }
      byClass[col.classId ?? 'unclassified'] = (byClass[col.classId ?? 'unclassified'] ?? 0) + 1;
      if (!col.classId) {
        if (col.dated) unclassified.push(col);
        continue;
      }
      if (!col.maxAgeDays) continue;
      const undated = !col.newest && col.dated === 0;
      const stale = col.newest ? col.ageDays! > col.maxAgeDays : undated && o.undatedCountsAsStale;
      if (!stale) continue;
      const counts = col.veto === 'a' || (col.veto === 'a-first-level' && col.level === 1) ? 'a' : col.veto === 'none' ? 'none' : 'b';
      const colTier = undated ? tier : 'confirmed';
      if (colTier === 'confirmed') {
        if (counts === 'a') {
          countA++;
          staleA.push(col.name);
        } else if (counts === 'b') {
          countB++;
          staleB.push(col.name);
        }
      }
      const points = col.deduction && col.deduction !== 'none' ? ctx.rulePoints('W-D4', col.deduction) : undefined;
      const className = col.classLabel?.zh ?? col.classId;
      const evidence = {
        column: col.name,
        columnUrl: col.url ?? col.seenOn,
        class: col.classId,
        classLabel: col.classLabel,
        matchedBy: col.matched,
        level: col.level,
        newestDate: col.newest?.date ?? null,
        newestTitle: col.newest?.title,
        newestUrl: col.newest?.href,
        dateSource: col.newest?.source,
        daysStale: col.ageDays ?? null,
        limitDays: col.maxAgeDays,
        items: col.items.length,
        countsToward: counts === 'none' ? null : `W-V3(${counts})`,
        expected: `a new item within ${col.maxAgeDays} days before ${asOf}`,
        actual: col.newest ? `${col.newest.date} (${col.ageDays} days)` : `${col.items.length} items, none dated`,
      };
      findings.push({
        code: undated ? 'column-undated' : 'column-stale',
        params: { name: col.name, class: className ?? '', classEn: col.classLabel?.en ?? col.classId ?? '', days: col.ageDays ?? '', newest: col.newest?.date ?? '', limit: col.maxAgeDays, items: col.items.length },
        severity: points !== undefined ? 'deduction' : 'warning',
        tier: colTier,
        rule: 'W-D4',
        points,
        url: col.url ?? col.seenOn,
        target: col.url ?? col.seenOn,
        evidence,
      });
    }
    const countFinding = (which: 'a' | 'b', count: number, names: string[], veto: number, warn: number) => {
      if (count >= veto) findings.push({ code: `columns-${which}`, params: { count, limit: veto }, severity: 'veto', rule: 'W-V3', url: homeUrl, evidence: { expected: `fewer than ${veto}`, actual: String(count), columns: names } });
      else if (count >= warn)
        findings.push({ code: `columns-${which}-warning`, params: { count, limit: veto }, severity: 'warning', rule: 'W-V3', url: homeUrl, evidence: { expected: `fewer than ${veto}`, actual: String(count), columns: names } });
    };
    countFinding('a', countA, staleA, o.vetoA, o.warnA);
    countFinding('b', countB, staleB, o.vetoB, o.warnB);
    if (unclassified.length) {
      findings.push({
        code: 'unclassified',
        params: {
          count: unclassified.length,
          names: unclassified
            .map((c) => c.name)
            .slice(0, 20)
            .join('、'),
        },
        severity: 'info',
        url: homeUrl,
        evidence: { columns: unclassified.slice(0, 50).map(columnView), note: 'add their names to the classes option to hold them to an update rule' },
      });
    }
    return {
      findings,
      summary: {
        homeNewest: h?.newest?.date ?? h?.secondLevel?.newest?.date ?? null,
        homeAgeDays: h?.newest ? daysBetween(h.newest.date!, asOf) : h?.secondLevel?.newest ? daysBetween(h.secondLevel.newest.date!, asOf) : null,
        columns: d.columns.length,
        byClass,
        staleA: countA,
        staleB: countB,
        unverifiedColumnLinks: d.unverified.length,
        table: d.columns.slice(0, 100).map(columnView),
      },
    };
  },
});
