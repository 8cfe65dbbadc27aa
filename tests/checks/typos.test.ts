import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import typos from '../../checks/typos.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { computeVerdict } from '../../src/verdict.js';
import type { AccountArtifact } from '../../src/types.js';
import { tmpDir } from '../helpers.js';
import { serve } from '../fixtures/site.js';
import { artifactsFromHtml, config, runCheck } from './harness.js';

const origin = 'http://www.example.gov.cn';

async function check(pages: Array<{ path: string; html: string }>, opts: { options?: Record<string, unknown>; site?: Record<string, unknown>; account?: AccountArtifact } = {}) {
  const options = typos.meta.options.parse(opts.options ?? {});
  const input = pages.length ? pages : [{ path: '/', html: '' }];
  const a = artifactsFromHtml(
    input.map((p) => ({ url: `${origin}${p.path}`, html: p.html })),
    { asOf: '2024-07-01', site: opts.site, collectors: [{ module: typos, options }] },
  );
  if (!pages.length) {
    // a new-media account: no crawled pages, the posts are the text
    a.pages = [];
    a.home = undefined;
  }
  if (opts.account) a.account = opts.account;
  const r = await runCheck(a, typos, opts.options);
  return { r, a };
}

const page = (title: string, body: string) => `<html><head><title>${title}</title><script>var s = "布署";</script><style>.x{}</style></head><body>${body}</body></html>`;

