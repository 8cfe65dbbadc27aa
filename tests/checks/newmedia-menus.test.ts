import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import menusCheck from '../../checks/newmedia-menus.js';
import { loadConfig } from '../../src/config.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { AccountMenu, SiteArtifacts } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { serve, type Route, type Served } from '../fixtures/site.js';

let s: Served;
beforeAll(async () => {
  const html = (title: string, body: string) => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<html><head><title>${title}</title></head><body>${body}</body></html>` });
  s = await serve(
    new Map<string, Route>([
      ['/guide.html', html('办事指南', '<h1>办事指南</h1>')],
      ['/message.html', html('我要留言', '<form><textarea></textarea></form>')],
      ['/expired.html', html('提示', '<p>该链接已失效</p>')],
      ['/busy.html', { status: 502 }],
    ]),
  );
});
afterAll(() => s.close());

const config = loadConfig();

function artifacts(menus: AccountMenu[], o: { platform?: string; extracted?: boolean } = {}): SiteArtifacts {
  const source = `${s.origin}/account/`;
  const platform = o.platform ?? 'wechat';
  return {
    site: { id: 'acct', url: source, kind: 'newmedia', platform, source },
    startUrl: source,
    pages: [],
    stats: { pages: 1, links: 0, durationMs: 0, skippedByLimit: 0, errors: 0 },
    asOf: '2024-07-01',
    siteHosts: [new URL(source).host],
    account: { platform, sourceKind: 'page', sourceUrl: source, fetchedAt: '2024-07-01T00:00:00Z', posts: [], menus, menusExtracted: o.extracted ?? true },
  };
}

async function run(menus: AccountMenu[], o: { platform?: string; extracted?: boolean } = {}) {
  const http = new HttpClient({ networkPolicy: true, retries: 0 });
  try {
    const [r] = await runChecks(artifacts(menus, o), [{ module: menusCheck, options: menusCheck.meta.options.parse({}) }], { config, http });
    return r;
  } finally {
    await http.close();
  }
}

const interaction = (): AccountMenu => ({ label: '互动交流', children: [{ label: '我要留言', url: `${s.origin}/message.html` }] });

describe('newmedia-menus (M-D2, M-V3)', () => {
  it('passes working menus with a working interaction entry', async () => {
    const r = await run([{ label: '政务服务', children: [{ label: '办事指南', url: `${s.origin}/guide.html` }] }, interaction()]);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ menuItems: 4, workingInteraction: 2, interactionEntries: ['互动交流', '互动交流 > 我要留言'] });
  });

  it('reports items that lead nowhere, to a 404, or to an error page; a 502 only as suspected', async () => {
    const r = await run([
      {
        label: '政务服务',
        children: [
          { label: '便民服务', raw: 'javascript:void(0)' },
          { label: '政策解读', url: `${s.origin}/missing.html` },
          { label: '专题', url: `${s.origin}/expired.html` },
          { label: '数据', url: `${s.origin}/busy.html` },
          { label: '空白' },
        ],
      },
      interaction(),
    ]);
    const by = (label: string) => r.findings.find((f) => f.evidence.location === `政务服务 > ${label}`);
    expect(by('便民服务')).toMatchObject({ code: 'nowhere', severity: 'deduction', rule: 'M-D2', target: 'javascript:void(0)' });
    expect(by('便民服务')!.message).toBe('菜单无法使用：“政务服务 > 便民服务”没有可打开的链接（javascript:void(0)）');
    expect(by('空白')).toMatchObject({ code: 'nowhere', params: { raw: '无链接 / no link' } });
    expect(by('政策解读')).toMatchObject({ code: 'broken', tier: 'confirmed', params: { reason: 'HTTP 404' }, target: `${s.origin}/missing.html` });
    expect(by('专题')).toMatchObject({ code: 'error-page', params: { phrase: '该链接已失效' } });
    expect(by('数据')).toMatchObject({ code: 'broken', tier: 'suspected' });
    expect(r.findings.some((f) => f.code.startsWith('no-') || f.code === 'interaction-broken')).toBe(false);
    const verdict = computeVerdict(r.findings, config.rules);
    expect(verdict).toMatchObject({ verdict: 'pass', decidedBy: [{ rule: 'M-D2', kind: 'deduction', findings: 4 }] });
  });

  it('vetoes (M-V3) an account without an interaction entry, or whose entries do not work', async () => {
    const none = await run([{ label: '办事指南', url: `${s.origin}/guide.html` }]);
    expect(none.findings).toEqual([expect.objectContaining({ code: 'no-interaction', severity: 'veto', rule: 'M-V3' })]);
    expect(computeVerdict(none.findings, config.rules).verdict).toBe('fail');
    const dead = await run([{ label: '我要留言', url: `${s.origin}/gone.html` }]);
    expect(dead.findings.map((f) => f.code).sort()).toEqual(['broken', 'interaction-broken']);
    expect(dead.findings.find((f) => f.code === 'interaction-broken')!.message).toBe('互动回应差：互动入口 “我要留言” 均无法使用');
    expect(dead.findings.find((f) => f.code === 'interaction-broken')).toMatchObject({ tier: 'confirmed' });
    expect(computeVerdict(dead.findings, config.rules).verdict).toBe('fail');
    // an entry that failed with a server error is unknown: the veto is only suspected, not scored
    const busy = await run([{ label: '我要留言', url: `${s.origin}/busy.html` }]);
    expect(busy.findings.find((f) => f.code === 'interaction-broken')).toMatchObject({ severity: 'veto', tier: 'suspected' });
    expect(computeVerdict(busy.findings, config.rules).verdict).toBe('pass');
    const empty = await run([]);
    expect(empty.findings).toEqual([expect.objectContaining({ code: 'no-menus', severity: 'veto' })]);
  });

  it('does not require a menu entry where interaction is native (Weibo comments)', async () => {
    const r = await run([], { platform: 'weibo' });
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ nativeInteraction: true });
  });

  it('is not applicable to sources that show no menus (feeds)', async () => {
    const r = await run([], { extracted: false });
    expect(r.status).toBe('not_applicable');
  });
});
