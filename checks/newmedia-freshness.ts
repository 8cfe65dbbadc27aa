/**
 * newmedia-freshness — M-V2 内容不更新 (no post in `maxAgeDays` before the inspection date: veto; undated and
 * impossible dates do not count) and M-D1 更新不及时 (too few posts a week; a lower bound when the source shows only
 * its newest items). Details: docs/checks.md "M-V2", "M-D1".
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { addDays, chinaDate, daysBetween } from '../src/china-time.js';
import type { AccountPost } from '../src/types.js';

/** How a date problem is named in messages (both languages: the message templates share their parameters). */
const DATE_PROBLEM: Record<NonNullable<AccountPost['dateProblem']>, string> = {
  unparseable: '无法识别 / unreadable',
  future: '晚于抓取时间 / later than the fetch time',
  implausible: '早于 2000 年 / before 2000',
};

function postEvidence(p: AccountPost) {
  return { title: p.title, publishedAt: p.publishedAt ?? null, date: p.publishedAt ? chinaDate(p.publishedAt) : null, url: p.url ?? null, dateRaw: p.dateRaw ?? null };
}

export default defineCheck({
  meta: {
    id: 'newmedia-freshness',
    scope: ['newmedia'],
    rules: ['M-V2', 'M-D1'],
    options: z.object({
      /** M-V2: the latest post must be at most this many days before the inspection date. */
      maxAgeDays: z.number().int().positive().default(14),
      /** Warn when the latest post is older than this (monitors warn before the veto line). */
      warnAgeDays: z.number().int().positive().default(10),
      /** M-D1: the provincial norm, posts per week. */
      minPostsPerWeek: z.number().nonnegative().default(1),
      /** M-D1: the window the rate is measured over (days before the inspection date). */
      rateWindowDays: z.number().int().positive().default(28),
      /** Posts without a readable date count as not updated (practice). */
      undatedCountsAsStale: z.boolean().default(true),
    }),
  },
  run(site, { options, asOf, rulePoints }) {
    const account = site.account;
    if (!account) return { findings: [], notApplicable: 'not a new-media account' };
    const url = account.sourceUrl;
    // An unreadable source is the site result's error (checkSite sets it): nothing to judge here.
    if (account.error) return { findings: [], notApplicable: `source unreadable (${account.error.kind})`, summary: { error: account.error.kind } };
    const findings: FindingInput[] = [];
    for (const p of account.posts.filter((x) => x.dateProblem)) {
      findings.push({
        code: 'bad-date',
        params: {
          title: p.title.slice(0, 40),
          raw: p.dateRaw ?? '',
          problem: DATE_PROBLEM[p.dateProblem!],
        },
        severity: 'warning',
        url: p.url ?? url,
        target: p.url ?? url,
        evidence: { ...postEvidence(p), problem: p.dateProblem, expected: 'a real publication date', actual: p.dateRaw ?? '' },
      });
    }

    const dated = account.posts.filter((p) => p.publishedAt).map((p) => ({ p, day: chinaDate(p.publishedAt!) }));
    const asOfPosts = dated.filter((d) => d.day <= asOf).sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
    const latest = asOfPosts[0];
    const summary: Record<string, unknown> = {
      posts: account.posts.length,
      dated: dated.length,
      latest: latest ? { date: latest.day, title: latest.p.title, url: latest.p.url ?? null } : null,
    };

    if (!account.posts.length) {
      findings.push({ code: 'no-posts', severity: 'veto', rule: 'M-V2', url, target: url, evidence: { expected: `a post within ${options.maxAgeDays} days before ${asOf}`, actual: 'no posts' } });
      return { findings, summary };
    }
    if (!latest) {
      const undated = dated.length === 0;
      if (undated && !options.undatedCountsAsStale) return { findings, notApplicable: 'no post has a readable date', summary };
      findings.push(
        undated
          ? {
              code: 'no-dates',
              params: { count: account.posts.length },
              severity: 'veto',
              // posts were read but no date on them could be: the dates may be in a form we do not read
              tier: 'suspected',
              rule: 'M-V2',
              url,
              target: url,
              evidence: {
                expected: `a dated post within ${options.maxAgeDays} days before ${asOf}`,
                actual: 'no readable dates',
                posts: account.posts.slice(0, 5).map(postEvidence),
                reason: 'suspected: posts were read but none shows a date govcheck can read',
              },
            }
          : {
              code: 'no-posts',
              severity: 'veto',
              rule: 'M-V2',
              url,
              target: url,
              evidence: { expected: `a post on or before ${asOf}`, actual: 'every dated post is after the inspection date', posts: account.posts.slice(0, 5).map(postEvidence) },
            },
      );
      return { findings, summary };
    }

    const age = daysBetween(latest.day, asOf);
    summary.ageDays = age;
    if (age > options.maxAgeDays) {
      findings.push({
        code: 'stale',
        params: { date: latest.day, title: latest.p.title.slice(0, 40), days: age, limit: options.maxAgeDays },
        severity: 'veto',
        rule: 'M-V2',
        url: latest.p.url ?? url,
        target: url,
        evidence: { ...postEvidence(latest.p), expected: `a post on or after ${addDays(asOf, -options.maxAgeDays)}`, actual: latest.day, screenshotUrl: url },
      });
      return { findings, summary };
    }
    if (age > options.warnAgeDays) {
      findings.push({
        code: 'nearly-stale',
        params: { date: latest.day, days: age, limit: options.maxAgeDays },
        severity: 'warning',
        url: latest.p.url ?? url,
        target: url,
        evidence: { ...postEvidence(latest.p), expected: `≤ ${options.warnAgeDays} days`, actual: `${age} days` },
      });
    }

    // M-D1: posting rate over the window (asOf − window, asOf].
    if (options.minPostsPerWeek > 0) {
      const from = addDays(asOf, -options.rateWindowDays);
      const inWindow = asOfPosts.filter((d) => d.day > from);
      const weeks = options.rateWindowDays / 7;
      const rate = inWindow.length / weeks;
      const oldest = asOfPosts[asOfPosts.length - 1];
      // If even the oldest post the source shows is inside the window, older posts may exist unseen.
      const partial = oldest.day > from;
      summary.rate = Math.round(rate * 100) / 100;
      summary.windowDays = options.rateWindowDays;
      summary.rateIsLowerBound = partial;
      if (rate < options.minPostsPerWeek) {
        findings.push({
          code: 'low-rate',
          params: { window: options.rateWindowDays, count: inWindow.length, rate: summary.rate as number, min: options.minPostsPerWeek },
          severity: 'deduction',
          rule: 'M-D1',
          points: rulePoints('M-D1') ?? 5,
          url,
          target: url,
          evidence: {
            expected: `≥ ${options.minPostsPerWeek} a week`,
            actual: `${inWindow.length} in ${options.rateWindowDays} days`,
            posts: inWindow.map((d) => postEvidence(d.p)),
            note: partial ? 'the source shows no post older than the window: the rate is a lower bound' : undefined,
          },
        });
      }
    }
    return { findings, summary };
  },
});
