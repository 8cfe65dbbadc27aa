/**
 * domain — a government site's identity (W-D5 功能设计), as information: a host outside .gov.cn (or an IP address),
 * and a home-page footer lacking the 网站标识码 (10 digits, or "bm" + 8 for State Council departments), ICP or
 * public-security filing numbers. Uses the crawl's home page only.
 */
import net from 'node:net';
import { z } from 'zod';
import { CollectFailure, defineCheck, type FindingInput } from '../src/check-api/api.js';
import { SITE_CODE_FORMAT, SITE_CODE_IN_TEXT } from '../src/analysis/content/site-code.js';

const options = z.object({
  /** Host suffixes that count as government domains. */
  govSuffixes: z.array(z.string()).default(['gov.cn']),
  /** Report a missing 网站标识码 / ICP / 公安 filing number in the home page footer. */
  checkFooter: z.boolean().default(true),
});

interface Collected {
  siteCode?: string;
  siteCodeMeta?: string;
  icp?: string;
  psb?: string;
}

const ICP = /[\u4e00-\u9fa5]?ICP\s*[备证]\s*\d{5,}\s*号(?:\s*-\s*\d+)?/i;
const PSB = /[\u4e00-\u9fa5]?公网安备\s*\d{8,}\s*号?/;

export default defineCheck({
  meta: {
    id: 'domain',
    scope: ['website'],
    rules: ['W-D5'],
    options,
  },
  collect({ text, page, isHome }) {
    if (!isHome) return undefined;
    const out: Collected = {
      siteCode: SITE_CODE_IN_TEXT.exec(text)?.[1],
      siteCodeMeta: page.meta['siteidcode']?.trim() || undefined,
      icp: ICP.exec(text)?.[0].replace(/\s+/g, ''),
      psb: PSB.exec(text)?.[0].replace(/\s+/g, ''),
    };
    return out;
  },
  run(site, ctx) {
    const o = ctx.options;
    const findings: FindingInput[] = [];
    let host: string;
    try {
      host = new URL(site.home?.finalUrl ?? site.startUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    } catch {
      return { findings, notApplicable: 'invalid URL' };
    }
    const url = site.home?.finalUrl ?? site.startUrl;
    const info = (code: string, params: Record<string, string | number>, expected: string, actual: string, location: string) =>
      findings.push({ code, params, severity: 'info', rule: 'W-D5', url, target: location === 'host' ? host : url, evidence: { location, expected, actual } });
    if (net.isIP(host)) info('ip-host', { host }, 'a .gov.cn domain name', host, 'host');
    else if (!o.govSuffixes.some((s) => host === s || host.endsWith(`.${s}`))) info('not-gov-domain', { host }, `*.${o.govSuffixes.join(' / *.')}`, host, 'host');

    const home = site.home;
    const collected = ctx.collected(home);
    // A home page whose collector failed is read as one that shows none of the codes (their findings follow).
    const c: Collected | undefined = collected instanceof CollectFailure ? {} : collected;
    if (o.checkFooter && home && !home.error && c) {
      const code = c.siteCode ?? c.siteCodeMeta;
      if (!code) info('no-site-code', {}, '网站标识码：10 digits', '(none on the home page)', 'footer');
      else if (!SITE_CODE_FORMAT.test(code)) info('bad-site-code', { code }, '10 digits or bm + 8 digits', code, c.siteCode ? 'footer' : '<meta name="SiteIDCode">');
      if (c.siteCode && c.siteCodeMeta && c.siteCode.toLowerCase() !== c.siteCodeMeta.toLowerCase())
        info('site-code-mismatch', { meta: c.siteCodeMeta, footer: c.siteCode }, 'the same code', `${c.siteCodeMeta} ≠ ${c.siteCode}`, '<meta name="SiteIDCode">');
      if (!c.icp) info('no-icp', {}, 'ICP备…号', '(none on the home page)', 'footer');
      if (!c.psb) info('no-psb', {}, '公网安备…号', '(none on the home page)', 'footer');
    }
    return { findings, summary: { host, siteCode: c?.siteCode ?? null, siteCodeMeta: c?.siteCodeMeta ?? null, icp: c?.icp ?? null, publicSecurity: c?.psb ?? null } };
  },
});
