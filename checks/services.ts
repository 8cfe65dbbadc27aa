/**
 * services — W-V6 服务不实用: an online-service entrance (网上办事, 政务服务…) that opens, and service guides (办事指南)
 * with their key elements and downloadable forms. Element lists and severities are options (the spec does not fix
 * W-V6's sub-clauses). Evidence policy: docs/checks.md "W-V6".
 */
import { z } from 'zod';
import { CollectFailure, unlessFailed, defineCheck, type FindingInput, pagesByUrl } from '../src/check-api/api.js';
import { couldNotKnow, listEntrances, noneFoundEvidence, startPageDoubt } from '../src/analysis/content/home-read.js';
import { DEFAULT_GUIDE_ELEMENTS, DEFAULT_GUIDE_TITLES, guideElementSchema, guideElementsIn, imageLinkMatches, imageLinks, SERVICE_FILE_TOKENS, SERVICE_HOSTS } from '../src/analysis/content/guides.js';
import { analyzePage, ARTICLE_URL, DEFAULT_PLACEHOLDERS } from '../src/analysis/content/page-analysis.js';
import type { Element } from 'domhandler';
import { boilerplateOf, clean, inBoilerplate, keywordRegExp, toSimplified, visibleText } from '../src/analysis/content/text.js';

const ID = 'services';

export const DEFAULT_SERVICE_WORDS = ['网上办事', '政务服务', '在线办事', '办事服务', '一网通办', '网上办理', '在线办理', '办事大厅', '政务服务网', '我要办', '办事指南', '在线服务', '网上服务', '便民服务'];

const severity = z.enum(['veto', 'deduction', 'warning', 'info']);

