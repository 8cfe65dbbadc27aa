import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import interaction from '../../checks/interaction.js';
import { html, runOffline, runServed } from '../content/run.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';
import { megaMenuConsultHome } from '../fixtures/real-structures.js';
import { consultFormPage, homeWithConsultList, homeWithHashChannel, mailboxGrid } from '../fixtures/verdicts.js';

const home = (links: string) => html('示例市人民政府', `<div class="block"><h3>政务要闻</h3><ul><li><a href="/n/1.html">全市经济运行情况新闻发布会召开</a><span>2024-06-28</span></li></ul></div><p>${links}</p>`);

describe('interaction (W-V5)', () => {
  it('reads labelled messages in Simplified and Traditional, and lists that only show a status, within the past year', async () => {
    const block = (t: string, asked: string, replied?: string, tr = false) =>
      `<div class="msg"><p>${tr ? '標題' : '标题'}：${t}</p><p>${tr ? '留言時間' : '留言时间'}：${asked}</p>${replied ? `<p>${tr ? '回覆時間' : '回复时间'}：${replied}</p><p>${tr ? '回覆內容' : '回复内容'}：已转交相关部门。</p>` : `<p>${tr ? '回覆時間' : '回复时间'}：</p>`}</div>`;
    const pages = [
      { path: '/', html: home('<a href="/hdjl/">互动交流</a> <a href="/zxts/">諮詢投訴</a> <a href="/zmxx/">政民互动</a>') },
      {
        path: '/hdjl/',
        html: html('互动交流', `<h2>留言选登</h2>${block('小区停车难问题', '2024-06-01', '2024-06-05')}${block('学校周边交通拥堵', '2024-02-01')}${block('供暖费标准', '2024-01-10', '2024-05-20')}${block('老年卡办理', '2023-03-01')}`),
      },
      { path: '/zxts/', html: html('諮詢投訴', `<h2>諮詢投訴</h2>${block('道路積水問題', '2024-03-15', undefined, true)}${block('路燈維修', '2024-06-10', '2024-06-12', true)}`) },
      {
        path: '/zmxx/',
        html: html(
          '政民互动',
          `<h2>政民互动</h2><ul class="list"><li><a href="/zmxx/1.html">关于公交站台设置的建议</a><span>已回复</span><span>2024-05-01</span></li><li><a href="/zmxx/2.html">关于菜市场噪音扰民的反映</a><span>办理中</span><span>2024-04-20</span></li></ul>`,
        ),
      },
    ];
    const r = await runOffline(interaction, pages, { maxProbes: 0 }, '2024-07-01');
    const by = (code: string) =>
      r.findings
        .filter((f) => f.code === code)
        .map((f) => f.params.title)
        .sort();
    expect(by('unanswered')).toEqual(['学校周边交通拥堵', '道路積水問題']);
    expect(by('late')).toEqual(['供暖费标准']);
    expect(by('unanswered-warning')).toEqual(['关于菜市场噪音扰民的反映']);
    expect(r.findings.find((f) => f.params.title === '学校周边交通拥堵')).toMatchObject({ severity: 'veto', rule: 'W-V5', evidence: { askedOn: '2024-02-01', repliedOn: null, status: 'unanswered' } });
    // An empty 回复时间 field is read as unanswered, but not unambiguously (no status word): suspected.
    expect(r.findings.find((f) => f.params.title === '学校周边交通拥堵')!.tier).toBe('suspected');
    expect(r.findings.find((f) => f.code === 'late')!.tier).toBe('confirmed');
    expect(r.findings.find((f) => f.code === 'late')).toMatchObject({ params: { days: 131 }, evidence: { askedOn: '2024-01-10', repliedOn: '2024-05-20' } });
    // A message from 2023-03 is older than a year: not judged.
    expect(r.findings.some((f) => f.params.title === '老年卡办理')).toBe(false);
    expect(r.summary).toMatchObject({ messages: 7, answered: 3, late: 1, unanswered: 2, nearingLine: 1, workingChannels: 3 });
    expect(r.status).toBe('fail');
  });

  it('requires a consultation channel; petition and report channels do not count', async () => {
    const none = await runOffline(interaction, [{ path: '/', html: home('<a href="/xf/">网上信访</a> <a href="/jb/">纪检监察举报</a>') }], { maxProbes: 0 });
    expect(none.findings).toHaveLength(1);
    expect(none.findings[0]).toMatchObject({ code: 'no-channel', severity: 'veto', rule: 'W-V5' });
    const dead = await runOffline(
      interaction,
      [
        { path: '/', html: home('<a href="/hdjl/">互动交流</a>') },
        { path: '/hdjl/', html: '<html><body>Not Found</body></html>', status: 404 },
      ],
      { maxProbes: 0 },
    );
    expect(dead.findings[0]).toMatchObject({ code: 'channel-broken', severity: 'veto', evidence: { actual: 'http://127.0.0.1:9/hdjl/: http_error 404' } });
  });
  it('does not take a 政民互动 menu header to # (or javascript:, or the page itself) for a channel', async () => {
    const r = await runOffline(interaction, [{ path: '/', html: homeWithHashChannel() }], { maxProbes: 0 }, '2024-07-01');
    expect(r.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['no-channel/confirmed']);
    // With a form page behind a real link, the site has a working channel.
    const ok = homeWithHashChannel().replace('<li><a href="/bsfw/">', '<li><a href="/hdjl/zxzx/">在线咨询</a></li><li><a href="/bsfw/">');
    const r2 = await runOffline(
      interaction,
      [
        { path: '/', html: ok },
        { path: '/hdjl/zxzx/', html: consultFormPage() },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r2.findings).toEqual([]);
    expect(r2.summary).toMatchObject({ workingChannels: 1 });
    // The start page is an article: "no channel" cannot be confirmed there.
    const art = await runOffline(interaction, [{ path: '/xxgk/202406/t20240620_1.html', html: homeWithHashChannel() }], { maxProbes: 0 }, '2024-07-01');
    expect(art.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['no-channel/suspected']);
  });

  it('reads a consultation list on the home page: a question unanswered for five months is a confirmed W-V5 veto', async () => {
    const items = [
      { title: '咨询新生儿医保办理流程', status: '已回复' as const, asked: '2024-06-10', replied: '2024-06-12' },
      { title: '咨询小区加装电梯补贴政策', status: '未回复' as const, asked: '2024-02-01' },
      { title: '咨询公租房申请条件', status: '办理中' as const, asked: '2024-06-20' },
      { title: '咨询农村建房审批', status: '未回复' as const, asked: '2023-03-01' },
    ];
    const pages = [
      { path: '/', html: homeWithConsultList(items) },
      { path: '/hdjl/zxzx/', html: consultFormPage() },
    ];
    const r = await runOffline(interaction, pages, { maxProbes: 0 }, '2024-07-01');
    const veto = r.findings.filter((f) => f.severity === 'veto');
    expect(veto.map((f) => `${f.code}/${f.tier}/${f.params.title}/${f.params.days}`)).toEqual(['unanswered/confirmed/咨询小区加装电梯补贴政策/151']);
    expect(veto[0]).toMatchObject({ url: 'http://127.0.0.1:9/', evidence: { askedOn: '2024-02-01', status: 'unanswered', statusText: '未回复' } });
    expect(r.summary).toMatchObject({ messages: 3, answered: 1, unanswered: 1 });
    // 政务公开 next to 政民互动 in the menu is not a channel drawn without text.
    const images = (r.artifacts.home!.collected.interaction as { images?: Array<{ url: string }> }).images ?? [];
    expect(images.map((c) => c.url)).not.toContain('http://127.0.0.1:9/zwgk/');
    expect(r.status).toBe('fail');
    // The same list without labels and with the status only in the title's words: read, but suspected.
    const vague = `<html><body><div class="zmhd"><h3>政民互动</h3><ul><li><a href="/hdjl/1.html">咨询小区加装电梯补贴政策（未回复）</a> 2024-02-01 2024-02-03</li></ul></div><p>${'示范县新闻。'.repeat(30)}</p><a href="/hdjl/zxzx/">我要咨询</a></body></html>`;
    const r2 = await runOffline(
      interaction,
      [
        { path: '/', html: vague },
        { path: '/hdjl/zxzx/', html: consultFormPage() },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r2.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['unanswered/suspected']);
    // A news list with dates and the word 办理中 in a title is no message list.
    const news = `<html><body><div class="news"><h3>工作动态</h3><ul><li><a href="/n/1.html">全市重点项目办理中心启用</a><span>2024-01-05</span></li></ul></div><a href="/hdjl/zxzx/">我要咨询</a></body></html>`;
    const r3 = await runOffline(
      interaction,
      [
        { path: '/', html: news },
        { path: '/hdjl/zxzx/', html: consultFormPage() },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r3.findings).toEqual([]);
  });

  it('reads 信箱 lists drawn as grids of div rows and span cells', async () => {
    const grid = mailboxGrid([
      { title: '关于农贸市场改造的建议', asked: '2024-01-15', status: '未回复' },
      { title: '关于路灯不亮的反映', asked: '2024-06-01', replied: '2024-06-03', status: '已回复' },
    ]);
    const r = await runOffline(
      interaction,
      [
        { path: '/', html: homeWithConsultList([]).replace('<a href="/hdjl/">政民互动</a>', '<a href="/hdjl/">政民互动</a><a href="/ldxx/">局长信箱</a>') },
        { path: '/ldxx/', html: grid },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r.findings.map((f) => `${f.code}/${f.tier}/${f.params.title}`)).toEqual(['unanswered/confirmed/关于农贸市场改造的建议']);
    expect(r.findings[0].evidence).toMatchObject({ shape: 'grid', askedOn: '2024-01-15' });
    // A labelled status field (办理状态：办理中) is read unambiguously too.
    const detail = `<html><body><h2>在线咨询</h2><div class="msg"><p>标题：关于停车收费的咨询</p><p>留言时间：2024-02-20</p><p>办理状态：办理中</p></div></body></html>`;
    const r2 = await runOffline(
      interaction,
      [
        { path: '/', html: homeWithConsultList([]) },
        { path: '/hdjl/zxzx/', html: detail },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r2.findings.map((f) => `${f.code}/${f.tier}/${f.params.title}`)).toEqual(['unanswered/confirmed/关于停车收费的咨询']);
  });

  it('does not confirm a broken channel it could not know: a host that does not answer is suspected', async () => {
    const withChannel = (href: string) => homeWithHashChannel().replace('<li><a href="/bsfw/">', `<li><a href="${href}">在线咨询</a></li><li><a href="/bsfw/">`);
    // 127.0.0.2:9 — nothing listens there: the connection is refused, which says nothing about the channel.
    const r = await runOffline(interaction, [{ path: '/', html: withChannel('http://127.0.0.2:9/hdjl/zxzx/x') }], { maxProbes: 5 }, '2024-07-01');
    expect(r.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['channel-unverified/suspected']);
    expect(String(r.findings[0].evidence.reason)).toContain('could not be known');
    // An answered 404 is definitive.
    const dead = await runOffline(
      interaction,
      [
        { path: '/', html: withChannel('/hdjl/zxzx/') },
        { path: '/hdjl/zxzx/', html: '<html><body>Not Found</body></html>', status: 404 },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(dead.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['channel-broken/confirmed']);
  });

  it('reads the newest questions of a header mega-menu panel (real structure): no status shown is no finding, a status shown is judged', async () => {
    const questions = [
      { q: '个体户年度报告在哪里填报', asked: '2024-01-05' },
      { q: '食品经营许可证遗失如何补办', asked: '2024-05-20' },
      { q: '网店是否需要办理营业执照', asked: '2024-05-20' },
      { q: '计量器具检定收费标准在哪里查询', asked: '2024-06-10' },
    ];
    // As saved: a question row above a 留言时间 row, in the 互动交流 panel of the menu; no status, no reply date.
    const plain = await runOffline(interaction, [{ path: '/', html: megaMenuConsultHome(questions) }], { maxProbes: 0 }, '2024-07-01');
    // Two questions of one day are two messages (the question text is the title); none is judged unanswered.
    expect(plain.summary).toMatchObject({ messages: 4, statusUnknown: 4, unanswered: 0, late: 0 });
    expect(plain.findings.filter((f) => ['unanswered', 'late', 'unanswered-warning'].includes(f.code))).toEqual([]);
    expect(plain.findings.every((f) => f.tier === 'suspected')).toBe(true);
    // The same panel showing a status per question: the January question still 办理中 after six months fails.
    const withStatus = questions.map((x, i) => ({ ...x, status: i === 0 ? '办理中' : '已回复' }));
    const judged = await runOffline(interaction, [{ path: '/', html: megaMenuConsultHome(withStatus) }], { maxProbes: 0 }, '2024-07-01');
    const unanswered = judged.findings.filter((f) => f.code === 'unanswered');
    expect(unanswered.map((f) => `${f.tier}/${f.params.title}/${f.params.asked}`)).toEqual(['confirmed/个体户年度报告在哪里填报/2024-01-05']);
    expect(unanswered[0]).toMatchObject({ severity: 'veto', rule: 'W-V5', evidence: { status: 'unanswered', statusText: '办理中', shape: 'labels' } });
    expect(judged.summary).toMatchObject({ messages: 4, answered: 3, unanswered: 1 });
  });
});

describe('interaction on served fixture sites', () => {
  let ext: Served;
  const servers: Served[] = [];
  beforeAll(async () => {
    ext = await serve(externalRoutes());
  });
  afterAll(async () => {
    await Promise.all([ext.close(), ...servers.map((s) => s.close())]);
  });
  const up = async (o: Parameters<typeof generateSite>[0]) => {
    const site = generateSite({ externalOrigin: ext.origin, planted: false, gbk: false, ...o });
    const s = await serve(site.routes);
    servers.push(s);
    return { site, s };
  };

  it('answered messages pass; each planted late, unanswered and nearly late message is reported once', async () => {
    const { s: clean } = await up({});
    const ok = (await runServed([interaction], clean.origin, '2024-07-01'))['interaction'];
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatchObject({ messages: 4, answered: 4 });

    const { site, s } = await up({ freshness: { unansweredMessages: 2, lateMessages: 1, nearingMessages: 1 } });
    const r = (await runServed([interaction], s.origin, '2024-07-01'))['interaction'];
    const expected = site.truth.freshness!.messages;
    const code = { unanswered: 'unanswered', late: 'late', nearing: 'unanswered-warning' } as const;
    for (const m of expected) {
      const found = r.findings.filter((f) => f.params.title === m.title);
      if (m.expect === 'answered') expect(found, m.title).toEqual([]);
      else {
        expect(found, m.title).toHaveLength(1);
        expect(found[0]).toMatchObject({ code: code[m.expect], evidence: { askedOn: m.askedOn } });
      }
    }
    expect(r.findings.filter((f) => f.severity === 'veto')).toHaveLength(3);
    expect(r.status).toBe('fail');
  });

  it('a channel that is only a placeholder does not work; a channel beyond the crawl is fetched to verify it', async () => {
    const { s } = await up({ freshness: { interaction: 'placeholder' } });
    const r = (await runServed([interaction], s.origin, '2024-07-01'))['interaction'];
    expect(r.findings[0]).toMatchObject({ code: 'channel-broken', severity: 'veto' });
    expect(String(r.findings[0].evidence.actual)).toContain('placeholder');

    const { s: deep } = await up({});
    const shallow = (await runServed([interaction], deep.origin, '2024-07-01', {}, { maxDepth: 0 }))['interaction'];
    expect(shallow.findings).toEqual([]);
    expect(shallow.summary).toMatchObject({ channels: 2, workingChannels: 2 });
    expect(deep.hits.get('GET /hdjl/')).toBe(1);
  });
});
