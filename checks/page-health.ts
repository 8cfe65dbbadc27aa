/**
 * page-health — pages that arrive but cannot display properly (内容无法正常显示: garbled, binary, cut) and the URL
 * spaces the crawl had to cap, so a hostile or broken page is never silently missing. No indicator covers them:
 * warnings and information, never scored.
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';

export default defineCheck({
  meta: {
    id: 'page-health',
    scope: ['website'],
    rules: [],
    options: z.object({
      /** Report pages whose declared charset was wrong but which decoded cleanly otherwise. */
      reportEncodingMismatch: z.boolean().default(true),
    }),
  },
  run(site, { options }) {
    const findings: FindingInput[] = [];
    for (const p of site.pages) {
      const ci = p.contentIssue;
      if (ci && (ci.kind !== 'encoding_mismatch' || options.reportEncodingMismatch)) {
        findings.push({
          code: ci.kind,
          params: { ratio: ci.ratio !== undefined ? `${(ci.ratio * 100).toFixed(1)}%` : '', used: ci.used ?? '', declared: ci.declared ?? '', declaredBy: ci.declaredBy ?? '' },
          severity: 'warning',
          url: p.finalUrl,
          target: p.finalUrl,
          evidence: {
            location: ci.declaredBy === 'header' ? 'Content-Type header' : ci.declaredBy === 'meta' ? '<meta charset>' : 'body',
            expected: ci.kind === 'binary' ? 'text/html' : ci.declared ? `content encoded as ${ci.declared}` : 'decodable text',
            actual: ci.kind === 'binary' ? `${((ci.ratio ?? 0) * 100).toFixed(1)}% control bytes` : `decoded as ${ci.used ?? '?'}`,
            contentType: p.contentType,
            title: p.title,
          },
        });
      }
      if (p.truncated) {
        findings.push({
          code: 'truncated',
          params: { bytes: p.bytes },
          severity: 'warning',
          url: p.finalUrl,
          target: p.finalUrl,
          evidence: { expected: 'a complete page within the size and time limits', actual: `${p.bytes} bytes${p.error?.kind === 'timeout' ? ', time limit reached' : ''}`, errorKind: p.error?.kind },
        });
      }
    }
    for (const c of site.stats.cappedPaths ?? []) {
      findings.push({
        code: 'url-space',
        params: { path: c.path, dropped: c.dropped },
        severity: 'info',
        url: site.startUrl,
        target: c.path,
        evidence: { expected: 'a bounded set of pages', actual: `more than the configured maximum of query variants; ${c.dropped} dropped` },
      });
    }
    const capped = (site.stats.cappedPaths ?? []).reduce((s, c) => s + c.dropped, 0);
    if (site.stats.skippedByLimit - capped > 0) {
      findings.push({
        code: 'crawl-limit',
        params: { skipped: site.stats.skippedByLimit - capped },
        severity: 'info',
        url: site.startUrl,
        evidence: { expected: 'every page crawled', actual: `${site.stats.pages} crawled, ${site.stats.skippedByLimit - capped} beyond the page limit` },
      });
    }
    return { findings, summary: { pagesWithIssues: new Set(findings.map((f) => f.url)).size } };
  },
});
