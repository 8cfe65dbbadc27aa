/**
 * Screenshots of the review pages for docs/review-app.md (`npm run screenshots [-- OUT_DIR]`): two quarterly runs of
 * the review fixture province on 127.0.0.1, served by `govcheck serve`'s app, walked in Chromium (one review made on
 * the way), PNGs written to docs/screenshots/ (or OUT_DIR).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../src/browser/launcher.js';
import { loadGroups } from '../src/registry/groups.js';
import { buildApp } from '../src/server/app.js';
import { buildReviewProvince } from '../tests/fixtures/review-province.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs/screenshots'));
mkdirSync(out, { recursive: true });
const work = mkdtempSync(path.join(os.tmpdir(), 'govcheck-shots-'));

const province = await buildReviewProvince(work, { screenshots: true });
const app = await buildApp({ db: province.dbFile, host: '127.0.0.1', config: province.config, groups: loadGroups(), evidenceDir: path.join(work, 'evidence') });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await chromium.launch({ executablePath: province.config.browser.executablePath, args: CHROMIUM_ARGS });
const written: string[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', deviceScaleFactor: 1 });
  await context.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  const page = await context.newPage();
  const shot = async (name: string, o: { fullPage?: boolean; maxHeight?: number } = {}) => {
    const file = path.join(out, `${name}.png`);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (o.maxHeight) await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.min(height, o.maxHeight) } });
    else await page.screenshot({ path: file, fullPage: o.fullPage ?? false });
    written.push(file);
  };
  const charts = async () => {
    for (const id of ['chart-rate', 'chart-categories', 'chart-trend']) await page.locator(`#${id}[data-ready="1"]`).waitFor({ timeout: 15_000 });
  };
  const openReview = async (loc: import('playwright-core').Locator) => {
    const box = loc.locator('details.review-box');
    if (!(await box.evaluate((el) => (el as HTMLDetailsElement).open))) await box.locator('> summary').click();
  };
  const yi = `${base}/runs/2024Q2/sites/${encodeURIComponent(province.ids.yi)}`;
  const bing = `${base}/runs/2024Q2/sites/${encodeURIComponent(province.ids.bing)}`;

  await page.goto(`${base}/`);
  await shot('runs');
  await page.goto(`${base}/runs/2024Q2`);
  await charts();
  await shot('run-overview', { fullPage: true });
  await page.goto(`${base}/runs/2024Q2/sites?verdict=fail`);
  await shot('sites-failing');
  await page.goto(bing);
  await shot('site-detail', { maxHeight: 1800 });
  // A site owner disputes the 503 home page; the inspector confirms it as a false positive.
  await page.goto(yi);
  const veto = page.locator('article.finding', { hasText: 'W-V1' });
  await openReview(veto);
  await veto.locator('select[name=status]').selectOption('disputed');
  await veto.locator('input[name=reviewer]').fill('乙市政务公开办 王五');
  await veto.locator('textarea[name=comment]').fill('检查当日 9:00–9:40 机房计划停电，已提前公告，附公告链接');
  await veto.locator('form.review button[type=submit]').click();
  await page.waitForURL(/done=reviewed/);
  await openReview(veto);
  await veto.locator('select[name=status]').selectOption('false_positive');
  await veto.locator('input[name=reviewer]').fill('省政务公开办 李四');
  await veto.locator('textarea[name=comment]').fill('核实停电公告属实，按误报处理');
  await veto.locator('form.review button[type=submit]').click();
  await page.waitForURL(/done=reviewed/);
  await openReview(veto);
  await shot('review', { maxHeight: 1700 });
  await page.goto(`${base}/runs/2024Q2?lang=en`);
  await charts();
  await shot('run-overview-en');
  await context.close();
} finally {
  await browser.close();
  await app.close();
  await province.close();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(written.map((f) => path.relative(process.cwd(), f)).join('\n') + '\n');
