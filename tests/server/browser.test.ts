/**
 * The review server end to end: real quarterly runs of a fixture province on 127.0.0.1 (two quarters),
 * `govcheck serve`'s app on a real port over that SQLite database, driven by real Chromium.
 */
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadGroups } from '../../src/registry/groups.js';
import { CHROMIUM_ARGS } from '../../src/browser/launcher.js';
import { buildApp } from '../../src/server/app.js';
import { MARKUP_ANCHOR, MARKUP_NAME, SCRIPT_TITLE, buildReviewProvince, type ReviewProvince } from '../fixtures/review-province.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-serve-');
let province: ReviewProvince;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const violations: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  province = await buildReviewProvince(tmp.dir);
  app = await buildApp({ db: province.dbFile, host: '127.0.0.1', config: province.config, groups: loadGroups() });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  // Only our own server: anything else the pages tried to load would be a leak.
  await context.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await province?.close();
  tmp.cleanup();
});

const cells = (row: import('playwright-core').Locator) => row.locator('td').allInnerTexts();

async function tableRows(id: string): Promise<string[][]> {
  const rows = page.locator(`#${id} tbody tr`);
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) out.push((await cells(rows.nth(i))).map((c) => c.trim()));
  return out;
}

describe('govcheck serve in Chromium', () => {
  it('lists the runs and shows a run with both attachment tables and charts', async () => {
    await page.goto(`${base}/`);
    expect(await page.locator('h1').innerText()).toBe('检查批次');
    const runs = await tableRows('runs');
    expect(runs.map((r) => r[0])).toEqual(['2024年第二季度（2024Q2）', '2024年第一季度（2024Q1）']);
    await page.getByRole('link', { name: '2024年第二季度（2024Q2）' }).click();
    await page.waitForURL(`${base}/runs/2024Q2`);
    // 附件1: planted truth — 乙市's home page answers 503 all week (W-V1), 丙市 publishes an article dated in the future (W-V4).
    expect(await tableRows('table-website')).toEqual([
      ['1', '省直部门', '1', '1', '0', '0'],
      ['2', '省直单位', '1', '1', '0', '0'],
      ['3', '甲市', '1', '1', '0', '0'],
      ['4', '乙市', '1', '1', '1', '100'],
      ['5', '丙市', '1', '1', '1', '100'],
      ['', '合计', '5', '5', '2', '40'],
    ]);
    // 附件2: 乙市's account went silent for a month in Q2 (M-V2).
    expect(await tableRows('table-newmedia')).toEqual([
      ['1', '甲市', '1', '1', '0', '0'],
      ['2', '乙市', '1', '1', '1', '100'],
      ['', '合计', '2', '2', '1', '50'],
    ]);
    // The charts are drawn by ECharts from the local copy, under the CSP (no inline script).
    for (const id of ['chart-rate', 'chart-categories', 'chart-trend']) {
      await page.locator(`#${id}[data-ready="1"] canvas`).first().waitFor({ timeout: 15_000 });
    }
    const failing = await tableRows('failing');
    expect(failing.map((r) => r[1]).sort()).toEqual(['丙市人民政府', '乙市人民政府', '示例市交通运输局'].sort());
  });

  it('filters the site list by verdict, kind, check and search', async () => {
    await page.goto(`${base}/runs/2024Q2/sites`);
    expect(await page.locator('#count').innerText()).toBe('共 7 个，显示 7 个');
    await page.selectOption('select[name=verdict]', 'fail');
    await page.selectOption('select[name=kind]', 'website');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/verdict=fail/);
    const names = async () => (await tableRows('sites')).map((r) => r[0].split('\n')[0]);
    expect(await names()).toEqual(['乙市人民政府', '丙市人民政府']);
    await page.goto(`${base}/runs/2024Q2/sites?check=publish-dates`);
    expect(await names()).toEqual(['丙市人民政府']);
    await page.goto(`${base}/runs/2024Q2/sites?category=W-V1`);
    expect(await names()).toEqual(['乙市人民政府']);
    await page.goto(`${base}/runs/2024Q2/sites`);
    await page.fill('input[name=q]', '教育');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/q=/);
    expect(await names()).toEqual(['省教育厅']);
  });

  it('drills into a failing site: verdict explained rule by rule, evidence, new against last quarter', async () => {
    await page.goto(`${base}/runs/2024Q2/sites?verdict=fail&kind=website`);
    await page.getByRole('link', { name: '乙市人民政府' }).click();
    await page.waitForURL(/\/runs\/2024Q2\/sites\//);
    expect(await page.locator('#verdict .badge').first().innerText()).toBe('不合格');
    const explain = await page.locator('#explain tbody tr').first().locator('td').allInnerTexts();
    expect(explain.slice(0, 3)).toEqual(['W-V1', '站点无法访问', '单项否决']);
    expect(await page.locator('#explain p').innerText()).toContain('单项否决');
    // The week of probes decides W-V1 (the veto); this inspection's own visit is a warning beside it.
    expect(await page.locator('article.finding', { hasText: 'W-V1' }).count()).toBe(2);
    const veto = page.locator('article.finding', { hasText: '监测期内首页访问失败' });
    await expect.poll(() => veto.count()).toBe(1);
    expect(await veto.locator('dd.actual').innerText()).toContain('140 / 140');
    expect(await page.locator('article.finding', { hasText: '首页无法访问：HTTP 503' }).count()).toBe(1);
    // The site was fine in Q1: the problem is new.
    expect(await veto.locator('.badge.chg-new').innerText()).toBe('新增');
    expect(await page.locator('#changes').innerText()).toContain('2024年第一季度');
  });

  it('a dispute keeps the verdict; a confirmed false positive changes it everywhere, and a re-check keeps it', async () => {
    const siteUrl = page.url();
    const veto = () => page.locator('article.finding', { hasText: '监测期内首页访问失败' });
    await veto().locator('details.review-box > summary').click();
    await veto().locator('select[name=status]').selectOption('disputed');
    await veto().locator('input[name=reviewer]').fill('张三');
    await veto().locator('textarea[name=comment]').fill('站点当天 9:00–9:30 例行维护，已恢复');
    await veto().locator('form.review button[type=submit]').click();
    await page.waitForURL(/done=reviewed/);
    expect(await page.locator('.flash').innerText()).toBe('复核意见已保存。');
    expect(await page.locator('#verdict .badge').first().innerText()).toBe('不合格');
    expect(await veto().locator('header .badge.r-disputed').innerText()).toBe('有异议');

    // The reviewer's name is remembered for the next form.
    expect(await veto().locator('form.review input[name=reviewer]').inputValue()).toBe('张三');
    await veto().locator('select[name=status]').selectOption('false_positive');
    await veto().locator('textarea[name=comment]').fill('核实为检查时段计划停机，已报备');
    await veto().locator('form.review button[type=submit]').click();
    await page.waitForURL(/done=reviewed/);
    expect(await page.locator('#verdict .badge').first().innerText()).toBe('合格');
    expect(await page.locator('#raw-verdict').innerText()).toContain('复核前结论：不合格');
    // Kept, with who said what and when.
    expect(await veto().locator('.badge.excluded').innerText()).toContain('已确认误报');
    const history = await veto().locator('ol.history li').allTextContents();
    expect(history).toHaveLength(2);
    expect(history[0]).toContain('有异议');
    expect(history[0]).toContain('张三');
    expect(history[1]).toContain('确认误报');

    // The run's table and failing list agree at once.
    await page.goto(`${base}/runs/2024Q2`);
    expect((await tableRows('table-website')).find((r) => r[1] === '乙市')).toEqual(['4', '乙市', '1', '1', '0', '0']);
    expect((await tableRows('failing')).map((r) => r[1])).not.toContain('乙市人民政府');

    // Re-check now (in process): the home page still answers 503, the new result keeps the false positive.
    await page.goto(siteUrl);
    await page.click('form.recheck button[type=submit]');
    await expect
      .poll(
        async () =>
          page
            .locator('.flash')
            .innerText()
            .catch(() => ''),
        { timeout: 60_000, interval: 500 },
      )
      .toMatch(/重新检查完成/);
    expect(await page.locator('.flash').innerText()).toContain('合格');
    expect(await page.locator('#verdict .badge').first().innerText()).toBe('合格');
    expect(await veto().locator('.badge.excluded').count()).toBe(1);
  });

  it('turns a confirmed false positive into an allow-list entry', async () => {
    await page.goto(`${base}/runs/2024Q2/sites?q=${encodeURIComponent('甲市人民政府')}`);
    await page.getByRole('link', { name: '甲市人民政府' }).click();
    await page.waitForURL(/\/sites\//);
    const before = Number(await page.locator('#score').innerText());
    // The link planted on the home page in Q2 only (W-D1, 1 point on the home page).
    const link = () => page.locator('article.finding', { hasText: 'q2-special.html' });
    expect(await link().locator('.badge.chg-new').innerText()).toBe('新增');
    await link().locator('details.review-box > summary').click();
    await link().locator('select[name=status]').selectOption('false_positive');
    await link().locator('form.review input[name=reviewer]').fill('李四');
    await link().locator('textarea[name=comment]').fill('专题页面仅内网可访问');
    await link().locator('form.review button[type=submit]').click();
    await page.waitForURL(/done=reviewed/);
    expect(Number(await page.locator('#score').innerText())).toBe(before + 1);
    const box = link().locator('details.review-box');
    if (!(await box.evaluate((el) => (el as HTMLDetailsElement).open))) await box.locator('> summary').click();
    await link().locator('form.allow select[name=scope]').selectOption('site');
    await link().locator('form.allow input[name=comment]').fill('内网专题');
    await link().locator('form.allow button[type=submit]').click();
    await page.waitForURL(/done=allowed/);
    expect(await page.locator('.flash').innerText()).toBe('已加入白名单。');
    await page.goto(`${base}/allow-list`);
    const rows = await tableRows('allow-list');
    expect(rows).toHaveLength(1);
    expect(rows[0][0]).toBe('链接可用性');
    expect(rows[0][1]).toMatch(/\/zt\/q2-special\.html$/);
    expect(rows[0].slice(3, 5)).toEqual(['内网专题', '李四']);
  });

  it('downloads the tables as XLSX that agree with the page', async () => {
    await page.goto(`${base}/runs/2024Q2`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/download/tables.xlsx"]')]);
    expect(download.suggestedFilename()).toBe('govcheck-2024Q2-tables.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const rows: unknown[][] = [];
    ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(String(rows[1][0])).toContain('政府网站检查情况统计表');
    expect(rows.find((r) => r[1] === '乙市')).toEqual([4, '乙市', 1, 1, 0, 0]);
    expect(rows.find((r) => r[1] === '合计')?.slice(2)).toEqual([5, 5, 1, 20]);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/download/table-website.csv"]')]);
    const text = readFileSync((await csv.path())!);
    expect(text.subarray(0, 3).toString('hex')).toBe('efbbbf');
  });

  it('renders crawled markup inert: a page title with <script>, anchor text and a registry name with markup', async () => {
    await page.goto(`${base}/runs/2024Q2/sites?q=${encodeURIComponent('丙市')}`);
    await page.getByRole('link', { name: '丙市人民政府' }).click();
    await page.waitForURL(/\/sites\//);
    const text = await page.locator('#findings').innerText();
    expect(text).toContain(SCRIPT_TITLE);
    expect(text).toContain(MARKUP_ANCHOR);
    await page.goto(`${base}/runs/2024Q2/sites`);
    expect(await page.locator('#sites').innerText()).toContain(MARKUP_NAME);
    await page.getByRole('link', { name: MARKUP_NAME }).click();
    await page.waitForURL(/\/sites\//);
    expect(await page.locator('#site-name').innerText()).toBe(MARKUP_NAME);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main script:not([type="application/json"]), main img[src="x"]').count()).toBe(0);
  });

  it('switches to English, and no page broke the Content-Security-Policy', async () => {
    await page.goto(`${base}/runs/2024Q2`);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
    expect(await page.locator('h1').innerText()).toBe('2024 Q2 (2024Q2)');
    expect(await page.locator('.table-block h2').first().innerText()).toBe('Attachment 1: websites');
    await page.goto(`${base}/`);
    expect(await page.locator('h1').innerText()).toBe('Runs');
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
