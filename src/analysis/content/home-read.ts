/**
 * Whether the home page was read completely: the evidence a confirmed "missing on the home page" finding needs
 * (jiucuo: no 找错 entrance; privacy-policy: no privacy policy link; site-search: no search; services and
 * interaction: no entrance found, or none that works). Notes: docs/modules.md.
 */
import type { CheerioAPI } from 'cheerio';
import type { Evidence, PageArtifact } from '../../types.js';
import { ARTICLE_URL, pathOf, ROOT_PATH } from './page-analysis.js';

export interface HomeReadSignals {
  textLength: number;
  /** The footer's identity lines were seen at the end of the page's text (its last FOOTER_TAIL characters). */
  footerSeen: boolean;
  /** The page is a frameset (its content is in other documents). */
  frameset: boolean;
  /** Frames and iframes on the page (content that is not in its HTML). */
  frames: number;
  /** An article page (ArticleTitle tag or an article address), not a home page. */
  article: boolean;
}

/** Identity lines of a government footer (any one of them). */
export const FOOTER_IDENTITY = /网站标识码|ICP\s*[备证]|公网安备|版权所有|主办单位|主办[：:]|承办单位|Copyright|©/i;

/** Characters at the end of a page's text where its footer is looked for (a header's 主办单位 is no footer). */
export const FOOTER_TAIL = 2000;

/** What tells, while the page is parsed, whether it was read whole. */
export function homeReadSignals(page: PageArtifact, text: string, $: CheerioAPI): HomeReadSignals {
  return {
    textLength: text.length,
    footerSeen: FOOTER_IDENTITY.test(text.slice(-FOOTER_TAIL)),
    frameset: $('frameset').length > 0,
    frames: $('iframe, frame, frameset').length,
    article: Boolean(page.meta.articletitle) || ARTICLE_URL.test(pathOf(page.finalUrl)),
  };
}

/**
 * Why the start page does not count as a home page read whole, or undefined when it does. What is looked for
 * decides the rest: in the footer (`footer`: its identity lines must have been seen), or anywhere on the page
 * (`anyFrame`: an iframe may hold it, as a site search often is).
 */
export function homeReadDoubt(page: PageArtifact, s: HomeReadSignals | undefined, minText: number, o: { footer?: boolean; anyFrame?: boolean } = { footer: true }): string | undefined {
  if (!s) return 'the home page was not read';
  if (s.article) return 'the start page is an article, not the home page';
  if (!ROOT_PATH.test(pathOf(page.finalUrl))) return 'the start page is not the site root (the home page was not checked)';
  if (page.truncated) return 'the home page was cut at the size cap (its footer may be missing)';
  if (s.frameset) return 'the home page is a frameset (its content is in other documents)';
  if (s.textLength < minText) return `the home page shows ${s.textLength} characters (built by script?)`;
  if (o.anyFrame && s.frames > 0) return `the home page has ${s.frames} frame(s) that may hold what is looked for`;
  if (o.footer && !s.footerSeen) return 'no footer identity lines (网站标识码, ICP, 版权所有…) on the home page: its footer may be drawn by script or a frame';
  return undefined;
}

/** The doubt of a start page that is not the site root (the crawl began elsewhere; the home page was not checked). */
export function rootDoubt(homeUrl: string): string | undefined {
  return ROOT_PATH.test(pathOf(homeUrl)) ? undefined : 'the start page is not the site root (the home page was not checked)';
}

/**
 * Why the start page is not a home page whose links were seen (services, interaction: "no entrance at all" is
 * confirmed only without a doubt): not read, an article, too little text (built by script?), or not the site root.
 */
export function startPageDoubt(home: { article?: boolean; textLength?: number } | undefined, homeUrl: string, minText: number): string | undefined {
  if (!home) return 'the home page was not read';
  if (home.article) return 'the start page is an article, not the home page';
  if ((home.textLength ?? 0) < minText) return `the home page shows ${home.textLength ?? 0} characters (built by script?)`;
  return rootDoubt(homeUrl);
}

/** The evidence of "no entrance of its kind on the crawled pages" (services, interaction), with the start page's doubt. */
export function noneFoundEvidence(expected: string, pagesSeen: number, doubt: string | undefined): Evidence {
  return { expected, actual: 'none found on the crawled pages', pagesSeen, ...(doubt ? { reason: doubt } : {}) };
}

/** An entrance that was followed or probed (a consultation channel, an online-service entrance) and why it works or not. */
export interface ProbedEntrance {
  url: string;
  text: string;
  why: string;
}

/** Probed entrances as a finding lists them: in its message (`text（why）；…`) and in its evidence (`url: why; …`). */
export function listEntrances(checked: ProbedEntrance[]): { message: string; actual: string } {
  return { message: checked.map((c) => `${c.text}（${c.why}）`).join('；'), actual: checked.map((c) => `${c.url}: ${c.why}`).join('; ') };
}

/** Why entrances seen not to work may still work: the ones that could not be known, those not probed (`what(s)`), the start page's doubt. */
export function couldNotKnow(unknown: ProbedEntrance[], unprobed: number, what: string, doubt: string | undefined): string {
  return `could not be known: ${unknown.map((c) => `${c.text} (${c.why})`).join('; ')}${unprobed ? `; ${unprobed} ${what}(s) not probed` : ''}${doubt ? `; ${doubt}` : ''}`;
}
