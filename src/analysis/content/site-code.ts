/**
 * The 网站标识码 (site code) of a government website: 10 digits (6-digit region code + 4), or "bm" + 8 digits for State
 * Council departments (docs/indicators.md). Notes: docs/modules.md.
 */

/** A well-formed site code, whole. */
export const SITE_CODE_FORMAT = /^(\d{10}|bm\d{8})$/i;

/** The site code a footer shows after its label (网站标识码：…), captured. */
export const SITE_CODE_IN_TEXT = /网站标识码\s*[：:]?\s*([A-Za-z]{2}\d{8}|\d{10})(?!\d)/;

/** The code as compared: spaces dropped, a "BM" prefix written lower-case. */
export function normalizeSiteCode(code: string): string {
  const c = code.replace(/\s+/g, '');
  return /^bm/i.test(c) ? `bm${c.slice(2)}` : c;
}

/** The footer's site code in a page's visible text, normalised. */
export function footerSiteCode(text: string): string | undefined {
  const m = SITE_CODE_IN_TEXT.exec(text);
  return m ? normalizeSiteCode(m[1]) : undefined;
}

/**
 * The page's SiteIDCode tag (from the page artifact's meta, lower-cased names): absent, present but empty, or its
 * value.
 */
export function siteCodeMeta(meta: Record<string, string>): { present: false } | { present: true; value?: string } {
  if (!('siteidcode' in meta)) return { present: false };
  const v = meta.siteidcode.trim();
  return v ? { present: true, value: v } : { present: true };
}
