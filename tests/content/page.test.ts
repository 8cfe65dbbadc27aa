import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import type { CheckModule } from '../../src/check-api/api.js';
import { classifyColumn, columnKey, DEFAULT_COLUMN_CLASSES } from '../../src/analysis/content/columns.js';
import { extractMessages } from '../../src/analysis/content/messages.js';
import { analyzePage, DEFAULT_PLACEHOLDERS, type PageContent } from '../../src/analysis/content/page-analysis.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';

const probe = { meta: { id: 'probe' }, collect: (ctx: Parameters<typeof analyzePage>[0]) => analyzePage(ctx, { placeholders: DEFAULT_PLACEHOLDERS }), run: () => ({ findings: [] }) } as unknown as CheckModule;

function analyze(html: string, path = '/list/', asOf = '2024-07-01'): PageContent {
  const a = artifactsFromHtml(
    [
      { url: 'http://127.0.0.1:9/', html: '<p>home</p>' },
      { url: `http://127.0.0.1:9${path}`, html },
    ],
    { asOf, collectors: [{ module: probe, options: {} }] },
  );
  return a.pages[1].collected.probe as PageContent;
}

describe('page analysis (src/analysis/content/page-analysis.ts)', () => {
  it('reads list shapes: table rows, links with dates inside, lists written as <a/><span/><br>, headings and 更多 links', () => {
    const c = analyze(`<div class="box"><div class="box-title"><span>政策解读</span><a class="more" href="/zcjd/">更多</a></div>
      <table><tr><td><a href="/zcjd/1.html">一图读懂政府工作报告的主要内容</a></td><td>2024-06-21</td></tr><tr><td><a href="/zcjd/2.html">关于优化营商环境条例的解读说明</a></td><td>2024-05-02</td></tr></table></div>
      <div class="box"><h3><a href="/tpxw/">图片新闻</a></h3><div class="pics"><a href="/tpxw/1.html">市领导调研重点项目建设情况<span>[06-28]</span></a><br><a href="/tpxw/2.html">全市防汛工作视频调度会召开<span>[06-27]</span></a><br></div></div>`);
    const zcjd = c.blocks.find((b) => b.heading === '政策解读')!;
    expect(zcjd).toMatchObject({ moreHref: 'http://127.0.0.1:9/zcjd/', total: 2, dated: 2 });
    expect(zcjd.items.map((i) => i.date)).toEqual(['2024-06-21', '2024-05-02']);
    const tpxw = c.blocks.find((b) => b.heading === '图片新闻')!;
    expect(tpxw.headingHref).toBe('http://127.0.0.1:9/tpxw/');
    expect(tpxw.items.map((i) => [i.title, i.date, i.yearInferred])).toEqual([
      ['市领导调研重点项目建设情况[06-28]', '2024-06-28', true],
      ['全市防汛工作视频调度会召开[06-27]', '2024-06-27', true],
    ]);
  });

  it('reads Hanweb records with and without CDATA, the breadcrumb and TRS pagination', () => {
    const c = analyze(
      `<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col9/">政务公开</a> &gt; 财政资金</div><div id="4301"><script type="text/xml"><datastore><totalrecord>2</totalrecord><recordset><record><![CDATA[<li><a href="/art/2024/6/3/art_10_1.html" title="2024年部门预算公开">2024年部门预算公开</a><span>2024-06-03</span></li>]]></record><record>&lt;li&gt;&lt;a href="/art/2023/6/1/art_10_2.html"&gt;2023年部门决算公开说明&lt;/a&gt;&lt;span&gt;2023-06-01&lt;/span&gt;&lt;/li&gt;</record></recordset></datastore></script></div><script>createPageHTML(7, 0, "index", "html");</script>`,
      '/col/col10/index.html',
    );
    expect(c.kind).toBe('list');
    expect(c.crumb).toBe('财政资金');
    expect(c.pagination).toEqual({ pages: 7, current: 0 });
    expect(c.blocks[0]).toMatchObject({ source: 'hanweb', total: 2, totalRecords: 2 });
    expect(c.blocks[0].items.map((i) => [i.href, i.date])).toEqual([
      ['http://127.0.0.1:9/art/2024/6/3/art_10_1.html', '2024-06-03'],
      ['http://127.0.0.1:9/art/2023/6/1/art_10_2.html', '2023-06-01'],
    ]);
  });

  it('takes an article’s date from meta, JSON-LD, a label or the URL, and says where it came from', () => {
    const withMeta = analyze('<html><head><meta name="PubDate" content="2024-06-25 09:30"><meta name="ArticleTitle" content="标题"></head><body><p>发布日期：2024-06-25</p></body></html>', '/a.html');
    expect(withMeta.article?.best).toMatchObject({ date: '2024-06-25', time: '09:30', source: 'meta', key: 'pubdate' });
    const og = analyze('<html><head><meta property="article:published_time" content="2024-06-24T23:30:00Z"></head><body><p>正文</p></body></html>', '/b.html');
    expect(og.article?.best).toMatchObject({ date: '2024-06-25', source: 'meta', key: 'article:published_time' });
    const label = analyze(
      `<html><body><div class="top">今天是2024年7月1日</div><h1>关于做好防汛工作的通知</h1><p>文号：示政办发〔2024〕9号　發佈時間：2024年6月3日</p><p>${'正文内容。'.repeat(80)}</p><div class="footer">Copyright 2003-2024 更新日期：2024-06-30</div></body></html>`,
      '/c.html',
    );
    expect(label.article?.best).toMatchObject({ date: '2024-06-03', source: 'label' });
    const url = analyze('<html><body><h1>标题</h1><p>正文</p></body></html>', '/xw/202405/t20240506_12.html');
    expect(url.article?.best).toMatchObject({ date: '2024-05-06', source: 'url', key: 'trs' });
  });

  it('reads messages from tables whose header names the columns', () => {
    const doc = parseDocument(
      '<table><tr><th>序号</th><th>标题</th><th>来信日期</th><th>答复日期</th><th>办理状态</th></tr><tr><td>1</td><td><a href="/x/1.html">噪音扰民</a></td><td>2024-01-05</td><td>2024-01-20</td><td>已办结</td></tr><tr><td>2</td><td>道路破损</td><td>2024-02-05</td><td></td><td>处理中</td></tr></table>',
    );
    const m = extractMessages(doc, 'http://127.0.0.1:9/xj/', '2024-07-01', false);
    expect(m.map((x) => [x.title, x.askedOn, x.repliedOn, x.status])).toEqual([
      ['噪音扰民', '2024-01-05', '2024-01-20', 'answered'],
      ['道路破损', '2024-02-05', undefined, 'unanswered'],
    ]);
  });

  it('classifies column names, Simplified or Traditional, exact names first, and canonicalises column URLs', () => {
    const cls = (n: string) => classifyColumn([n], DEFAULT_COLUMN_CLASSES).cls?.id;
    expect(cls('工作動態')).toBe('dynamic');
    expect(cls('通知公告')).toBe('notice');
    expect(cls('政策解读')).toBe('policy');
    expect(cls('人事任免')).toBe('periodic');
    expect(cls('领导活动')).toBe('dynamic');
    expect(cls('领导信息')).toBe('static');
    expect(cls('互动交流')).toBe('interaction');
    expect(cls('风采展示')).toBeUndefined();
    expect(columnKey('http://x/tzgg/index_3.html')).toBe('http://x/tzgg/');
    expect(columnKey('http://x/col/col123/index.html')).toBe('http://x/col/col123/');
  });

  it('resolves the same root-relative links on pages of different origins and bases to each page’s own origin', () => {
    const list =
      '<ul><li><a href="/xxgk/1.html">关于做好防汛工作的通知</a><span>2024-06-21</span></li><li><a href=" //127.0.0.3/2.html">关于开展安全检查的通知</a><span>2024-06-20</span></li><li><a href="\\xxgk\\3.html">关于公布办事指南的公告</a><span>2024-06-19</span></li></ul>';
    const hrefs = (url: string, html: string) => {
      const a = artifactsFromHtml([{ url, html }], { asOf: '2024-07-01', collectors: [{ module: probe, options: {} }] });
      return (a.pages[0].collected.probe as PageContent).blocks[0].items.map((i) => i.href);
    };
    // Analysed one after another, as a crawl does: each page's origin (or its <base>) decides, never the previous page's.
    expect(hrefs('http://127.0.0.1:9/a/', list)).toEqual(['http://127.0.0.1:9/xxgk/1.html', 'http://127.0.0.3/2.html', 'http://127.0.0.1:9/xxgk/3.html']);
    expect(hrefs('http://127.0.0.2:9/b/', list)).toEqual(['http://127.0.0.2:9/xxgk/1.html', 'http://127.0.0.3/2.html', 'http://127.0.0.2:9/xxgk/3.html']);
    expect(hrefs('https://127.0.0.1:9/a/', list)).toEqual(['https://127.0.0.1:9/xxgk/1.html', 'https://127.0.0.3/2.html', 'https://127.0.0.1:9/xxgk/3.html']);
    expect(hrefs('http://user:pw@127.0.0.1:9/a/', list)).toEqual(['http://user:pw@127.0.0.1:9/xxgk/1.html', 'http://127.0.0.3/2.html', 'http://user:pw@127.0.0.1:9/xxgk/3.html']);
    expect(hrefs('http://127.0.0.1:9/c/', `<html><head><base href="http://127.0.0.4:8/x/"></head><body>${list}</body></html>`)).toEqual(['http://127.0.0.4:8/xxgk/1.html', 'http://127.0.0.3/2.html', 'http://127.0.0.4:8/xxgk/3.html']);
    expect(hrefs('http://127.0.0.1:9/a/', list)[0]).toBe('http://127.0.0.1:9/xxgk/1.html');
  });

  it('answers again from its memo only for the same page, as-of and options (options compared by value)', () => {
    const html = '<html><body><h1>通知公告</h1><p>栏目建设中</p><p>暂无信息</p></body></html>';
    const page = artifactsFromHtml([{ url: 'http://127.0.0.1:9/list/', html }], { asOf: '2024-07-01' }).pages[0];
    const ctx = { page, dom: parseDocument(html), asOf: '2024-07-01', isHome: false };
    const mine = ['栏目建设中'];
    const first = analyzePage(ctx, { placeholders: mine });
    expect(first.placeholders.map((p) => p.phrase)).toEqual(['栏目建设中']);
    // Equal options in a new object: the memo's answer.
    expect(analyzePage(ctx, { placeholders: ['栏目建设中'] })).toBe(first);
    // Other options or another as-of: analysed afresh.
    const other = analyzePage(ctx, { placeholders: DEFAULT_PLACEHOLDERS });
    expect(other).not.toBe(first);
    expect(other.placeholders.map((p) => p.phrase)).toContain('暂无信息');
    expect(analyzePage(ctx, { placeholders: mine, maxItems: 5 })).not.toBe(first);
    expect(analyzePage({ ...ctx, asOf: '2024-08-01' }, { placeholders: mine })).not.toBe(first);
    const changed = analyzePage(ctx, { placeholders: ['暂无信息'] });
    expect(changed).not.toBe(first);
    expect(changed.placeholders.map((p) => p.phrase)).toEqual(['暂无信息']);
    // Another page with the same options: its own analysis.
    const page2 = artifactsFromHtml([{ url: 'http://127.0.0.1:9/list/', html }], { asOf: '2024-07-01' }).pages[0];
    expect(analyzePage({ ...ctx, page: page2 }, { placeholders: ['栏目建设中'] })).not.toBe(first);
  });

  it('stays bounded on hostile pages: 20,000 list items, 5,000 messages, 3,000 nested elements', () => {
    const started = Date.now();
    const big = '<ul>' + Array.from({ length: 20000 }, (_, i) => `<li><a href="/a/${i}.html">关于做好第${i}项重点工作的通知公告</a><span>2024-06-${String((i % 28) + 1).padStart(2, '0')}</span></li>`).join('') + '</ul>';
    const c = analyze(big);
    expect(c.blocks[0].total).toBe(20000);
    expect(c.blocks[0].items.length).toBeLessThanOrEqual(40);
    expect(JSON.stringify(c).length).toBeLessThan(20_000);
    const msgs = '<div>' + Array.from({ length: 5000 }, (_, i) => `<div class="m"><p>标题：咨询${i}</p><p>留言时间：2024-0${(i % 6) + 1}-10</p><p>回复时间：</p></div>`).join('') + '</div>';
    expect(extractMessages(parseDocument(msgs), 'http://127.0.0.1:9/', '2024-07-01', true)).toHaveLength(200);
    const nested = '<div>'.repeat(3000) + '<a href="/x.html">深层嵌套的链接标题文字</a><span>2024-06-01</span>' + '</div>'.repeat(3000);
    // The gatherer flattens nesting past 512 levels as browsers do; the analysis still finishes with a compact result.
    expect(analyze(nested).kind).toBeDefined();
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
