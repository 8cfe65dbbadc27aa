import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import privacyLeaks from '../../checks/privacy-leaks.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { CheckResult, SiteArtifacts } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { leakSite, residentId, type LeakTruth } from '../fixtures/security.js';
import { serve, type Served } from '../fixtures/site.js';
import { artifactsFromHtml, config, withOptions } from './harness.js';

const client = new HttpClient({ networkPolicy: true, retries: 0 });
let s: Served;
let truth: LeakTruth;
let result: CheckResult;
let artifacts: SiteArtifacts;
const checks = (o: Record<string, unknown> = {}) => withOptions(privacyLeaks, o);

beforeAll(async () => {
  const site = await leakSite();
  truth = site.truth;
  s = await serve(site.routes);
  artifacts = await gatherSite({ id: 't', url: `${s.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 20 }, checks(), '2024-07-01');
  [result] = await runChecks(artifacts, checks(), { config, http: client });
});
afterAll(async () => {
  await Promise.all([s.close(), client.close()]);
});

const where = (f: CheckResult['findings'][number]) => new URL(f.target!).pathname;

describe('privacy-leaks (W-V4)', () => {
  it('finds full ID numbers in page text and in PDF, XLSX, XLS, DOCX and CSV attachments, masked', () => {
    const ids = result.findings.filter((f) => f.code === 'id-leak');
    const seen = ids.flatMap((f) => (f.evidence.items as Array<{ masked: string }>).map((i) => `${where(f)} ${i.masked}`)).sort();
    expect(seen).toEqual(truth.ids.map((i) => `${i.path} ${i.masked}`).sort());
    for (const f of ids) expect(f).toMatchObject({ severity: 'veto', tier: 'confirmed', rule: 'W-V4' });
    const page = ids.find((f) => where(f) === '/gs/list.html')!;
    expect(page.params).toMatchObject({ count: 2, distinct: 2 });
    expect(page.message).toMatch(/^页面公开了 2 个完整的居民身份证号码（2 个不同），如 11\*{13}\d{2}[\dX]、35\*{13}\d{2}[\dX]$/);
    const pdf = ids.find((f) => where(f) === '/files/list.pdf')!;
    expect(pdf.url).toBe(`${s.origin}/gs/list.html`); // the page that links the attachment
    expect(pdf.message).toContain('附件“list.pdf”公开了 1 个完整的居民身份证号码');
    expect(pdf.evidence.location).toMatch(/^附件“list\.pdf”: page 2, char \d+$/);
    expect(ids.find((f) => where(f) === '/files/list.xlsx')!.evidence.location).toMatch(/sheet 名单/);
    expect(computeVerdict(result.findings, config.rules)).toMatchObject({ verdict: 'fail', decidedBy: [{ rule: 'W-V4', kind: 'veto' }] });
  });

  it('finds mobiles and bank cards, and leaves masked values, bad checksums, impossible dates, unknown regions and credit codes alone', () => {
    const mobiles = result.findings.filter((f) => f.code === 'mobile-leak').flatMap((f) => (f.evidence.items as Array<{ masked: string }>).map((i) => `${where(f)} ${i.masked}`));
    expect(mobiles.sort()).toEqual(truth.mobiles.map((m) => `${m.path} ${m.masked}`).sort());
    expect(result.findings.find((f) => f.code === 'mobile-leak')!.severity).toBe('info');
    const cards = result.findings.filter((f) => f.code === 'bankcard-leak');
    expect(cards.map((f) => (f.evidence.items as Array<{ masked: string }>)[0].masked)).toEqual(truth.cards.map((c) => c.masked));
    expect(cards[0].severity).toBe('veto');
    expect(result.findings.some((f) => where(f) === '/gs/masked.html')).toBe(false);
    const json = JSON.stringify(result);
    for (const decoy of truth.decoys) expect(json).not.toContain(decoy.slice(0, 2) + '*'.repeat(13) + decoy.slice(-3));
  });

  it('never keeps a full number: not in findings, summary, nor in the crawl artifacts', () => {
    const everything = JSON.stringify(result) + JSON.stringify(artifacts.pages.map((p) => p.collected));
    for (const secret of truth.secrets) expect(everything).not.toContain(secret);
    // Snippets show context with the number masked.
    const page = result.findings.find((f) => f.code === 'id-leak' && where(f) === '/gs/list.html')!;
    expect(String(page.evidence.snippet)).toMatch(/张三 11\*+\d{2}/);
  });

  it('reports an attachment it cannot read, and counts what it read', () => {
    const unreadable = result.findings.filter((f) => f.code === 'attachment-unreadable');
    expect(unreadable.map(where)).toEqual(['/files/broken.pdf']);
    expect(unreadable[0].severity).toBe('info');
    expect(result.summary?.attachments).toMatchObject({ found: 6, read: 5, unreadable: 1, tooLarge: 0 });
  });

  it('stays within the attachment caps', async () => {
    const [r] = await runChecks(artifacts, checks({ maxAttachments: 2, maxAttachmentBytes: 400 }), { config, http: client });
    const a = r.summary?.attachments as Record<string, number>;
    expect(a.skippedOverCap).toBe(4);
    expect(a.tooLarge + a.read + a.unreadable).toBe(2);
    expect(r.findings.filter((f) => f.code === 'attachment-too-large').length).toBeGreaterThan(0);
  });

  it('treats a list of mobiles as a warning and lets a province make IDs a warning', async () => {
    const phones = Array.from({ length: 6 }, (_, i) => `1391234${String(5670 + i)}`);
    const a = artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html: `<table>${phones.map((p, i) => `<tr><td>户主${i}</td><td>${p}</td></tr>`).join('')}</table><p>${residentId('110101', '19900307', '123')}</p>` }], {
      asOf: '2024-07-01',
      collectors: checks(),
    });
    const [r] = await runChecks(a, checks({ attachments: false }), { config, http: client });
    expect(r.findings.find((f) => f.code === 'mobile-list-leak')).toMatchObject({ severity: 'warning', params: { distinct: 6 } });
    const soft = checks({ attachments: false, severities: { 'id-leak': 'warning' } });
    const b = artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html: `<p>${residentId('110101', '19900307', '123')}</p>` }], { asOf: '2024-07-01', collectors: soft });
    const [w] = await runChecks(b, soft, { config, http: client });
    expect(w.findings[0]).toMatchObject({ code: 'id-leak', severity: 'warning', rule: undefined });
  });

  it('checks new-media posts under M-V1', async () => {
    const id = residentId('350102', '19851231', '456');
    const art: SiteArtifacts = {
      site: { id: 'wx', url: 'http://127.0.0.1:9/feed.xml', kind: 'newmedia', platform: 'wechat' },
      startUrl: 'http://127.0.0.1:9/feed.xml',
      pages: [],
      stats: { pages: 0, links: 0, durationMs: 0, skippedByLimit: 0, errors: 0 },
      asOf: '2024-07-01',
      siteHosts: [],
      account: {
        platform: 'wechat',
        sourceKind: 'feed',
        sourceUrl: 'http://127.0.0.1:9/feed.xml',
        fetchedAt: '2024-07-01T00:00:00Z',
        menus: [],
        posts: [
          { title: '补贴发放公示', url: 'http://127.0.0.1:9/p/1', text: `领取人：李四，身份证号${id}，电话13812345678。`, media: [], links: [] },
          { title: '工作动态', text: '今日召开会议。', media: [], links: [] },
        ],
      },
    };
    const [r] = await runChecks(art, checks(), { config, http: client });
    expect(r.findings.map((f) => `${f.code}:${f.rule ?? '-'}`).sort()).toEqual(['id-leak:M-V1', 'mobile-leak:-']);
    expect(r.findings[0].message).toContain('发文《补贴发放公示》公开了 1 个完整的居民身份证号码');
    expect(JSON.stringify(r)).not.toContain(id);
    expect(JSON.stringify(r)).not.toContain('13812345678');
  });
});
