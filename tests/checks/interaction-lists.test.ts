import { describe, expect, it } from 'vitest';
import interaction from '../../checks/interaction.js';
import { runOffline } from '../content/run.js';
import { consultFormPage } from '../fixtures/verdicts.js';
import { homeWithStatusIcons, hotlineTable } from '../fixtures/guides-messages.js';

const ICON_ITEMS = [
  { title: '农村低保申请需要哪些材料', asked: '2024-06-18', answered: true },
  { title: '县城老旧小区改造何时启动', asked: '2024-01-29', answered: false },
  { title: '新生儿落户在哪里办理', asked: '2024-06-03', answered: true },
];

describe('interaction: message lists as real sites draw them (W-V5)', () => {
  it('reads a status icon by its alt text: a question unanswered for five months on the home page is a confirmed veto', async () => {
    const pages = [
      { path: '/', html: homeWithStatusIcons(ICON_ITEMS) },
      { path: '/hdjl/xzxx/', html: consultFormPage() },
    ];
    const r = await runOffline(interaction, pages, { maxProbes: 0 }, '2024-07-01');
    const veto = r.findings.filter((f) => f.severity === 'veto');
    expect(veto.map((f) => `${f.code}/${f.tier}/${f.params.title}/${f.params.days}`)).toEqual(['unanswered/confirmed/[咨询] 县城老旧小区改造何时启动/154']);
    expect(veto[0]).toMatchObject({ rule: 'W-V5', url: 'http://127.0.0.1:9/', evidence: { askedOn: '2024-01-29', status: 'unanswered', statusText: '未回复', shape: 'status-list' } });
    expect(r.summary).toMatchObject({ messages: 3, answered: 2, unanswered: 1 });
  });

  it('an icon known only by its file name (whf.gif) is read, but the veto is only suspected', async () => {
    const r = await runOffline(
      interaction,
      [
        { path: '/', html: homeWithStatusIcons(ICON_ITEMS, { altless: true }) },
        { path: '/hdjl/xzxx/', html: consultFormPage() },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    const u = r.findings.filter((f) => f.code === 'unanswered');
    expect(u.map((f) => f.tier)).toEqual(['suspected']);
    expect(String(u[0].evidence.reason)).toContain('whf');
    // Judged at a date less than 90 days after the question: no veto at all.
    const early = await runOffline(
      interaction,
      [
        { path: '/', html: homeWithStatusIcons(ICON_ITEMS) },
        { path: '/hdjl/xzxx/', html: consultFormPage() },
      ],
      { maxProbes: 0 },
      '2024-03-01',
    );
    expect(early.findings.filter((f) => f.severity === 'veto')).toEqual([]);
  });

  it('reads a 12345 hotline table: a work order only forwarded (已转办) or signed for (已签收) is not answered', async () => {
    const page = hotlineTable([
      { no: 'GD2024010001', title: '小区门口路灯损坏', asked: '2024-01-08', status: '已转办' },
      { no: 'GD2024020002', title: '菜市场占道经营', asked: '2024-02-10', status: '已签收' },
      { no: 'GD2024050003', title: '公交线路调整建议', asked: '2024-05-02', status: '已办结' },
    ]);
    const r = await runOffline(
      interaction,
      [
        { path: '/', html: homeWithStatusIcons([]).replace('<a href="/hdjl/xzxx/">县长信箱</a>', '<a href="/12345/">12345热线</a>') },
        { path: '/12345/', html: page },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(
      r.findings
        .filter((f) => f.code === 'unanswered')
        .map((f) => `${f.tier}/${f.params.title}/${f.evidence.statusText}`)
        .sort(),
    ).toEqual(['confirmed/小区门口路灯损坏/已转办', 'confirmed/菜市场占道经营/已签收']);
    expect(r.summary).toMatchObject({ messages: 3, answered: 1, unanswered: 2, workingChannels: 1 });
  });

  it('a 办件公示 table (受理时间 / 办理中) is not a message list', async () => {
    const page = `<html><body><h2>办件公示</h2><table><tr><th>申请人</th><th>事项名称</th><th>受理时间</th><th>办理状态</th></tr><tr><td>张**</td><td>食品经营许可</td><td>2024-01-05</td><td>办理中</td></tr></table></body></html>`;
    const r = await runOffline(
      interaction,
      [
        { path: '/', html: homeWithStatusIcons([]).replace('<a href="/zwgk/">政务公开</a>', '<a href="/zwgk/">政务公开</a><a href="/bjgs/">办件公示</a>') },
        { path: '/bjgs/', html: page },
        { path: '/hdjl/xzxx/', html: consultFormPage() },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ messages: 0 });
  });
});
