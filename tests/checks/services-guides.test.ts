import { describe, expect, it } from 'vitest';
import services from '../../checks/services.js';
import { html, runOffline } from '../content/run.js';
import { attachmentGuide, guideNotice, scriptGuide, tabbedGuide } from '../fixtures/guides-messages.js';

const home = html('示例市人民政府', '<p><a href="/bsfw/">网上办事</a></p><p>示例市新闻。</p>');
const withGuide = (path: string, page: string) => [
  { path: '/', html: home },
  { path: '/bsfw/', html: html('网上办事', `<h2>网上办事</h2><p><a href="${path}">办事指南</a></p>`) },
  { path, html: page },
];

describe('services: what a guide page can show (W-V6 precision)', () => {
  it('reads a tabbed guide whose values a script fills; sections named only in its tab bar are suspected, never confirmed', async () => {
    const full = await runOffline(services, withGuide('/bszn/gtgsh.html', tabbedGuide()), { maxProbes: 0 }, '2024-07-01');
    expect(full.findings).toEqual([]);
    expect(full.summary).toMatchObject({ guides: 1, incompleteGuides: 0 });
    const partial = await runOffline(services, withGuide('/bszn/gtgsh.html', tabbedGuide({ scriptSections: true })), { maxProbes: 0 }, '2024-07-01');
    const inc = partial.findings.filter((f) => f.code === 'guide-incomplete');
    expect(inc.map((f) => `${f.tier}/${(f.evidence.missing as string[]).join(',')}`)).toEqual(['suspected/basis,fees']);
    // The empty section containers are filled by the page's script; their names show only in the tab bar.
    expect(String(inc[0].evidence.reason)).toMatch(/script/);
    // Sections left out of the HTML altogether, their names still in the tab bar (a hidden pane, a later load).
    const tabsOnly = tabbedGuide().replace(/<div class="section" id="(sfbz|sdyj)">.*?<\/div>/g, '');
    const r3 = await runOffline(services, withGuide('/bszn/gtgsh.html', tabsOnly), { maxProbes: 0 }, '2024-07-01');
    const inc3 = r3.findings.filter((f) => f.code === 'guide-incomplete');
    expect(inc3.map((f) => `${f.tier}/${(f.evidence.missing as string[]).join(',')}`)).toEqual(['suspected/basis,fees']);
    expect(String(inc3[0].evidence.reason)).toContain('收费标准');
    expect(String(inc3[0].evidence.reason)).toContain('tab bar');
  });

  it('a guide kept in an attachment, a notice about guides and a script-built guide are suspected with the reason', async () => {
    for (const [page, why] of [
      [attachmentGuide(), 'attachment'],
      [guideNotice(), 'guide element'],
      [scriptGuide(), 'script'],
    ] as const) {
      const r = await runOffline(services, withGuide('/bszn/1.html', page), { maxProbes: 0 }, '2024-07-01');
      const inc = r.findings.filter((f) => f.code === 'guide-incomplete');
      expect(
        inc.map((f) => f.tier),
        why,
      ).toEqual(['suspected']);
      expect(String(inc[0].evidence.reason), why).toContain(why);
      expect(
        r.findings.filter((f) => f.tier === 'confirmed'),
        why,
      ).toEqual([]);
    }
  });

  it('a guide whose own content was read and lacks elements is still a confirmed veto', async () => {
    const page = tabbedGuide()
      .replace(/<div class="section" id="sfbz">.*?<\/div>/, '')
      .replace('<li><a href="#s5">收费标准</a></li>', '');
    const r = await runOffline(services, withGuide('/bszn/gtgsh.html', page), { maxProbes: 0 }, '2024-07-01');
    expect(r.findings.map((f) => `${f.code}/${f.tier}/${(f.evidence.missing as string[]).join(',')}`)).toEqual(['guide-incomplete/confirmed/fees']);
  });
});
