/**
 * The unit and inspector journeys in real Chromium over real quarterly runs of tests/fixtures/review-province.ts:
 * a unit user disputes a finding and reports a fix, the re-check runs in process, an inspector confirms it, the
 * audit log shows each step. No page may run inline script (CSP) or load anything from elsewhere.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroups } from '../../src/registry/groups.js';
import { CHROMIUM_ARGS } from '../../src/browser/launcher.js';
import { buildApp } from '../../src/server/app.js';
import { addUser } from '../../src/store/accounts.js';
import { openDb } from '../../src/store/db.js';
import { buildReviewProvince, type ReviewProvince } from '../fixtures/review-province.js';
import { page as fixturePage } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-accounts-browser-');
let province: ReviewProvince;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const violations: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  province = await buildReviewProvince(tmp.dir);
  const db = openDb(province.dbFile);
  addUser(db, { name: 'jia-office', role: 'unit', password: 'jia unit password', groups: ['甲市'], displayName: '甲市政府办' }, { name: 'cli' });
  addUser(db, { name: 'inspector-li', role: 'inspector', password: 'inspector password' }, { name: 'cli' });
  db.close();
  app = await buildApp({ db: province.dbFile, host: '127.0.0.1', config: province.config, groups: loadGroups() });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium', args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await province?.close();
  tmp.cleanup();
});

async function session(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page };
}

async function login(page: Page, user: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('#login-user input[name=user]', user);
  await page.fill('#login-user input[name=password]', password);
  await page.click('#login-user button[type=submit]');
  await page.waitForURL(`${base}/`);
  expect(await page.locator('#who').innerText()).toContain(user);
}

describe('accounts and the rectification loop in Chromium', () => {
  it('unit: own sites only, dispute, report a fix; re-check in process; inspector confirms; audit log shows each step', async () => {
    const { context: uc, page: u } = await session();
    await login(u, 'jia-office', 'jia unit password');
    // Only 甲市's website and account in the site list.
    await u.goto(`${base}/runs/2024Q2/sites`);
    const names = (await u.locator('table#sites tbody tr td:nth-child(1)').allInnerTexts()).map((s) => s.trim());
    expect(names.length).toBe(2);
    expect(names.join(' ')).toContain('甲市人民政府');
    expect(names.join(' ')).toContain('示例市发布');
    expect(names.join(' ')).not.toContain('乙市');
    // Another unit's site: 404.
    const other = await u.goto(`${base}/runs/2024Q2/sites/${encodeURIComponent(province.ids.yi)}`);
    expect(other!.status()).toBe(404);
    expect(await u.locator('h1').innerText()).toBe('404');

    // Dispute one broken link (a unit may only dispute; the reviewer is the signed-in user).
    await u.goto(`${base}/runs/2024Q2/sites/${encodeURIComponent(province.ids.jia)}`);
    expect(await u.locator('form.recheck').count()).toBe(0);
    const card = u.locator('article.finding', { hasText: '链接不可用' }).filter({ hasNotText: 'q2-special' }).first();
    await card.locator('details.review-box > summary').click();
    expect(await card.locator('select[name=status] option').allInnerTexts()).toEqual(['有异议']);
    expect(await card.locator('input[name=reviewer]').inputValue()).toBe('jia-office');
    await card.locator('textarea[name=comment]').fill('该链接指向的专题已迁移');
    await card.locator('form.review button[type=submit]').click();
    await u.waitForURL(/done=reviewed/);

    // The unit fixes the broken link on its site, then reports the fix.
    province.routes.jia.set('/zt/q2-special.html', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: fixturePage({ siteName: '甲市人民政府', title: '二季度专题', body: '<p>二季度专题</p>' }) });
    await u.goto(`${base}/rectification?run=2024Q2&site=${encodeURIComponent(province.ids.jia)}`);
    const item = () => u.locator('#rect-items tr.rect', { hasText: 'q2-special' });
    expect(await item().locator('.rect-status').innerText()).toBe('待整改');
    await item().locator('textarea[name=note]').fill('已恢复二季度专题页面');
    await item().locator('form.rect-report button[type=submit]').click();
    await u.waitForURL(/done=1/);
    expect(await item().locator('.rect-status').innerText()).toBe('复核中');
    await uc.close();

    // The inspector: the re-check (in process) no longer finds the broken link; confirm it.
    const { context: ic, page: i } = await session();
    await login(i, 'inspector-li', 'inspector password');
    const url = `${base}/rectification?run=2024Q2&site=${encodeURIComponent(province.ids.jia)}`;
    const row = () => i.locator('#rect-items tr.rect', { hasText: 'q2-special' });
    const deadline = Date.now() + 120_000;
    for (;;) {
      await i.goto(url);
      const r = row().locator('.recheck-result');
      if ((await r.count()) && (await r.innerText()) === '复核未再发现该问题') break;
      if (Date.now() > deadline) throw new Error(`the re-check did not finish: ${await row().innerText()}`);
      await i.waitForTimeout(1000);
    }
    await row().locator('input[name=note]').fill('复核通过');
    await row().locator('form.rect-decide button[value=confirmed]').click();
    await i.waitForURL(/done=1/);
    expect(await row().locator('.rect-status').innerText()).toBe('已整改确认');
    // The other broken links are still there, still to fix.
    expect(await i.locator('#rect-items tr.rect', { hasText: '链接不可用' }).filter({ hasText: '待整改' }).count()).toBeGreaterThan(0);

    // Quarter over quarter: the link broken only in Q1 is gone in Q2; the ones broken in both persist.
    const q = i.locator('#quarter-fixes-table tbody tr', { hasText: 'q1-special' });
    expect(await q.locator('td').nth(3).innerText()).toBe('本季度已消除');
    expect(await i.locator('#quarter-fixes-table tbody tr.persisting').count()).toBeGreaterThan(0);

    // The audit log: each step, by whom.
    await i.goto(`${base}/audit`);
    const rows = (await i.locator('#audit tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(2, 4).map((td) => td.textContent?.trim())))).reverse();
    expect(rows.filter((r) => !String(r[1]).startsWith('session.') && !String(r[1]).startsWith('user.'))).toEqual([
      ['jia-office', 'review.add'],
      ['jia-office', 'rectification.reported'],
      ['jia-office', 'rectification.rechecking'],
      ['inspector-li', 'rectification.confirmed'],
    ]);
    await ic.close();
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
