/**
 * availability — W-V1 站点无法访问, from the crawl's home page (no extra request) and, when the site was probed by
 * the scheduled rounds, the week of probes before the inspection date (src/store/probes.ts). One failed visit alone
 * is a suspected veto unless `vetoOnSingleProbe`. Details: docs/checks.md "W-V1".
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';

export default defineCheck({
  meta: {
    id: 'availability',
    scope: ['website'],
    rules: ['W-V1'],
    options: z.object({
      /** Time limit in ms (W-V1: 15 s). */
      timeoutMs: z.number().int().positive().default(15_000),
      /** Without a deciding probe series, a failed visit is a confirmed veto (true) or a suspected one (false, default). */
      vetoOnSingleProbe: z.boolean().default(false),
      /** Probe series: failure rate at or above which the site is unreachable (W-V1: 5 %). */
      failRate: z.number().min(0).max(1).default(0.05),
      /** Probe series: failure rate above which a warning is reported. */
      warnRate: z.number().min(0).max(1).default(0.03),
      /** Probe series: probes needed on every day of the window for the series to decide (W-V1: 20). */
      minProbesPerDay: z.number().int().nonnegative().default(20),
    }),
  },
  run(site, { options }) {
    const home = site.home;
    const series = site.availability;
    const rate = series && series.probes ? series.failed / series.probes : 0;
    const decides = !!series && series.probes > 0 && series.days >= series.windowDays && series.minPerDay >= options.minProbesPerDay;
    const seriesSummary = series ? { probes: series.probes, failed: series.failed, failureRate: Number((rate * 100).toFixed(2)), days: series.days, windowDays: series.windowDays, minPerDay: series.minPerDay, decides } : undefined;
    // This inspection's own visit: a warning when a sufficient series decides; without one, a veto that is
    // only suspected (one visit is not the week of visits W-V1 is judged on) unless vetoOnSingleProbe.
    const severity = decides ? 'warning' : 'veto';
    const tier = decides || options.vetoOnSingleProbe ? undefined : ('suspected' as const);
    const note = decides
      ? 'one visit of this inspection; the probe series decides W-V1'
      : series
        ? `single probe: the probe series (${series.days} of ${series.windowDays} days, at least ${series.minPerDay} visits a day) is too short to decide W-V1 (every day, ≥ ${options.minProbesPerDay} a day)`
        : 'single probe: the official W-V1 verdict uses a week of probes (≥ 20 a day, fail at ≥ 5 %); schedule probe rounds (govcheck schedule) before the run';
    const findings: FindingInput[] = [];
    let summary: Record<string, unknown>;
    if (!home || home.error || home.status === null || home.status < 200 || home.status >= 300) {
      const err = home?.error;
      const reason = err ? (err.kind === 'http_error' ? `HTTP ${err.status}` : err.kind) : home?.status ? `HTTP ${home.status}` : 'no response';
      findings.push({
        code: 'unreachable',
        params: { reason },
        severity,
        ...(tier ? { tier } : {}),
        rule: 'W-V1',
        url: site.startUrl,
        target: site.startUrl,
        evidence: {
          expected: `HTTP 2xx within ${options.timeoutMs / 1000} s`,
          actual: err ? `${err.kind}${err.status ? ` ${err.status}` : ''}: ${err.message}` : `HTTP ${home?.status ?? '-'}`,
          errorKind: err?.kind ?? 'http_error',
          status: home?.status ?? null,
          redirectChain: home?.redirectChain ?? [],
          durationMs: home?.durationMs ?? null,
          fetchedAt: home?.fetchedAt,
          note,
        },
      });
      summary = { status: home?.status ?? null, errorKind: err?.kind ?? null, durationMs: home?.durationMs ?? null };
    } else if (home.durationMs > options.timeoutMs) {
      findings.push({
        code: 'slow',
        params: { seconds: (home.durationMs / 1000).toFixed(1), limit: options.timeoutMs / 1000 },
        severity,
        ...(tier ? { tier } : {}),
        rule: 'W-V1',
        url: site.startUrl,
        target: site.startUrl,
        evidence: { expected: `≤ ${options.timeoutMs} ms`, actual: `${home.durationMs} ms`, status: home.status, redirectChain: home.redirectChain, note },
      });
      summary = { status: home.status, durationMs: home.durationMs };
    } else {
      summary = { status: home.status, durationMs: home.durationMs, finalUrl: home.finalUrl, redirects: home.redirectChain.length };
    }
    if (decides && series && (rate >= options.failRate || rate > options.warnRate)) {
      const fail = rate >= options.failRate;
      findings.push({
        code: fail ? 'series-unreachable' : 'series-unstable',
        params: { failed: series.failed, probes: series.probes, rate: (rate * 100).toFixed(2), limit: ((fail ? options.failRate : options.warnRate) * 100).toFixed(2).replace(/\.?0+$/, '') },
        severity: fail ? 'veto' : 'warning',
        rule: 'W-V1',
        url: site.startUrl,
        target: site.startUrl,
        evidence: {
          expected: `failed visits < ${options.failRate * 100} % over ${series.windowDays} days (≥ ${options.minProbesPerDay} a day)`,
          actual: `${series.failed} / ${series.probes} failed`,
          window: { from: series.from, to: series.to, days: series.days, minPerDay: series.minPerDay },
          failures: series.failures,
        },
      });
    }
    return { findings, summary: seriesSummary ? { ...summary, series: seriesSummary } : summary };
  },
});
