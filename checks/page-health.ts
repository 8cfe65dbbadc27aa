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
    title: { zh: '页面正常显示', en: 'Page health' },
    description: {
      zh: '报告乱码（编码声明错误或未知编码）、以 HTML 名义返回的二进制内容、超过大小或时间上限被截断的页面，以及被限制的无限链接空间。',
      en: 'Reports garbled pages (wrong or unknown charset), binary served as HTML, pages cut at the size or time limit, and endless URL spaces the crawl capped.',
    },
    scope: ['website'],
    rules: [],
    options: z.object({
      /** Report pages whose declared charset was wrong but which decoded cleanly otherwise. */
      reportEncodingMismatch: z.boolean().default(true),
    }),
    messages: {
      garbled: { zh: '页面乱码：{ratio} 的字符无法解码（使用 {used}）', en: 'Garbled page: {ratio} of characters undecodable (decoded as {used})' },
      binary: { zh: '页面内容为二进制数据，无法作为网页显示', en: 'Page body is binary data, not displayable as a web page' },
      encoding_mismatch: { zh: '页面编码声明错误：{declaredBy} 声明为 {declared}，实际为 {used}', en: 'Wrong charset declaration: {declaredBy} says {declared}, the page is {used}' },
      unknown_charset: { zh: '页面声明了未知编码 {declared}，已按 {used} 解码', en: 'Unknown charset {declared} declared; decoded as {used}' },
      truncated: { zh: '页面过大或加载过慢，已在 {bytes} 字节处截断', en: 'Page too large or too slow; cut at {bytes} bytes' },
      'url-space': { zh: '链接空间无限（如日历），{path} 有 {dropped} 个地址未抓取', en: 'Endless URL space (e.g. a calendar): {dropped} URLs under {path} not crawled' },
      'crawl-limit': { zh: '达到抓取上限，{skipped} 个页面未检查', en: 'Crawl limit reached: {skipped} pages not checked' },
    },
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
