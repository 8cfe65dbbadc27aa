/**
 * newmedia-menus — M-D2 功能无法使用 (menu items leading nowhere or to a broken or error page) and M-V3 互动回应差 (no
 * working interaction entry; platforms with native comments exempt). Sources without menus (feeds) are not
 * applicable. Evidence policy: docs/checks.md "M-V3", "M-D2".
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { DEFAULT_PLACEHOLDERS, findPlaceholder, judgeProbe, probePolicyOptions, snippetText, type Judged } from '../src/newmedia/probe.js';
import type { AccountMenu } from '../src/types.js';

interface Flat {
  menu: AccountMenu;
  path: string;
  leaf: boolean;
}

function flatten(menus: AccountMenu[], prefix = ''): Flat[] {
  return menus.flatMap((m) => {
    const path = prefix ? `${prefix} > ${m.label}` : m.label;
    const children = m.children ?? [];
    return [{ menu: m, path, leaf: children.length === 0 }, ...flatten(children, path)];
  });
}

export default defineCheck({
  meta: {
    id: 'newmedia-menus',
    scope: ['newmedia'],
    rules: ['M-D2', 'M-V3'],
    options: z.object({
      /** Labels that make a menu item an interaction entry. */
      interactionKeywords: z.array(z.string().min(1)).default(['留言', '互动', '咨询', '投诉', '建议', '信箱', '问政', '联系我们', '诉求', '反馈', '12345', '民意征集', '在线访谈', '我要问']),
      /** Require a working interaction entry in the menus (M-V3). */
      requireInteraction: z.boolean().default(true),
      /** Platforms whose interaction is native (comments), where no menu entry is needed. */
      nativeInteractionPlatforms: z.array(z.string()).default(['weibo', 'douyin', 'kuaishou', 'toutiao', 'bilibili', 'channels']),
      /** Texts that make a target page an error page although it answers 200. */
      errorTexts: z.array(z.string().min(2)).default(['页面不存在', '页面未找到', '该页面已被删除', '链接已失效', '该链接已失效', '页面已失效', ...DEFAULT_PLACEHOLDERS]),
      /** Menu targets probed at most. */
      maxProbes: z.number().int().positive().default(60),
      ...probePolicyOptions,
    }),
  },
  async run(site, { options, http, rulePoints }) {
    const account = site.account;
    if (!account) return { findings: [], notApplicable: 'not a new-media account' };
    if (account.error) return { findings: [], notApplicable: `source unreadable (${account.error.kind})` };
    if (!account.menusExtracted) return { findings: [], notApplicable: 'the source shows no menus (feed)' };
    const points = rulePoints('M-D2') ?? 2;
    const url = account.sourceUrl;
    const items = flatten(account.menus);
    const findings: FindingInput[] = [];
    const working = new Map<AccountMenu, boolean>();
    /** Menu items whose state is unknown: failed with a 5xx or a network error, or not probed (maxProbes). */
    const unknown = new Set<AccountMenu>();
    let probes = 0;

    await Promise.all(
      items.map(async ({ menu, path, leaf }) => {
        const evidence = { location: path, label: menu.label, screenshotUrl: url };
        if (!menu.url) {
          working.set(menu, false);
          if (!leaf) return; // a parent that opens its sub-menu
          findings.push({
            code: 'nowhere',
            params: { label: path, raw: menu.raw === undefined ? '无链接 / no link' : menu.raw || '空 / empty' },
            severity: 'deduction',
            rule: 'M-D2',
            points,
            url,
            target: menu.raw ?? path,
            evidence: { ...evidence, expected: 'a link that opens', actual: menu.raw ?? 'no target' },
          });
          return;
        }
        if (probes >= options.maxProbes) {
          unknown.add(menu);
          return;
        }
        probes++;
        const r = await http.probe(menu.url, { method: 'GET', wantBody: true });
        const judged: Judged = judgeProbe(r, options);
        if (judged.outcome === 'ok') {
          const text = snippetText(r.bodySnippet);
          const hit = findPlaceholder(text.slice(0, 2000), options.errorTexts);
          if (hit) {
            working.set(menu, false);
            findings.push({
              code: 'error-page',
              params: { label: path, phrase: hit.phrase },
              severity: 'deduction',
              rule: 'M-D2',
              points,
              url,
              target: menu.url,
              evidence: { ...evidence, screenshotUrl: menu.url, snippet: hit.snippet, expected: 'a working page', actual: hit.phrase },
            });
          } else working.set(menu, true);
          return;
        }
        working.set(menu, judged.outcome === 'inconclusive');
        if (judged.outcome === 'inconclusive') return;
        if (judged.outcome !== 'broken') unknown.add(menu);
        findings.push({
          code: 'broken',
          params: { label: path, reason: judged.reason },
          severity: 'deduction',
          tier: judged.outcome === 'broken' ? 'confirmed' : 'suspected',
          rule: 'M-D2',
          points,
          url,
          target: menu.url,
          evidence: { ...evidence, screenshotUrl: menu.url, expected: 'HTTP 2xx', actual: judged.reason },
        });
      }),
    );

    const interaction = items.filter(({ menu }) => options.interactionKeywords.some((k) => menu.label.includes(k)));
    const workingInteraction = interaction.filter(({ menu, leaf }) => working.get(menu) === true || (!leaf && (menu.children ?? []).some((c) => working.get(c))));
    const exempt = options.nativeInteractionPlatforms.includes(account.platform);
    const unsure = interaction.some(({ menu, leaf }) => unknown.has(menu) || (!leaf && (menu.children ?? []).some((c) => unknown.has(c))));
    if (options.requireInteraction && !exempt && workingInteraction.length === 0) {
      const entries = interaction.map((i) => `“${i.path}”`).join('、');
      findings.push({
        code: interaction.length ? 'interaction-broken' : account.menus.length ? 'no-interaction' : 'no-menus',
        params: { entries },
        severity: 'veto',
        // confirmed only when every interaction entry was seen broken; one that failed with a 5xx or a
        // network error, or was not probed (maxProbes), leaves it unknown
        tier: unsure ? 'suspected' : 'confirmed',
        rule: 'M-V3',
        url,
        target: url,
        evidence: {
          expected: `a working menu item labelled like ${options.interactionKeywords.slice(0, 5).join(' / ')}`,
          actual: interaction.length ? `interaction entries do not work: ${interaction.map((i) => i.path).join(', ')}` : account.menus.length ? `menus: ${items.map((i) => i.path).join(', ')}` : 'no menus',
          screenshotUrl: url,
          ...(unsure ? { reason: 'suspected: an interaction entry failed with a server or network error, or was not probed' } : {}),
        },
      });
    }
    return {
      findings,
      summary: { menuItems: items.length, probes, interactionEntries: interaction.map((i) => i.path), workingInteraction: workingInteraction.length, nativeInteraction: exempt },
    };
  },
});
