import { describe, expect, it } from 'vitest';
import freshness from '../../checks/newmedia-freshness.js';
import { loadConfig } from '../../src/config.js';
import { HttpClient } from '../../src/net/http.js';
import { parseSourceDate } from '../../src/newmedia/dates.js';
import { runChecks } from '../../src/site-check.js';
import type { AccountArtifact, AccountPost, SiteArtifacts } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';

const config = loadConfig();
const SOURCE = 'http://127.0.0.1:9/nm/a/feed.xml';

function post(title: string, date: string | undefined, extra: Partial<AccountPost> = {}): AccountPost {
  const p: AccountPost = { title, url: `http://127.0.0.1:9/nm/a/${encodeURIComponent(title)}.html`, text: `${title}正文`, media: [], links: [], ...extra };
  if (date) {
    const d = parseSourceDate(date, Date.parse('2024-07-10T00:00:00Z'));
    if (d.iso) p.publishedAt = d.iso;
    else p.dateProblem = d.problem;
    p.dateRaw = date;
  }
  return p;
}

function artifacts(posts: AccountPost[], asOf = '2024-07-01', extra: Partial<AccountArtifact> = {}): SiteArtifacts {
  return {
    site: { id: 'a', url: SOURCE, kind: 'newmedia', platform: 'wechat', source: SOURCE },
    startUrl: SOURCE,
    pages: [],
    stats: { pages: 0, links: 0, durationMs: 0, skippedByLimit: 0, errors: 0 },
    asOf,
    siteHosts: ['127.0.0.1:9'],
    account: { platform: 'wechat', sourceKind: 'feed', sourceUrl: SOURCE, fetchedAt: '2024-07-10T00:00:00Z', posts, menus: [], ...extra },
  };
}

async function run(a: SiteArtifacts, options: Record<string, unknown> = {}) {
  const [r] = await runChecks(a, [{ module: freshness, options: freshness.meta.options.parse(options) }], { config, http: new HttpClient({ networkPolicy: true, retries: 0 }) });
  return r;
}

/** Weekly posts from `newest` back `n` weeks, dated as feeds write them (China time). */
function weekly(newest: string, n: number, stepDays = 7): AccountPost[] {
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(`${newest}T10:00:00+08:00`);
    d.setUTCDate(d.getUTCDate() - i * stepDays);
    return post(`第${i + 1}条`, d.toISOString());
  });
}

describe('newmedia-freshness (M-V2, M-D1)', () => {
  it('passes an account that posts every week, and says when it posted last', async () => {
    const r = await run(artifacts(weekly('2024-06-28', 6)));
    expect(r.status).toBe('pass');
    expect(r.findings).toHaveLength(0);
    expect(r.summary).toMatchObject({ ageDays: 3, latest: { date: '2024-06-28', title: '第1条' } });
  });

  it('vetoes an account whose latest post is older than 14 days, with the post as evidence', async () => {
    const r = await run(artifacts(weekly('2024-06-10', 4)));
    expect(r.status).toBe('fail');
    const [f] = r.findings;
    expect(f).toMatchObject({ code: 'stale', severity: 'veto', rule: 'M-V2', url: 'http://127.0.0.1:9/nm/a/%E7%AC%AC1%E6%9D%A1.html' });
    expect(f.evidence).toMatchObject({ title: '第1条', date: '2024-06-10', url: f.url });
    expect(f.message).toContain('21 天');
    expect(f.messageEn).toContain('21 days');
    expect(computeVerdict(r.findings, config.rules).verdict).toBe('fail');
  });

  it('counts days in China time and keeps the 14-day line inclusive', async () => {
    // 2024-06-17 01:00 in China is still 2024-06-16 in UTC: the post is 14 days old as of 07-01, not 15.
    const onLine = await run(artifacts([post('边界', '2024-06-17T01:00:00+08:00'), ...weekly('2024-06-10', 3)]));
    expect(onLine.findings.filter((f) => f.severity === 'veto')).toHaveLength(0);
    expect(onLine.findings.find((f) => f.code === 'nearly-stale')?.severity).toBe('warning');
    const over = await run(artifacts([post('越线', '2024-06-16T23:00:00+08:00'), ...weekly('2024-06-09', 3)]));
    expect(over.findings.find((f) => f.code === 'stale')).toMatchObject({ params: { days: 15 } });
  });

  it('does not let impossible dates make a stale account look fresh, and reports them', async () => {
    const posts = [post('未来', 'Thu, 01 Jan 2099 09:00:00 +0800'), post('远古', '1970-01-01 08:00'), post('某日', '某日'), ...weekly('2024-06-01', 3)];
    const r = await run(artifacts(posts));
    expect(r.findings.find((f) => f.code === 'stale')).toMatchObject({ severity: 'veto', params: { date: '2024-06-01' } });
    const bad = r.findings.filter((f) => f.code === 'bad-date');
    expect(bad.map((f) => f.evidence.problem).sort()).toEqual(['future', 'implausible', 'unparseable']);
    expect(bad.every((f) => f.severity === 'warning')).toBe(true);
    expect(bad.find((f) => f.evidence.problem === 'future')!.evidence.title).toBe('未来');
  });

  it('treats an account with posts but no readable dates as not updated (practice), only suspected, unless configured otherwise', async () => {
    const posts = [post('甲', undefined), post('乙', undefined)];
    const r = await run(artifacts(posts));
    expect(r.findings).toEqual([expect.objectContaining({ code: 'no-dates', severity: 'veto', rule: 'M-V2', tier: 'suspected' })]);
    expect(r.findings[0].evidence.reason).toMatch(/suspected/);
    const lenient = await run(artifacts(posts), { undatedCountsAsStale: false });
    expect(lenient.status).toBe('not_applicable');
  });

  it('vetoes an account with no posts at all', async () => {
    const r = await run(artifacts([]));
    expect(r.findings).toEqual([expect.objectContaining({ code: 'no-posts', severity: 'veto' })]);
  });

  it('judges as of the inspection date: later posts are ignored', async () => {
    const r = await run(artifacts([post('检查日后', '2024-07-05 10:00'), ...weekly('2024-06-05', 3)]));
    expect(r.findings.find((f) => f.code === 'stale')).toMatchObject({ params: { date: '2024-06-05' } });
  });

  it('deducts (M-D1) when fewer posts a week than the norm, with the rule points from rules.yaml', async () => {
    const r = await run(artifacts(weekly('2024-06-29', 4, 12)));
    const f = r.findings.find((x) => x.code === 'low-rate');
    expect(f).toMatchObject({ severity: 'deduction', rule: 'M-D1', points: config.rules.indicators['M-D1'].points!.each, params: { count: 3, window: 28, min: 1 } });
    expect((f!.evidence.posts as unknown[]).length).toBe(3);
    // A provincial norm of one post every two weeks accepts the same account.
    const lenient = await run(artifacts(weekly('2024-06-29', 4, 12)), { minPostsPerWeek: 0.5 });
    expect(lenient.findings.some((x) => x.code === 'low-rate')).toBe(false);
  });

  it('does not judge an account whose source could not be read, and says why', async () => {
    const r = await run(artifacts([], '2024-07-01', { error: { kind: 'http_error', status: 404, message: 'HTTP 404' } }));
    expect(r.status).toBe('not_applicable');
    expect(r.findings).toHaveLength(0);
    expect(r.summary).toMatchObject({ notApplicable: 'source unreadable (http_error)' });
  });

  it('is not applicable to websites', async () => {
    const a = artifacts([]);
    delete a.account;
    expect((await run(a)).status).toBe('not_applicable');
  });
});
