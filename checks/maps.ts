/**
 * maps — notice (五) 地图信息无误: map images published without an approval number (审图号) beside them. govcheck
 * cannot see inside the image, so such a map is only ever a suspected W-V4 warning for a person to look at.
 * What counts as a map and where the number is read: docs/check-reference.md "Notice items".
 */
import type { Element } from 'domhandler';
import { z } from 'zod';
import { defineCheck, unlessFailed, type FindingInput } from '../src/check-api/api.js';
import { describe as describeElement, isLogoLink } from '../src/analysis/content/page-analysis.js';
import { clean, escapeRegExp, inBoilerplate, lineText, toSimplified } from '../src/analysis/content/text.js';

const ID = 'maps';

/** Words of a map in alt/title text, file names and page titles. */
export const DEFAULT_MAP_WORDS = ['地图', '区划图', '交通图', '行政区划', '政区图', '地形图', '旅游图'];
/** Not maps: the site map (sitemap) and map navigation. */
const SITEMAP = /网站地图|站点地图|网站导航|地图导航|sitemap|site-map|site_map|wzdt|webmap/i;
/** File-name tokens of icons and decorations. */
const ICON_FILE = /(^|[^a-z])(logo|icon|ico|btn|button|arrow|bg|marker|pin|dot|bullet)([^a-z]|$)/i;
/** Hosts of online map services: their tiles carry the service's own approval number. */
const MAP_SERVICE_HOST = /(^|\.)(map\.baidu\.com|bdimg\.com|amap\.com|autonavi\.com|map\.qq\.com|tianditu\.gov\.cn|google(apis)?\.com)$/i;
const IMAGE_FILE = /\.(jpe?g|png|gif|bmp|webp|tiff?|svg)$/i;

/**
 * 审图号 as written: GS(2019)1822号, GS京(2022)1061号, 闽S〔2023〕12号, 京S(2020)009号, with ASCII, full-width or
 * lenticular brackets; or the label 审图号 / 地图审核号 followed by a number.
 */
export const APPROVAL = /(?:GS|[\u4e00-\u9fa5]{1,2}S)\s*[\u4e00-\u9fa5]?\s*[(（〔[［【]\s*(?:19|20)\d{2}\s*[)）〕\]］】]\s*\d{1,6}\s*号/;
const APPROVAL_LABEL = /(?:审图号|地图审核号)\s*[:：]?\s*\S{0,16}\d/;

