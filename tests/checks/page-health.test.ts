import { describe, expect, it } from 'vitest';
import pageHealth from '../../checks/page-health.js';
import { artifactsFromHtml, runCheck } from './harness.js';

const run = async (mutate: (a: ReturnType<typeof artifactsFromHtml>) => void) => {
  const a = artifactsFromHtml(
    [
      { url: 'http://www.example.gov.cn/', html: '<title>首页</title>' },
      { url: 'http://www.example.gov.cn/a.html', html: '<title>文章</title>' },
    ],
    { asOf: '2024-07-01' },
  );
  mutate(a);
  return runCheck(a, pageHealth);
};

describe('page-health', () => {
  it('passes healthy pages without findings', async () => {
    const r = await run(() => undefined);
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
  });

  it('reports garbled, binary and wrongly declared pages as warnings with what was declared and used', async () => {
    const r = await run((a) => {
      a.pages[0].contentIssue = { kind: 'encoding_mismatch', declared: 'utf-8', declaredBy: 'header', used: 'gb18030' };
      a.pages[1].contentIssue = { kind: 'binary', ratio: 0.4 };
    });
    expect(r.findings.map((f) => f.code)).toEqual(['encoding_mismatch', 'binary']);
    expect(r.findings[0].message).toBe('页面编码声明错误：header 声明为 utf-8，实际为 gb18030');
    expect(r.findings[1].evidence.actual).toBe('40.0% control bytes');
    expect(r.findings.every((f) => f.severity === 'warning')).toBe(true);
    expect(r.status).toBe('pass');
  });

  it('reports truncated pages, capped URL spaces and the page limit', async () => {
    const r = await run((a) => {
      a.pages[1].truncated = true;
      a.pages[1].bytes = 1048576;
      a.stats.skippedByLimit = 130;
      a.stats.cappedPaths = [{ path: 'http://www.example.gov.cn/calendar', dropped: 30 }];
    });
    expect(r.findings.map((f) => `${f.code}:${f.target ?? ''}`)).toEqual(['truncated:http://www.example.gov.cn/a.html', 'url-space:http://www.example.gov.cn/calendar', 'crawl-limit:']);
    expect(r.findings[2].params.skipped).toBe(100);
  });
});
