/**
 * availability — W-V1 站点无法访问.
 * The home page must open within 15 s with a 2xx after redirects. The official verdict needs a week of
 * probes (≥ 20 a day; unreachable if failed visits ≥ 5 %); one check is one probe, so a failed probe is
 * reported as a veto finding of this inspection (option `vetoOnSingleProbe`), with the failure classified.
 * Uses the crawl's home-page artifact: no extra request.
 */
import { z } from 'zod';
import { defineCheck } from '../src/checks/api.js';

export default defineCheck({
  meta: {
    id: 'availability',
    title: { zh: '站点可访问性', en: 'Site availability' },
    description: {
      zh: '首页须在 15 秒内打开并返回 2xx 状态（跟随跳转后）；失败按 DNS、拒绝连接、超时、证书、HTTP 状态分类。',
      en: 'The home page must open within 15 s with a 2xx status after redirects; failures are classified (DNS, refused, timeout, TLS, HTTP status).',
    },
    scope: ['website'],
    rules: ['W-V1'],
    options: z.object({
      /** Time limit in ms (W-V1: 15 s). */
      timeoutMs: z.number().int().positive().default(15_000),
      /** Treat one failed probe as the veto (on-demand checks); false reports it as a warning only. */
      vetoOnSingleProbe: z.boolean().default(true),
    }),
    messages: {
      unreachable: { zh: '首页无法访问：{reason}', en: 'Home page unreachable: {reason}' },
      slow: { zh: '首页打开耗时 {seconds} 秒，超过 {limit} 秒', en: 'Home page took {seconds} s to open, over the {limit} s limit' },
    },
  },
  run(site, { options }) {
    const home = site.home;
    const severity = options.vetoOnSingleProbe ? 'veto' : 'warning';
    if (!home || home.error || home.status === null || home.status < 200 || home.status >= 300) {
      const err = home?.error;
      const reason = err ? (err.kind === 'http_error' ? `HTTP ${err.status}` : err.kind) : home?.status ? `HTTP ${home.status}` : 'no response';
      return {
        findings: [
          {
            code: 'unreachable',
            params: { reason },
            severity,
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
              note: 'single probe; the official W-V1 verdict uses a week of probes (≥ 20 a day, fail at ≥ 5 %)',
            },
          },
        ],
        summary: { status: home?.status ?? null, errorKind: err?.kind ?? null, durationMs: home?.durationMs ?? null },
      };
    }
    if (home.durationMs > options.timeoutMs) {
      return {
        findings: [
          {
            code: 'slow',
            params: { seconds: (home.durationMs / 1000).toFixed(1), limit: options.timeoutMs / 1000 },
            severity,
            rule: 'W-V1',
            url: site.startUrl,
            target: site.startUrl,
            evidence: { expected: `≤ ${options.timeoutMs} ms`, actual: `${home.durationMs} ms`, status: home.status, redirectChain: home.redirectChain },
          },
        ],
        summary: { status: home.status, durationMs: home.durationMs },
      };
    }
    return { findings: [], summary: { status: home.status, durationMs: home.durationMs, finalUrl: home.finalUrl, redirects: home.redirectChain.length } };
  },
});