/** Full-width ASCII (ＧＳ（２０１９）) to ASCII, for reading approval numbers. */
function ascii(s: string): string {
  return s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/** The approval number in a text, when there is one. */
export function approvalIn(text: string): string | undefined {
  const t = ascii(toSimplified(text));
  return APPROVAL.exec(t)?.[0] ?? APPROVAL_LABEL.exec(t)?.[0];
}

interface MapImage {
  /** Image URL (absolute). */
  src: string;
  /** Why it is taken for a map. */
  why: string;
  alt: string;
  selector: string;
  /** The approval number read beside it, when there is one. */
  approval?: string;
  /** The text examined around it (cut), for evidence. */
  context: string;
}

interface Collected {
  maps: MapImage[];
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function el(n: unknown): Element | undefined {
  return n && typeof n === 'object' && (n as Element).type === 'tag' ? (n as Element) : undefined;
}

/** Next or previous element sibling. */
function sibling(e: Element, dir: 'next' | 'prev'): Element | undefined {
  for (let n = dir === 'next' ? e.next : e.prev; n; n = dir === 'next' ? n.next : n.prev) {
    const x = el(n);
    if (x) return x;
  }
  return undefined;
}

const BLOCKS = new Set(['p', 'figure', 'td', 'li', 'dd', 'center', 'div', 'section', 'article', 'table']);

/** Texts a reader takes for the image's caption: figcaption, the box around it when short, siblings before and after. */
function captionTexts(node: Element, maxChars: number): string[] {
  const out: string[] = [];
  const push = (e: Element | undefined) => {
    if (!e) return;
    const t = lineText(e);
    if (t && t.length <= maxChars) out.push(t);
  };
  const figure = (() => {
    for (let e: Element | undefined = node, i = 0; e && i < 4; e = el(e.parent), i++) if (e.name === 'figure') return e;
    return undefined;
  })();
  if (figure) for (const c of figure.children) if (el(c)?.name === 'figcaption') push(el(c));
  push(sibling(node, 'next'));
  push(sibling(node, 'prev'));
  // The nearest block around the image, then one more level when that block holds only the image.
  let block: Element | undefined;
  for (let e = el(node.parent), i = 0; e && i < 3; e = el(e.parent), i++) {
    if (BLOCKS.has(e.name)) {
      block = e;
      push(e);
      if (lineText(e).length > 0) break;
    }
  }
  if (block) {
    const n1 = sibling(block, 'next');
    push(n1);
    if (n1) push(sibling(n1, 'next'));
    push(sibling(block, 'prev'));
  }
  return out;
}

/**
 * The map-word expression of an options list, built once per list and kept with a copy of the words it was built
 * from (a list changed since is built again). No flags: the expression keeps no state between uses.
 */
const mapWordsRes = new WeakMap<string[], { words: string[]; re: RegExp }>();
function mapWordsRe(words: string[]): RegExp {
  const known = mapWordsRes.get(words);
  if (known && known.words.length === words.length && known.words.every((w, i) => w === words[i])) return known.re;
  const re = new RegExp(words.map(escapeRegExp).join('|'));
  mapWordsRes.set(words, { words: [...words], re });
  return re;
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-V4'],
    options: z.object({
      /** Words that make an image a map (alt, title, file name) and a page a map page (title). */
      mapWords: z.array(z.string().min(1)).default(DEFAULT_MAP_WORDS),
      /** Images whose width and height attributes are both below this are icons, not maps (pixels). */
      minIconSize: z.number().int().nonnegative().default(120),
      /** Caption and surrounding texts longer than this are not read as the image's caption (characters). */
      maxCaptionChars: z.number().int().positive().default(400),
      /** Map images kept per page. */
      maxPerPage: z.number().int().positive().default(30),
      maxFindings: z.number().int().positive().default(50),
    }),
  },
  collect({ $, page }, options): Collected | undefined {
    if (page.error) return undefined;
    const words = mapWordsRe(options.mapWords);
    const titleHead = toSimplified(clean(page.title.split(/[_|｜—–]| - /)[0] ?? ''));
    const mapPage = words.test(titleHead) && !SITEMAP.test(titleHead);
    const maps: MapImage[] = [];
    const seen = new Set<string>();
    const consider = (node: Element, rawSrc: string, alt: string, title: string, linkText: string) => {
      if (maps.length >= options.maxPerPage) return;
      if (inBoilerplate(node)) return;
      let u: URL;
      try {
        u = new URL(rawSrc.trim(), page.finalUrl);
      } catch {
        return;
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
      if (MAP_SERVICE_HOST.test(u.hostname)) return;
      u.hash = '';
      if (seen.has(u.href)) return;
      const file = decodeSafe(u.pathname.split('/').pop() ?? '');
      const stem = file.replace(/\.[a-z0-9]+$/i, '');
      const label = toSimplified(`${alt} ${title} ${linkText}`);
      if (SITEMAP.test(`${label} ${file}`) || ICON_FILE.test(stem)) return;
      // Inside a link to the site map, or the logo: furniture.
      for (let e: Element | undefined = node, i = 0; e && i < 3; e = el(e.parent), i++) {
        if (e.name === 'a' && (SITEMAP.test(`${e.attribs.href ?? ''} ${lineText(e)} ${e.attribs.title ?? ''}`) || isLogoLink(e))) return;
      }
      const w = Number.parseInt(node.attribs.width ?? '', 10);
      const h = Number.parseInt(node.attribs.height ?? '', 10);
      if (Number.isFinite(w) && Number.isFinite(h) && w < options.minIconSize && h < options.minIconSize) return;
      const fileWords = toSimplified(stem);
      const fileToken = stem
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .find((t) => /^(map|maps|ditu)\d*$/.test(t));
      const why = words.exec(label)?.[0] ? `alt/title: ${words.exec(label)![0]}` : words.exec(fileWords)?.[0] ? `file name: ${file}` : fileToken ? `file name: ${file}` : mapPage ? `page titled ${titleHead}` : undefined;
      if (!why) return;
      seen.add(u.href);
      const texts = [alt, title, linkText, file, ...captionTexts(node, options.maxCaptionChars)].filter(Boolean);
      const approval = texts.map(approvalIn).find(Boolean);
      maps.push({ src: u.href, why, alt: clean(alt || title || linkText).slice(0, 80), selector: describeElement(node), ...(approval ? { approval } : {}), context: clean(texts.join(' | ')).slice(0, 200) });
    };
    $('img').each((_, n) => {
      const e = n as Element;
      const src = e.attribs.src || e.attribs['data-src'] || e.attribs['data-original'] || '';
      if (!src || /^data:/i.test(src.trim())) return;
      const a = el(e.parent)?.name === 'a' ? el(e.parent) : undefined;
      consider(e, src, e.attribs.alt ?? '', e.attribs.title ?? a?.attribs.title ?? '', '');
    });
    // A link to an image file named as a map (行政区划图.jpg): the map is published as a download.
    $('a[href]').each((_, n) => {
      const a = n as Element;
      const href = a.attribs.href ?? '';
      if (!IMAGE_FILE.test(href.split(/[?#]/)[0]) || $(a).find('img').length) return;
      consider(a, href, '', a.attribs.title ?? '', lineText(a));
    });
    return maps.length ? { maps } : undefined;
  },
  run(site, ctx) {
    const o = ctx.options;
    const findings: FindingInput[] = [];
    const byImage = new Map<string, { map: MapImage; pages: string[] }>();
    for (const p of site.pages) {
      // A page whose collector failed shows no maps (it is listed by the check run as failed, not here).
      for (const m of unlessFailed(ctx.collected(p))?.maps ?? []) {
        const e = byImage.get(m.src);
        if (e) {
          if (!e.map.approval && m.approval) e.map = m;
          if (e.pages.length < 10) e.pages.push(p.finalUrl);
        } else byImage.set(m.src, { map: m, pages: [p.finalUrl] });
      }
    }
    const withApproval: Array<{ image: string; approval: string; page: string }> = [];
    let without = 0;
    for (const [src, { map, pages }] of byImage) {
      if (map.approval) {
        withApproval.push({ image: src, approval: map.approval, page: pages[0] });
        continue;
      }
      without++;
      if (findings.length >= o.maxFindings) continue;
      const name = map.alt || decodeSafe(src.split('/').pop() ?? src);
      findings.push({
        code: 'map-no-approval',
        params: { name },
        severity: 'warning',
        tier: 'suspected',
        rule: 'W-V4',
        url: pages[0],
        target: src,
        evidence: {
          location: map.selector,
          snippet: map.context,
          expected: '审图号，如 GS(2019)1822号、闽S〔2023〕12号（图注、替代文字或图片旁文字）',
          actual: '(none beside the image)',
          why: map.why,
          pages,
          reason: 'the number may be printed inside the image; a person must look at the map',
        },
      });
    }
    return { findings, summary: { maps: byImage.size, withApproval: withApproval.slice(0, 50), withoutApproval: without } };
  },
});
