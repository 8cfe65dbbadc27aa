/**
 * jiucuo — the 「我为政府网站找错」 entrance on the home page (W-D5 功能设计): missing, hidden, or carrying a site_code
 * unlike the footer / SiteIDCode / registry's. What counts as an entrance and the evidence each finding needs:
 * docs/checks.md "W-D5"; the code formats: src/analysis/content/site-code.ts.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { DomUtils } from 'htmlparser2';
import { z } from 'zod';
import { defineCheck, failOnCollectFailure, type FindingInput } from '../src/check-api/api.js';
import { homeReadDoubt, homeReadSignals, type HomeReadSignals } from '../src/analysis/content/home-read.js';
import { DEFAULT_SERVICE_LINKS, serviceLinkKind, serviceLinkSchema } from '../src/analysis/content/service-links.js';
import { footerSiteCode, normalizeSiteCode, SITE_CODE_FORMAT, siteCodeMeta } from '../src/analysis/content/site-code.js';
import { keywordRegExp, toSimplified } from '../src/analysis/content/text.js';
import { DEFAULT_HIDDEN_OPTIONS, selectorOf, styleElements, visibility } from '../src/analysis/content/visibility.js';
import type { Evidence, PageArtifact } from '../src/types.js';

const ID = 'jiucuo';

interface Entrance {
  /** link: an <a>/<area> to the service; script: the service's script (or the image it drew); named: a link named 找错/纠错 elsewhere. */
  kind: 'link' | 'script' | 'named';
  url: string;
  /** The code as written (site_code=…, sitecode="…", Link('…')). */
  siteCode?: string;
  selector: string;
  text: string;
  /** Why it is hidden (empty: visible as far as the HTML tells). */
  technique: string[];
}

interface Collected {
  entrances: Entrance[];
  footerCode?: string;
  meta: { present: boolean; value?: string };
  read: HomeReadSignals;
}

const options = z.object({
  /** Service links (config/service-links.yaml): links of `kind: jiucuo` are the official entrance. */
  serviceLinks: z.array(serviceLinkSchema).default(DEFAULT_SERVICE_LINKS.filter((e) => e.kind === 'jiucuo')),
  /** File names of the service's script that draws the entrance. */
  scriptFiles: z.array(z.string().min(1)).default(['jiucuo.js']),
  /** Words naming a 找错 entrance (a link so named that does not go to the service is `jiucuo-unofficial`). */
  namedWords: z.array(z.string().min(1)).default(['找错', '纠错']),
  missingSeverity: z.enum(['deduction', 'warning']).default('deduction'),
  /** Every entrance hidden: scored as a deduction once confirmed; suspected by default (a script may show it). */
  hiddenSeverity: z.enum(['deduction', 'warning', 'info']).default('deduction'),
  hiddenTier: z.enum(['confirmed', 'suspected']).default('suspected'),
  mismatchSeverity: z.enum(['deduction', 'warning']).default('deduction'),
  /** <meta name="SiteIDCode" content="">: the page tag standard asks for the code (not an indicator deduction). */
  emptyMetaSeverity: z.enum(['deduction', 'warning', 'info']).default('warning'),
  /** Compare the entrance's code with the registry's 网站标识码 when the registry has one. */
  compareRegistry: z.boolean().default(true),
  /** Visible characters below which the home page may be built by script (missing is then suspected). */
  minHomeText: z.number().int().nonnegative().default(100),
  tinyPx: z.number().nonnegative().default(DEFAULT_HIDDEN_OPTIONS.tinyPx),
  offscreenPx: z.number().positive().default(DEFAULT_HIDDEN_OPTIONS.offscreenPx),
  maxStyleRules: z.number().int().nonnegative().default(DEFAULT_HIDDEN_OPTIONS.maxStyleRules),
  /** Entrances kept from the home page (bounded on link-flood pages). */
  maxEntrances: z.number().int().positive().default(20),
});

type Opts = z.output<typeof options>;

function parseUrl(raw: string | undefined, base: string): URL | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

