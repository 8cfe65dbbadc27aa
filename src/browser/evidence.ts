/**
 * Screenshots as evidence (`govcheck check --screenshots [DIR]`): every veto finding and the new-media display and
 * menu findings get one, saved under the run's evidence folder and referenced from `finding.evidence.screenshot`;
 * one per distinct page, at most `max` per site; a failure is noted, never fatal.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserSession } from './launcher.js';
import { bounded, settle } from './launcher.js';
import type { CheckResult, Finding } from '../types.js';

/** Checks whose deduction findings are about what a reader sees, and so get a screenshot too. */
export const SCREENSHOT_CHECKS = new Set(['newmedia-display', 'newmedia-menus']);

export interface ScreenshotOptions {
  evidenceDir: string;
  /** Sub-folder for this site (a safe name of its id). */
  siteDir: string;
  getBrowser: () => Promise<BrowserSession>;
  max: number;
  timeoutMs: number;
}

export function wantsScreenshot(f: Finding): boolean {
  if (f.evidence.screenshot) return false;
  // Every veto, suspected ones too: a reviewer deciding a suspected veto needs to see the page.
  if (f.severity === 'veto') return true;
  return SCREENSHOT_CHECKS.has(f.checkId) && f.severity === 'deduction';
}

/** Takes the screenshots the findings need; returns how many files were written. */
export async function attachScreenshots(results: CheckResult[], o: ScreenshotOptions): Promise<number> {
  const wanted = results.flatMap((r) => r.findings).filter(wantsScreenshot);
  if (!wanted.length || o.max <= 0) return 0;
  let session: BrowserSession;
  try {
    session = await o.getBrowser();
  } catch (e) {
    for (const f of wanted) f.evidence.screenshotError = `browser unavailable: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    return 0;
  }
  const dir = path.join(o.evidenceDir, o.siteDir);
  mkdirSync(dir, { recursive: true });
  const done = new Map<string, string | { error: string }>();
  let written = 0;
  await session.withPage(async (first, context) => {
    let page = first;
    for (const f of wanted) {
      const url = typeof f.evidence.screenshotUrl === 'string' ? f.evidence.screenshotUrl : f.url;
      const selector = typeof f.evidence.screenshotSelector === 'string' ? f.evidence.screenshotSelector : undefined;
      const key = `${url} ${selector ?? ''}`;
      let got = done.get(key);
      if (!got) {
        if (written >= o.max) {
          f.evidence.screenshotError = `screenshot limit reached (${o.max} per site)`;
          continue;
        }
        const file = path.join(dir, `${f.checkId}-${written + 1}.png`);
        try {
          const deadline = Date.now() + o.timeoutMs;
          const shoot = async () => {
            // A page that does not open still shows the browser's error page: that is the evidence.
            await page.goto(url, { waitUntil: 'domcontentloaded', timeout: o.timeoutMs }).catch(() => undefined);
            if (selector) await page.waitForSelector(selector, { state: 'visible', timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
            await settle(page, Math.min(deadline, Date.now() + 2_000));
            const el = selector ? page.locator(selector).first() : undefined;
            if (el && (await el.count().catch(() => 0)) > 0) await el.screenshot({ path: file, timeout: o.timeoutMs });
            else await page.screenshot({ path: file, timeout: o.timeoutMs });
          };
          await bounded(shoot(), 2 * o.timeoutMs + 2_000, `screenshot of ${url}`);
          written++;
          got = file;
        } catch (e) {
          got = { error: String((e as Error)?.message ?? e).split('\n')[0] };
          void page.close().catch(() => undefined);
          page = await context.newPage();
        }
        done.set(key, got);
      }
      if (typeof got === 'string') f.evidence.screenshot = got;
      else f.evidence.screenshotError = got.error;
    }
  });
  return written;
}