interface Collected {
  /**
   * A service guide: the element ids read in its content; `elsewhere` the missing ones whose labels show only in
   * a tab bar, menu or page header; `doubt` why its content may not all be in the HTML (script-built, attachments, few
   * elements shown).
   */
  guide?: { title: string; found: string[]; elsewhere?: string[]; doubt?: string };
  entryPage: boolean;
  /** Service entrances drawn as images on this page, with the clue that named them. */
  images?: Array<{ url: string; text: string; why: string }>;
  /** The page is an article (ArticleTitle meta or an article URL). */
  article?: boolean;
  textLength?: number;
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-V6'],
    options: z.object({
      /** Link texts of an online-service entrance (Traditional spellings match too). */
      serviceWords: z.array(z.string()).default(DEFAULT_SERVICE_WORDS),
      /** Title words of a service guide page. */
      guideTitles: z.array(z.string()).default(DEFAULT_GUIDE_TITLES),
      /** Key elements of a guide and their labels. */
      elements: z.array(guideElementSchema).default(DEFAULT_GUIDE_ELEMENTS),
      /** Element ids a guide must have (default: all). */
      requiredElements: z.array(z.string()).optional(),
      /** A page without a guide title is a guide when it shows at least this many element labels. */
      minElementsForGuide: z.number().int().positive().default(5),
      /**
       * `guide-incomplete` is confirmed only for a guide whose content shows at least this many elements: a page
       * named a guide that shows fewer is a notice about guides, a guide kept in an attachment, or one whose
       * content a script loads (suspected).
       */
      minElementsToConfirm: z.number().int().positive().default(3),
      /** Image-file and host-name tokens of an entrance drawn as an image. */
      serviceFileTokens: z.array(z.string().min(1)).default(SERVICE_FILE_TOKENS),
      /** Visible characters below which a home page may be built by script (no-services is then suspected). */
      minHomeText: z.number().int().nonnegative().default(100),
      noServicesSeverity: severity.default('veto'),
      missingSeverity: severity.default('veto'),
      formSeverity: severity.default('warning'),
      /** Entrances beyond the crawl and guide attachments verified through the shared client. */
      maxProbes: z.number().int().nonnegative().default(30),
      maxFindings: z.number().int().positive().default(50),
    }),
  },
  collect(ctx, options): Collected | undefined {
    const { page, dom, text, $ } = ctx;
    if (page.error) return undefined;
    const headingEl = $('h1, h2')
      .toArray()
      .find((h) => !inBoilerplate(h));
    const heading = headingEl ? clean($(headingEl).text()) : '';
    const name = toSimplified(`${page.meta.articletitle ?? ''} ${page.title} ${heading}`);
    const titleMatch = keywordRegExp(options.guideTitles).test(name);
    const entryPage = keywordRegExp(options.serviceWords).test(toSimplified(`${page.title} ${page.meta.columnname ?? ''}`));
    const serviceWords = keywordRegExp(options.serviceWords);
    const images = imageLinks($, page.finalUrl)
      .map((l) => ({ l, why: imageLinkMatches(l, serviceWords, options.serviceFileTokens, SERVICE_HOSTS) }))
      .filter((x): x is { l: (typeof x)['l']; why: string } => Boolean(x.why))
      .map(({ l, why }) => ({ url: l.url, text: l.alt || l.title || l.file || l.url, why }));
    let path = '';
    try {
      path = new URL(page.finalUrl).pathname;
    } catch {
      /* keep empty */
    }
    const base: Collected = { entryPage, article: Boolean(page.meta.articletitle) || ARTICLE_URL.test(path), textLength: text.length, ...(images.length ? { images } : {}) };
    const rough = guideElementsIn(text, options.elements);
    if (!titleMatch && rough.length < options.minElementsForGuide) return base;
    const main = visibleText(dom, { skipBoilerplate: true });
    const found = guideElementsIn(main, options.elements);
    const content = analyzePage(ctx, { placeholders: DEFAULT_PLACEHOLDERS });
    const isGuide = (titleMatch && content.kind !== 'list' && content.longLinks < 5) || found.length >= options.minElementsForGuide;
    if (!isGuide) return base;
    // What the HTML cannot show: labels only in a tab bar or menu (a section a script fills or a hidden pane),
    // content built by script, the guide in an attachment, too few elements to be a guide's own content.
    // Labels in the page's tab bars, menus and header (not its footer: a site phone there is not the guide's).
    const furniture = $('*')
      .toArray()
      .filter((el) => {
        const k = boilerplateOf(el as Element);
        return (k === 'nav' || k === 'header') && !inBoilerplate((el as Element).parent as Element);
      })
      .map((el) => visibleText(el as Element))
      .join('\n');
    const inFurniture = guideElementsIn(furniture, options.elements);
    const elsewhere = rough.filter((id) => !found.includes(id) && inFurniture.includes(id));
    const attachments = page.links.filter((l) => l.attachment && l.element === 'a').length;
    const doubt = content.scriptBuilt
      ? `the page is built by script (${content.scriptSignals.slice(0, 2).join('; ')})`
      : content.scriptFilledLists
        ? `${content.scriptFilledLists} container(s) left empty for a script to fill`
        : found.length < options.minElementsToConfirm
          ? `the page shows ${found.length} guide element(s)${attachments ? ` and links ${attachments} attachment(s)` : ''}: a notice about guides, a guide kept in an attachment, or content loaded by script`
          : undefined;
    return { ...base, guide: { title: clean(page.meta.articletitle ?? (heading || page.title)).slice(0, 80), found, ...(elsewhere.length ? { elsewhere } : {}), ...(doubt ? { doubt } : {}) } };
  },
  async run(site, ctx) {
    const o = ctx.options;
    if (!site.home || site.home.error) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const findings: FindingInput[] = [];
    const byUrl = pagesByUrl(site);
    const serviceRe = keywordRegExp(o.serviceWords);
    let probes = 0;

    const entries = new Map<string, { url: string; text: string; foundOn: string }>();
    for (const p of site.pages) {
      for (const l of p.links) {
        if (!l.url || l.element !== 'a' || l.attachment) continue;
        const t = toSimplified(l.text);
        if (t.length > 20 || !serviceRe.test(t)) continue;
        if (!entries.has(l.url)) entries.set(l.url, { url: l.url, text: l.text, foundOn: p.finalUrl });
      }
      // A page whose collector failed shows no image entrances and no guide.
      for (const img of unlessFailed(ctx.collected(p))?.images ?? []) {
        if (!entries.has(img.url)) entries.set(img.url, { url: img.url, text: `${img.text}（${img.why}）`, foundOn: p.finalUrl });
      }
    }
    const guides = site.pages.filter((p) => unlessFailed(ctx.collected(p))?.guide);
    // An entrance that answered 404/410 is broken; one whose host does not resolve or answer cannot be known.
    const definitive = (kind: string | undefined, status: number | null | undefined) => (kind === undefined || kind === 'http_error') && (status === 404 || status === 410);
    const checked: Array<{ url: string; text: string; works: boolean; known: boolean; why: string }> = [];
    let unprobed = 0;
    for (const e of entries.values()) {
      const p = byUrl.get(e.url);
      if (p) {
        const works = !p.error && (p.status === null || p.status < 400);
        checked.push({ ...e, works, known: works || definitive(p.error?.kind, p.error?.status ?? p.status), why: p.error ? `${p.error.kind} ${p.error.status ?? ''}`.trim() : `HTTP ${p.status}` });
        continue;
      }
      if (probes >= o.maxProbes) {
        unprobed++;
        continue;
      }
      probes++;
      const r = await ctx.http.probe(e.url);
      const works = !r.error && r.status !== null && r.status < 400;
      checked.push({ ...e, works, known: works || definitive(r.error?.kind, r.status), why: r.error ? r.error.kind : `HTTP ${r.status}` });
    }
    const working = checked.filter((c) => c.works);
    const homeCollected = ctx.collected(site.home);
    // A home page whose collector failed is read as one that showed nothing (no text, not an article).
    const home: Collected | undefined = homeCollected instanceof CollectFailure ? { entryPage: false } : homeCollected;
    const homeDoubt = startPageDoubt(home, site.home.finalUrl, o.minHomeText);
    if (!entries.size && !guides.length) {
      findings.push({
        code: 'no-services',
        severity: o.noServicesSeverity,
        tier: homeDoubt ? 'suspected' : 'confirmed',
        rule: 'W-V6',
        url: site.home.finalUrl,
        evidence: noneFoundEvidence(`a link named like ${o.serviceWords.slice(0, 5).join('/')} or a service guide`, site.pages.length, homeDoubt),
      });
    } else if (checked.length && !working.length && !guides.length) {
      // From a start page that is not the home page the crawl saw little of the site: never confirmed.
      const sure = !homeDoubt && unprobed === 0 && checked.every((c) => c.known);
      const listed = listEntrances(checked);
      findings.push({
        code: sure ? 'services-broken' : 'services-unverified',
        params: { entries: listed.message },
        severity: o.noServicesSeverity,
        tier: sure ? 'confirmed' : 'suspected',
        rule: 'W-V6',
        url: site.home.finalUrl,
        target: checked[0].url,
        evidence: {
          expected: 'an online-service entrance that opens',
          actual: listed.actual,
          entries: checked,
          ...(sure
            ? {}
            : {
                reason: couldNotKnow(
                  checked.filter((c) => !c.known),
                  unprobed,
                  'entrance',
                  homeDoubt,
                ),
              }),
        },
      });
    }

    const required = o.elements.filter((e) => !o.requiredElements || o.requiredElements.includes(e.id));
    let incomplete = 0;
    let attachments = 0;
    let brokenAttachments = 0;
    for (const p of guides) {
      const g = unlessFailed(ctx.collected(p))!.guide!;
      const missing = required.filter((e) => !g.found.includes(e.id));
      if (missing.length) {
        incomplete++;
        // Confirmed only when the guide's own content was read and every missing label is absent from the page.
        const shownElsewhere = missing.filter((m) => g.elsewhere?.includes(m.id));
        const reason = g.doubt ?? (shownElsewhere.length ? `${shownElsewhere.map((m) => m.label.zh).join('、')} named only in a tab bar or menu (a section loaded by script or a hidden pane?)` : undefined);
        if (findings.length < o.maxFindings)
          findings.push({
            code: 'guide-incomplete',
            params: { title: g.title, missing: missing.map((m) => m.label.zh).join('、'), missingEn: missing.map((m) => m.label.en).join(', ') },
            severity: o.missingSeverity,
            tier: reason ? 'suspected' : 'confirmed',
            rule: 'W-V6',
            url: p.finalUrl,
            target: p.finalUrl,
            evidence: {
              guide: g.title,
              expected: required.map((e) => e.label.zh).join('、'),
              actual: `found: ${g.found.map((id) => o.elements.find((e) => e.id === id)?.label.zh ?? id).join('、') || '-'}`,
              found: g.found,
              missing: missing.map((m) => m.id),
              ...(reason ? { reason } : {}),
            },
          });
      }
      const seen = new Set<string>();
      for (const l of p.links) {
        if (!l.url || !l.attachment || seen.has(l.url)) continue;
        seen.add(l.url);
        if (probes >= o.maxProbes) break;
        probes++;
        attachments++;
        const r = await ctx.http.probe(l.url);
        const bad = Boolean(r.error) || r.status === null || r.status >= 400;
        if (!bad) continue;
        brokenAttachments++;
        const reason = r.error ? r.error.kind : `HTTP ${r.status}`;
        if (findings.length < o.maxFindings)
          findings.push({
            code: 'form-unavailable',
            params: { title: g.title, text: l.text || l.url, reason },
            severity: o.formSeverity,
            rule: 'W-V6',
            url: p.finalUrl,
            target: l.url,
            evidence: { location: l.selector, snippet: l.text, expected: 'HTTP 2xx', actual: reason, status: r.status },
          });
      }
    }
    return {
      findings,
      summary: { entrances: checked.length, workingEntrances: working.length, entranceList: checked.slice(0, 10), guides: guides.length, incompleteGuides: incomplete, attachments, brokenAttachments },
    };
  },
});