function codeParam(u: URL): string | undefined {
  for (const k of ['site_code', 'sitecode', 'siteCode', 'siteid']) {
    const v = u.searchParams.get(k);
    if (v?.trim()) return v.trim();
  }
  return undefined;
}

/** The code of a script-drawn image: onclick="Link('3609000002')". */
function linkCall(s: string | undefined): string | undefined {
  return s ? /\bLink\(\s*['"]([^'"]+)['"]\s*\)/.exec(s)?.[1] : undefined;
}

function collectEntrances($: CheerioAPI, page: PageArtifact, o: Opts): Entrance[] {
  const base = page.finalUrl;
  const baseHref = $('base[href]').first().attr('href');
  const baseUrl = parseUrl(baseHref, base)?.href ?? base;
  const found: Array<Omit<Entrance, 'technique'> & { el: Element }> = [];
  const scriptFile = (u: URL) => o.scriptFiles.some((f) => u.pathname.toLowerCase().endsWith(`/${f.toLowerCase()}`));
  // A short link text naming it (纠错, 网站纠错, 我为政府网站找错), not a headline that mentions 纠错.
  const namedRe = keywordRegExp(o.namedWords);
  const named = (s: string) => s.length <= 16 && namedRe.test(s);
  // Hosts and paths of the 找错 service: an address naming none of them is no service link (checked before parsing it).
  const serviceTokens = ['jiucuo', ...o.serviceLinks.filter((e) => e.kind === 'jiucuo').flatMap((e) => [...(e.hosts ?? []), ...(e.paths ?? [])])].map((t) => t.toLowerCase());
  // The page's extracted links (text already read) tell which anchors may be an entrance: only those are looked at,
  // so a link-flood page costs one pass over its link list. An image whose address names jiucuo makes every anchor a
  // candidate (an image link whose own address says nothing).
  const jiucuoImage = page.links.some((l) => l.element === 'img' && /jiucuo/i.test(l.raw));
  const wanted = new Set(page.links.filter((l) => (l.element === 'a' || l.element === 'area') && (serviceTokens.some((t) => l.raw.toLowerCase().includes(t)) || named(l.text.replace(/\s+/g, '')))).map((l) => l.raw.trim()));
  const selector = jiucuoImage ? 'a[href], area[href], script, img[onclick], span#_span_jiucuo' : wanted.size ? 'a[href], area[href], script, span#_span_jiucuo' : 'script, span#_span_jiucuo';
  for (const node of $(selector).toArray()) {
    if (found.length >= o.maxEntrances) break;
    const el = node as Element;
    const a = el.attribs;
    if (el.name === 'script') {
      const u = parseUrl(a.src, baseUrl);
      if (!(a.id === '_jiucuo_' || (u && (scriptFile(u) || serviceLinkKind(u, o.serviceLinks) === 'jiucuo')))) continue;
      found.push({ kind: 'script', url: u?.href ?? a.src ?? '', siteCode: a.sitecode?.trim() || (u && codeParam(u)), selector: selectorOf(el), text: '', el: el.parent && (el.parent as Element).name ? (el.parent as Element) : el });
      continue;
    }
    if (el.name === 'span' || el.name === 'img') {
      // The image the script drew (a saved page keeps it): <span id="_span_jiucuo"><img onclick="Link('…')" src="…/jiucuo.png">.
      const img = el.name === 'img' ? el : ($(el).find('img[onclick]').get(0) as Element | undefined);
      const code = linkCall(img?.attribs.onclick);
      if (!img || !code || (el.name === 'img' && !/jiucuo/i.test(img.attribs.src ?? ''))) continue;
      if (el.name === 'img' && $(el).closest('#_span_jiucuo').length) continue; // counted with its span
      found.push({ kind: 'script', url: parseUrl(img.attribs.src, baseUrl)?.href ?? '', siteCode: code, selector: selectorOf(el), text: img.attribs['aria-label'] ?? img.attribs.alt ?? '', el });
      continue;
    }
    if (!jiucuoImage && !wanted.has((a.href ?? '').trim())) continue;
    // Cheap tests first (link-flood pages): the address names a 找错 host or path, or the link's own text or image does.
    const raw = (a.href ?? '').toLowerCase();
    const ownText = DomUtils.textContent(el);
    const img = DomUtils.findOne((n) => n.name === 'img', el.children, true) ?? undefined;
    const imgWords = img ? `${img.attribs.alt ?? ''} ${img.attribs.title ?? ''} ${img.attribs['aria-label'] ?? ''}` : '';
    if (!serviceTokens.some((t) => raw.includes(t)) && !/jiucuo/i.test(img?.attribs.src ?? '') && !named(`${ownText} ${a.title ?? ''} ${imgWords}`.replace(/\s+/g, ''))) continue;
    const u = parseUrl(a.href, baseUrl);
    const text = toSimplified([ownText, a.title, imgWords].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim()).slice(0, 80);
    if (u && serviceLinkKind(u, o.serviceLinks) === 'jiucuo') {
      found.push({ kind: 'link', url: u.href, siteCode: codeParam(u), selector: selectorOf(el), text, el });
    } else if (named(text) || /jiucuo/i.test(img?.attribs.src ?? '') || /jiucuo/i.test(u?.pathname ?? '')) {
      found.push({ kind: 'named', url: u?.href ?? a.href, siteCode: linkCall(a.href) ?? linkCall(a.onclick) ?? (u && codeParam(u)), selector: selectorOf(el), text, el });
    }
  }
  if (!found.length) return [];
  const vis = visibility($, styleElements($), o);
  return found.map(({ el, ...e }) => ({ ...e, technique: vis.hiddenBy(el) }));
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-D5'],
    options,
  },
  collect({ $, page, text, isHome }, o): Collected | undefined {
    if (!isHome || page.error) return undefined;
    const meta = siteCodeMeta(page.meta);
    return { entrances: collectEntrances($, page, o), footerCode: footerSiteCode(text), meta, read: homeReadSignals(page, text, $) };
  },
  run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    if (!home || home.error || (home.status !== null && home.status >= 400)) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const c = failOnCollectFailure(ctx.collected(home), ID, home);
    if (!c) return { findings: [], notApplicable: 'the home page has no HTML to read' };
    const url = home.finalUrl;
    const points = ctx.rulePoints('W-D5') ?? 1;
    const pts = (severity: string) => (severity === 'deduction' ? points : undefined);
    const findings: FindingInput[] = [];
    /** The fields of a finding about one entrance: W-D5, seen on the home page, pointing at the entrance's address and place. */
    const atEntrance = (e: Entrance, evidence: Omit<Evidence, 'location'>) => ({ rule: 'W-D5', url, target: e.url, evidence: { location: e.selector, ...evidence } });
    const doubt = homeReadDoubt(home, c.read, o.minHomeText);
    const official = c.entrances.filter((e) => e.kind !== 'named');
    const visible = official.filter((e) => !e.technique.length);
    const named = c.entrances.filter((e) => e.kind === 'named');

    if (!official.length) {
      if (named.length) {
        const first = named[0];
        findings.push({
          code: 'jiucuo-unofficial',
          params: { example: first.url },
          severity: 'info',
          ...atEntrance(first, {
            snippet: first.text,
            expected: 'a link to the national service (…/exposure/jiucuo.html?site_code=…) or its jiucuo.js',
            actual: `a link named ${first.text || '找错/纠错'} to ${first.url}`,
            links: named,
          }),
        });
      } else {
        findings.push({
          code: 'jiucuo-missing',
          severity: o.missingSeverity,
          tier: doubt ? 'suspected' : 'confirmed',
          points: pts(o.missingSeverity),
          rule: 'W-D5',
          url,
          evidence: {
            location: 'home page',
            expected: 'a link to …/exposure/jiucuo.html?site_code=… (zfwzgl.www.gov.cn, pucha.kaipuyun.cn) or the service’s jiucuo.js script',
            actual: 'none in the home page’s HTML',
            ...(doubt ? { reason: doubt } : {}),
          },
        });
      }
    } else if (!visible.length) {
      const first = official[0];
      findings.push({
        code: 'jiucuo-hidden',
        params: { example: first.url, technique: first.technique.join('、') },
        severity: o.hiddenSeverity,
        tier: o.hiddenTier,
        points: pts(o.hiddenSeverity),
        ...atEntrance(first, {
          snippet: first.text,
          expected: 'a 「我为政府网站找错」 entrance visitors can see',
          actual: `${first.kind === 'script' ? 'script-drawn entrance' : 'link'} → ${first.url} (hidden: ${first.technique.join(', ')})`,
          reason: 'the page may show the entrance by script (styles and scripts beyond the HTML are not seen): confirm by hand',
          links: official,
        }),
      });
    }

    // The entrance's code against the footer, the SiteIDCode tag and the registry.
    const withCode = [...visible, ...official].find((e) => e.siteCode);
    if (withCode?.siteCode) {
      const code = normalizeSiteCode(withCode.siteCode);
      if (!SITE_CODE_FORMAT.test(code)) {
        findings.push({
          code: 'jiucuo-bad-code',
          params: { code: withCode.siteCode },
          severity: 'warning',
          ...atEntrance(withCode, { expected: '10 digits or bm + 8 digits', actual: withCode.siteCode }),
        });
      } else {
        const others: Array<{ zh: string; en: string; code: string }> = [];
        if (c.footerCode && SITE_CODE_FORMAT.test(c.footerCode)) others.push({ zh: '页面底部网站标识码', en: 'the footer 网站标识码', code: c.footerCode });
        if (c.meta.value && SITE_CODE_FORMAT.test(c.meta.value)) others.push({ zh: '页面标签 SiteIDCode', en: 'the SiteIDCode tag', code: normalizeSiteCode(c.meta.value) });
        const registry = site.site.siteCode ? normalizeSiteCode(site.site.siteCode) : undefined;
        if (o.compareRegistry && registry && SITE_CODE_FORMAT.test(registry)) others.push({ zh: '名录中的网站标识码', en: 'the registry’s code', code: registry });
        const differ = others.filter((x) => x.code.toLowerCase() !== code.toLowerCase());
        if (differ.length) {
          findings.push({
            code: 'jiucuo-code-mismatch',
            params: { code, others: differ.map((d) => `${d.zh}（${d.code}）`).join('、'), othersEn: differ.map((d) => `${d.en} (${d.code})`).join(', ') },
            severity: o.mismatchSeverity,
            points: pts(o.mismatchSeverity),
            ...atEntrance(withCode, {
              expected: `the site's code everywhere: ${others.map((x) => `${x.en} ${x.code}`).join(', ')}`,
              actual: `entrance site_code ${code}`,
              codes: { entrance: code, footer: c.footerCode ?? null, meta: c.meta.value ?? null, registry: registry ?? null },
            }),
          });
        }
      }
    } else {
      const link = official.find((e) => e.kind === 'link');
      // A service link without a code reports errors to no site; a script may read the code elsewhere (not reported).
      if (link)
        findings.push({
          code: 'jiucuo-no-code',
          params: { example: link.url },
          severity: 'warning',
          ...atEntrance(link, { expected: 'site_code=<网站标识码> in the link', actual: link.url }),
        });
    }

    if (c.meta.present && !c.meta.value)
      findings.push({
        code: 'siteidcode-empty',
        severity: o.emptyMetaSeverity,
        points: pts(o.emptyMetaSeverity),
        rule: 'W-D5',
        url,
        evidence: { location: '<meta name="SiteIDCode">', expected: 'the site code (10 digits, or bm + 8 digits)', actual: 'content=""' },
      });

    return {
      findings,
      summary: {
        entrances: c.entrances.map((e) => ({ kind: e.kind, url: e.url, siteCode: e.siteCode ?? null, hidden: e.technique.length ? e.technique : null, drawnByScript: e.kind === 'script' })),
        visible: visible.length,
        codes: { footer: c.footerCode ?? null, meta: c.meta.value ?? null, registry: site.site.siteCode ?? null },
        homeRead: !doubt,
        ...(doubt ? { reason: doubt } : {}),
      },
    };
  },
});