describe('typos (W-V4, W-D3, M-V1, M-D3)', () => {
  it('reports typos in page text as deductions and serious wrong expressions as a veto', async () => {
    const { r } = await check([{ path: '/', html: page('首页', '<p>各单位要认真做好工作布署。</p><p>台湾总统发表讲话。</p>') }]);
    expect(r.status).toBe('fail');
    const typo = r.findings.find((f) => f.params.text === '布署')!;
    expect(typo).toMatchObject({ rule: 'W-D3', severity: 'deduction', tier: 'confirmed', points: 1, code: 'typo', url: `${origin}/` });
    expect(typo.message).toBe('错别字：“布署”应为“部署”，正文，共 1 处');
    expect(typo.messageEn).toBe('typo: "布署" should be "部署", in text, 1 occurrence(s)');
    expect(typo.evidence).toMatchObject({ expected: '部署', actual: '布署', category: 'typo', source: 'dictionary' });
    expect(String(typo.evidence.snippet)).toContain('工作布署');
    const serious = r.findings.find((f) => f.params.text === '台湾总统')!;
    expect(serious).toMatchObject({ rule: 'W-V4', severity: 'veto', code: 'serious' });
    expect(serious.message).toBe('严重表述错误（涉台港澳用语）：“台湾总统”应为“台湾地区领导人”，正文，共 1 处');
    // serious findings come first
    expect(r.findings[0].severity).toBe('veto');
    const v = computeVerdict(r.findings, config.rules);
    expect(v.verdict).toBe('fail');
    expect(v.decidedBy.map((d) => d.rule).sort()).toEqual(['W-D3', 'W-V4']);
  });

  it('reads a footer typo of a real column page: 分辩率 for 分辨率 after a screen size', async () => {
    const { r } = await check([{ path: '/xxgk/nb/', html: page('示例生态示范区', '<table id="down"><tr><td>主办：示例生态示范区管委会<br>建议使用：1024×768分辩率 真彩32位浏览</td></tr></table>') }]);
    expect(r.findings.map((f) => `${f.code}/${f.tier}/${f.params.text}→${f.evidence.expected}`)).toEqual(['typo/confirmed/分辩率→分辨率']);
  });

  it('reads visible text only, scans titles and attachment names, and groups the same typo across pages', async () => {
    const { r, a } = await check([
      { path: '/', html: page('国务园办公厅', '<p>正文没有问题。</p><a href="/files/%E5%B7%A5%E4%BD%9C%E5%B8%83%E7%BD%B2.pdf">附件：年度工作安排</a><footer>版权所有 再接再励</footer>') },
      { path: '/a.html', html: page('文章', '<p>文章内容。</p><footer>版权所有 再接再励</footer>') },
    ]);
    const where = r.findings.map((f) => `${f.params.text}|${f.params.where}|${f.params.count}`).sort();
    expect(where).toEqual(['园|标题|1', '布署|附件名称|1', '再接再励|正文|2'].sort());
    const footer = r.findings.find((f) => f.params.text === '再接再励')!;
    expect((footer.evidence.pages as Array<{ url: string }>).map((p) => p.url)).toEqual([`${origin}/`, `${origin}/a.html`]);
    const att = r.findings.find((f) => f.params.text === '布署')!;
    expect(att.target).toBe(`${origin}/files/%E5%B7%A5%E4%BD%9C%E5%B8%83%E7%BD%B2.pdf`);
    // the script's "布署" is not page text; the crawl artifact keeps findings, not texts
    expect(r.findings.filter((f) => f.params.text === '布署')).toHaveLength(1);
    const kept = JSON.stringify(a.pages[0].collected.typos);
    expect(kept).not.toContain('正文没有问题');
  });

  it('reads each attachment URL its own file name when pages link the same attachments (names kept per URL)', async () => {
    const one = '/files/%E5%B7%A5%E4%BD%9C%E5%B8%83%E7%BD%B2.pdf'; // 工作布署
    const two = '/files/%E5%86%8D%E6%8E%A5%E5%86%8D%E5%8A%B1.doc'; // 再接再励
    const { r } = await check([
      { path: '/', html: page('首页', `<p>正文。</p><a href="${one}">附件一</a>`) },
      { path: '/a.html', html: page('文章', `<p>文章。</p><a href="${two}">附件二</a><a href="${one}">附件一</a>`) },
      { path: '/b.html', html: page('文章', `<p>文章。</p><a href="${two}">附件二</a>`) },
    ]);
    const seen = r.findings.map((f) => `${f.params.text}|${f.params.where}|${f.params.count}|${f.target}`).sort();
    expect(seen).toEqual([`布署|附件名称|2|${origin}${one}`, `再接再励|附件名称|2|${origin}${two}`].sort());
  });

  it('keeps suspected near-miss findings apart: reported, not scored', async () => {
    const { r } = await check([{ path: '/', html: page('首页', '<p>全面提高行政效律和服务水平。</p>') }]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ tier: 'suspected', code: 'suspected', rule: 'W-D3' });
    expect(r.findings[0].message).toBe('疑似错别字：“律”，建议改为“率”，正文，共 1 处');
    expect(r.status).toBe('pass');
    expect(computeVerdict(r.findings, config.rules).verdict).toBe('pass');
    const { r: quiet } = await check([{ path: '/', html: page('首页', '<p>全面提高行政效律和服务水平。</p>') }], { options: { suspected: false } });
    expect(quiet.findings).toEqual([]);
  });

  it('applies the allow-lists of the site from an extra dictionary folder', async () => {
    const tmp = tmpDir();
    try {
      writeFileSync(path.join(tmp.dir, 'allow-site.yaml'), 'sites:\n  www.example.gov.cn: [{ text: 工作布署, note: 复核确认 }]\n');
      const html = page('首页', '<p>各单位要认真做好工作布署。</p>');
      const { r } = await check([{ path: '/', html }], { options: { text: { dictionaryDirs: [tmp.dir] } } });
      expect(r.findings).toEqual([]);
      const { r: other } = await check([{ path: '/', html }], { options: { text: { dictionaryDirs: [tmp.dir] } }, site: { id: 'other.gov.cn' } });
      // the host of the page still matches the allow-list entry
      expect(other.findings).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  it('passes correct official pages without findings', async () => {
    const { r } = await check([
      {
        path: '/',
        html: page(
          '某某市人民政府',
          '<h1>某某市人民政府办公室关于进一步优化营商环境的通知</h1><p>各县（市、区）人民政府，市政府各部门：</p><p>为深入贯彻落实党中央、国务院决策部署，截至2024年6月30日，全市已完成年度任务的80%。请于7月10日前登录政务服务网报送材料，报名截止时间为7月15日。</p>',
        ),
      },
    ]);
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ scanned: 1, serious: 0, typos: 0, suspected: 0 });
  });

  it('reads new-media posts under the account rules (M-V1, M-D3)', async () => {
    const account: AccountArtifact = {
      platform: 'wechat',
      sourceKind: 'feed',
      sourceUrl: 'http://127.0.0.1:1/feed.xml',
      fetchedAt: '2024-07-01T00:00:00Z',
      menus: [],
      posts: [
        { title: '习进平总书记考察调研', url: 'http://127.0.0.1:1/p/1', text: '全体干部再接再励。', media: [], links: [] },
        { title: '工作动态', text: '内容正常。', media: [], links: [] },
      ],
    };
    const { r } = await check([], { site: { kind: 'newmedia', id: 'wx-demo' }, account });
    const leader = r.findings.find((f) => f.params.text === '进')!;
    expect(leader).toMatchObject({ rule: 'M-V1', severity: 'veto', url: 'http://127.0.0.1:1/p/1' });
    expect(leader.params.where).toBe('标题');
    expect(r.findings.find((f) => f.params.text === '再接再励')).toMatchObject({ rule: 'M-D3', severity: 'deduction', points: 1 });
    expect(r.summary).toMatchObject({ scanned: 4 });
  });

  it('reads the text of linked attachments when asked (off by default), served on 127.0.0.1', async () => {
    const s = await serve(
      new Map([
        ['/files/list.txt', { headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '第一条 各单位要做好工作布署。\n第二条 台湾总统。' }],
        ['/files/gone.txt', { status: 404 }],
      ]),
    );
    try {
      const html = page('首页', `<p>正文。</p><a href="${s.origin}/files/list.txt">名单</a><a href="${s.origin}/files/gone.txt">旧名单</a>`);
      const options = typos.meta.options.parse({ attachmentText: { enabled: true } });
      const a = artifactsFromHtml([{ url: `${s.origin}/`, html }], { asOf: '2024-07-01', collectors: [{ module: typos, options }] });
      const [r] = await runChecks(a, [{ module: typos, options }], { config, http: new HttpClient({ networkPolicy: true, retries: 0 }) });
      const byText = (t: string) => r.findings.find((f) => f.params.text === t)!;
      expect(byText('布署')).toMatchObject({ rule: 'W-D3', target: `${s.origin}/files/list.txt`, url: `${s.origin}/` });
      expect(byText('布署').params.where).toBe('附件内容');
      expect(byText('台湾总统')).toMatchObject({ rule: 'W-V4', severity: 'veto' });
      expect(r.summary).toMatchObject({ attachments: { found: 2, read: 1, notFetched: 1 } });
      const { r: off } = await check([{ path: '/', html }]);
      expect(off.findings).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("judges renamed organs against the page's own publication date and reports statistical wording (W-D3)", async () => {
    const article = (date: string, body: string) => `<html><head><title>通知</title><meta name="PubDate" content="${date} 09:00"></head><body><div class="content"><h1>关于加强金融服务的通知</h1><p>${body}</p></div></body></html>`;
    const body = '中国银行保险监督管理委员会有关负责人介绍了情况。';
    const old = await check([
      { path: '/', html: page('首页', '<p>欢迎访问</p>') },
      { path: '/art/2019/9/18/art_1_1.html', html: article('2019-09-18', body) },
    ]);
    expect(old.r.findings).toEqual([]);
    const recent = await check([
      { path: '/', html: page('首页', '<p>欢迎访问</p>') },
      { path: '/art/2024/3/1/art_1_2.html', html: article('2024-03-01', body) },
    ]);
    expect(recent.r.findings).toHaveLength(1);
    expect(recent.r.findings[0]).toMatchObject({ tier: 'suspected', rule: 'W-D3' });
    expect(recent.r.findings[0].evidence).toMatchObject({ category: 'organ-outdated', expected: '国家金融监督管理总局' });
    expect(String(recent.r.findings[0].evidence?.reason)).toMatch(/2024-03-01/);
    const stats = await check([{ path: '/', html: page('统计公报', '<p>全年牧业产值8.9亿元，增长-3.2%；渔业产值2.6亿元，与上年增长10.3%。</p>') }]);
    expect(stats.r.findings.map((f) => `${f.evidence?.actual}→${f.evidence?.expected}`)).toEqual(['增长-3.2%→下降3.2%', '与上年增长→比上年增长']);
    expect(stats.r.findings[0]).toMatchObject({ tier: 'confirmed', rule: 'W-D3', severity: 'deduction' });
    expect(stats.r.findings[0].message).toContain('表述不规范');
  });

  it('is not applicable when there is no text at all', async () => {
    const { r } = await check([], { site: { kind: 'newmedia', id: 'x' } });
    expect(r.status).toBe('not_applicable');
  });
});
