/**
 * publish-dates — W-V4 伪造发稿日期 / 发布日期不准确, 旧稿新发: the dates the crawl saw cross-checked against the
 * inspection date and each other (future dates, list vs article vs URL dates, a title listed again newer, PubDate vs
 * visible date). Republished items are suspected by default. Details: docs/checks.md "W-V4".
 */
import { z } from 'zod';
import { defineCheck, unlessFailed, type FindingInput } from '../src/check-api/api.js';
import { addDays, daysBetween } from '../src/china-time.js';
import { analyzePage, ARTICLE_URL, articleInfo, DEFAULT_DATE_META, DEFAULT_PLACEHOLDERS, pathOf, type ArticleInfo, type PageContent } from '../src/analysis/content/page-analysis.js';
import { normalizeName } from '../src/analysis/content/columns.js';
import { normalizeWidth, visibleText } from '../src/analysis/content/text.js';

/**
 * What tells two documents with the same title apart: the document number (示政发〔2019〕1号), the years the text
 * mentions, and a bottom-k sketch (`minhash`: the 128 smallest hashes) of the main text's character 5-grams, which
 * estimates the shingled Jaccard similarity of two bodies in bounded memory and time.
 */
export interface DocumentPrint {
  docNo?: string;
  years: number[];
  minhash: number[];
  chars: number;
}

const DOC_NO = /([\u4e00-\u9fa5]{1,12})?\s*[〔［\[【(（]\s*((?:19|20)\d{2})\s*[〕］\]】)）]\s*第?\s*(\d{1,4})\s*号/;
/** The part every DOC_NO match contains: a text without it is not searched with DOC_NO (whose optional name scans 12 characters at every position). */
const DOC_NO_YEAR = /[〔［\[【(（]\s*(?:19|20)\d{2}\s*[〕］\]】)）]/;
const SKETCH_SIZE = 128;
const SHINGLE = 5;
const MAX_BODY_CHARS = 3000;

export function documentPrint(text: string): DocumentPrint {
  // normalizeWidth maps one character to one: the first MAX_BODY_CHARS of the whole text, normalised alone.
  const norm = normalizeWidth(text.slice(0, MAX_BODY_CHARS));
  const doc = DOC_NO_YEAR.test(norm) ? DOC_NO.exec(norm) : null;
  const years = [...new Set([...norm.matchAll(/((?:19|20)\d{2})\s*年/g)].map((m) => Number(m[1])))].sort();
  // Digits left out: a re-post differs from its original in its dates (compared through docNo and years instead).
  // Removed by runs (one replacement a run, not one a character): the same text.
  const body = norm.replace(/[\s\p{P}\p{S}\d]+/gu, '');
  // Bottom-k sketch: the k smallest distinct 5-gram hashes (one hash per 5-gram, bounded size); a typed array
  // sorts numerically without a comparator.
  const n = Math.max(0, body.length - SHINGLE + 1);
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + SHINGLE; j++) h = Math.imul(h ^ body.charCodeAt(j), 0x01000193) >>> 0;
    all[i] = h;
  }
  const sketch = smallestDistinct(all, SKETCH_SIZE);
  return { docNo: doc ? `${doc[1] ?? ''}〔${doc[2]}〕${doc[3]}号` : undefined, years, minhash: sketch, chars: body.length };
}

/** Up to this many values, sorting a copy beats the heap (whose duplicate test is a Set lookup per value). */
const SORT_BELOW = 2000;

/**
 * The k smallest distinct values, ascending: what sorting all of them and keeping the first k distinct gives. Few
 * values (a short page) are sorted so (a typed array sorts numerically, natively); many by one pass with a max-heap
 * of k (most values are larger than the heap's largest and cost one comparison).
 */
export function smallestDistinct(all: Uint32Array, k: number): number[] {
  if (all.length <= SORT_BELOW) {
    const sorted = all.slice().sort();
    const out: number[] = [];
    for (let i = 0; i < sorted.length && out.length < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]);
    return out;
  }
  const heap: number[] = [];
  const kept = new Set<number>();
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l] > heap[m]) m = l;
      if (r < heap.length && heap[r] > heap[m]) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < all.length; i++) {
    const v = all[i];
    if (heap.length === k && v >= heap[0]) continue;
    if (kept.has(v)) continue;
    kept.add(v);
    if (heap.length < k) {
      let j = heap.push(v) - 1;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (heap[p] >= heap[j]) break;
        [heap[p], heap[j]] = [heap[j], heap[p]];
        j = p;
      }
    } else {
      kept.delete(heap[0]);
      heap[0] = v;
      down(0);
    }
  }
  return heap.sort((a, b) => a - b);
}

/** Estimated Jaccard similarity of the two bodies' 5-gram sets (bottom-k sketches). */
export function similarity(a: DocumentPrint, b: DocumentPrint): number {
  if (!a.chars || !b.chars || !a.minhash.length || !b.minhash.length) return 0;
  const inA = new Set(a.minhash);
  const inB = new Set(b.minhash);
  const union = [...new Set([...a.minhash, ...b.minhash])].sort((x, y) => x - y).slice(0, SKETCH_SIZE);
  let both = 0;
  for (const h of union) if (inA.has(h) && inB.has(h)) both++;
  return both / union.length;
}

const ID = 'publish-dates';

const severity = z.enum(['veto', 'deduction', 'warning', 'info']);
const tier = z.enum(['confirmed', 'suspected']);

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-V4'],
    options: z.object({
      placeholders: z.array(z.string()).default(DEFAULT_PLACEHOLDERS),
      /** Days after as-of a date may lie before it counts as in the future. */
      futureToleranceDays: z.number().int().nonnegative().default(0),
      futureSeverity: severity.default('veto'),
      futureTier: tier.default('confirmed'),
      /** A list (or shown) date this many days newer than the item's own date is a 旧稿新发 candidate. */
      republishDays: z.number().int().positive().default(30),
      republishSeverity: severity.default('veto'),
      republishTier: tier.default('suspected'),
      /** List date older than the article's own date by more than this: inaccurate date (warning). */
      mismatchDays: z.number().int().nonnegative().default(3),
      /** PubDate meta and visible date further apart than this: inaccurate date (warning). */
      metaMismatchDays: z.number().int().nonnegative().default(1),
      /** Shortest title compared for repeated publication. */
      minTitleChars: z.number().int().positive().default(8),
      /** Same title is not the same document: the two bodies must be at least this similar (shingled Jaccard). */
      minBodySimilarity: z.number().min(0).max(1).default(0.9),
      /** Findings kept per code (the summary counts all). */
      maxFindingsPerCode: z.number().int().positive().default(50),
    }),
  },
  collect(ctx, options): PageContent & { print?: DocumentPrint } {
    const content = analyzePage(ctx, { placeholders: options.placeholders });
    if (content.kind !== 'article') {
      // A start page that is an article (ArticleTitle meta, article URL) is analysed as the home page; its own
      // dates are still an article's dates.
      if (!ctx.isHome || !(ctx.page.meta.articletitle || ARTICLE_URL.test(pathOf(ctx.page.finalUrl)))) return content;
      const main = visibleText(ctx.dom, { skipBoilerplate: true });
      const article = articleInfo(ctx.dom, ctx.page, ctx.asOf, DEFAULT_DATE_META, main);
      return { ...content, article, print: documentPrint(main) };
    }
    // The analysis is shared with other checks: the print goes on a copy.
    return { ...content, print: documentPrint(visibleText(ctx.dom, { skipBoilerplate: true })) };
  },
  run(site, ctx) {
    const o = ctx.options;
    const asOf = ctx.asOf;
    const findings: FindingInput[] = [];
    const counts: Record<string, number> = {};
    const add = (f: FindingInput) => {
      counts[f.code] = (counts[f.code] ?? 0) + 1;
      if (counts[f.code] <= o.maxFindingsPerCode) findings.push(f);
    };
    const contents: Array<[string, PageContent]> = [];
    const articles = new Map<string, { url: string; info: ArticleInfo; print?: DocumentPrint }>();
    for (const p of site.pages) {
      // A page whose analysis failed is a page without content.
      const c = unlessFailed(ctx.collected(p));
      if (!c || typeof c !== 'object' || !('kind' in c)) continue;
      contents.push([p.finalUrl, c]);
      if (c.article) {
        articles.set(p.url, { url: p.finalUrl, info: c.article, print: c.print });
        articles.set(p.finalUrl, { url: p.finalUrl, info: c.article, print: c.print });
      }
    }
    const futureLimit = addDays(asOf, o.futureToleranceDays);

    // Articles: own date in the future, meta vs visible, shown date vs URL creation date.
    const seenArticles = new Set<string>();
    for (const { url, info } of articles.values()) {
      if (seenArticles.has(url)) continue;
      seenArticles.add(url);
      const shown = info.visible?.source === 'label' ? info.visible : (info.meta ?? info.jsonld ?? info.visible);
      // The authoritative date is the article's best one (page.ts: meta > JSON-LD > label > URL > loose date). Only
      // it can be a future date; another source in the future is a conflict between sources (a warning). A loose
      // date (no label, no meta) as the only source is too weak for a confirmed veto.
      const best = info.best;
      const sources = [info.meta, info.jsonld, info.visible, info.url].filter((d): d is NonNullable<typeof d> => Boolean(d));
      if (best && best.date > futureLimit) {
        add({
          code: 'future-article',
          params: { title: info.title, date: best.date, source: best.key ?? best.source, asOf, days: daysBetween(asOf, best.date) },
          severity: o.futureSeverity,
          tier: best.source === 'text' ? 'suspected' : o.futureTier,
          rule: 'W-V4',
          url,
          target: url,
          evidence: {
            expected: `a date not after ${asOf}`,
            actual: best.raw,
            dateSource: best.source,
            key: best.key,
            title: info.title,
            asOf,
            daysAfterAsOf: daysBetween(asOf, best.date),
            otherSources: sources.filter((d) => d !== best).map((d) => `${d.source}${d.key ? `:${d.key}` : ''} ${d.date}`),
            ...(best.source === 'text' ? { reason: 'only a loose date in the text (no PubDate tag, no 发布日期 label, no dated URL)' } : {}),
          },
        });
      } else if (best) {
        const other = sources.find((d) => d.date > futureLimit);
        if (other) {
          add({
            code: 'date-conflict',
            params: { title: info.title, date: other.date, source: other.key ?? other.source, best: best.date, bestSource: best.key ?? best.source },
            severity: 'warning',
            rule: 'W-V4',
            url,
            target: url,
            evidence: {
              expected: 'the dates of an article agree',
              actual: `${other.source} ${other.raw}; ${best.source} ${best.raw}`,
              authoritativeDate: best.date,
              authoritativeSource: best.source,
              otherDate: other.date,
              otherSource: other.source,
              asOf,
            },
          });
        }
      }
      // Only a publication label is compared with the PubDate tag (成文/发文 dates precede publication by design).
      if (info.meta && info.visible?.source === 'label' && info.visible.key !== 'written') {
        const gap = Math.abs(daysBetween(info.meta.date, info.visible.date));
        if (gap > o.metaMismatchDays) {
          add({
            code: 'meta-mismatch',
            params: { title: info.title, visible: info.visible.date, meta: info.meta.date },
            severity: 'warning',
            rule: 'W-V4',
            url,
            target: url,
            evidence: { expected: 'PubDate tag equal to the visible publication date', actual: `${info.meta.key}=${info.meta.raw}; visible ${info.visible.raw}`, metaDate: info.meta.date, visibleDate: info.visible.date, days: gap },
          });
        }
      }
      if (info.url && shown && shown.date <= futureLimit) {
        const gap = daysBetween(info.url.date, shown.date);
        if (gap > o.republishDays) {
          add({
            code: 'republished-url',
            params: { title: info.title, shown: shown.date, urlDate: info.url.date, days: gap },
            severity: o.republishSeverity,
            tier: o.republishTier,
            rule: 'W-V4',
            url,
            target: url,
            evidence: {
              expected: `shown date within ${o.republishDays} days of the URL's creation date`,
              actual: `shown ${shown.raw} (${shown.source}); URL ${info.url.raw}`,
              shownDate: shown.date,
              urlDate: info.url.date,
              urlPattern: info.url.key,
              days: gap,
            },
          });
        }
      }
    }

    // List items: future list dates, list vs article, repeated titles.
    const seenItems = new Set<string>();
    const byTitle = new Map<string, Array<{ title: string; href: string; date: string; listedOn: string }>>();
    for (const [pageUrl, c] of contents) {
      for (const b of c.blocks) {
        for (const it of b.items) {
          if (!it.date || it.yearInferred) continue;
          const key = `${it.href ?? it.title}|${it.date}`;
          if (seenItems.has(key)) continue;
          seenItems.add(key);
          if (it.date > futureLimit) {
            add({
              code: 'future-list',
              params: { title: it.title, date: it.date, asOf },
              severity: o.futureSeverity,
              tier: o.futureTier,
              rule: 'W-V4',
              url: pageUrl,
              target: it.href,
              evidence: { location: b.selector, snippet: `${it.title} ${it.raw ?? ''}`, expected: `a date not after ${asOf}`, actual: it.raw ?? it.date, listUrl: pageUrl, itemUrl: it.href, asOf },
            });
            continue;
          }
          if (it.href) {
            const norm = normalizeName(it.title).replace(/[“”"'‘’，。、：:;；!！?？]/g, '');
            if (norm.length >= o.minTitleChars) {
              const list = byTitle.get(norm) ?? [];
              if (!list.some((x) => x.href === it.href)) list.push({ title: it.title, href: it.href, date: it.date, listedOn: pageUrl });
              byTitle.set(norm, list);
            }
          }
          const art = it.href ? articles.get(it.href) : undefined;
          if (!art) continue;
          const own = [art.info.meta, art.info.jsonld, art.info.visible?.source === 'label' ? art.info.visible : undefined, art.info.url].filter((d): d is NonNullable<typeof d> => Boolean(d) && d!.date <= futureLimit);
          if (!own.length) continue;
          const oldest = own.reduce((a, d) => (d.date < a.date ? d : a));
          const newest = own.reduce((a, d) => (d.date > a.date ? d : a));
          const ahead = daysBetween(oldest.date, it.date);
          if (ahead > o.republishDays) {
            add({
              code: 'republished',
              params: { title: it.title, listDate: it.date, articleDate: oldest.date, source: oldest.key ?? oldest.source, days: ahead },
              severity: o.republishSeverity,
              tier: o.republishTier,
              rule: 'W-V4',
              url: pageUrl,
              target: art.url,
              evidence: {
                location: b.selector,
                expected: `list date within ${o.republishDays} days of the article's own date`,
                actual: `listed ${it.raw ?? it.date}; article ${oldest.raw} (${oldest.source})`,
                listDate: it.date,
                listUrl: pageUrl,
                articleDate: oldest.date,
                articleDateSource: oldest.source,
                articleUrl: art.url,
                days: ahead,
              },
            });
            continue;
          }
          const behind = daysBetween(it.date, newest.date);
          if (behind > o.mismatchDays) {
            add({
              code: 'list-older',
              params: { title: it.title, listDate: it.date, articleDate: newest.date },
              severity: 'warning',
              rule: 'W-V4',
              url: pageUrl,
              target: art.url,
              evidence: {
                location: b.selector,
                expected: 'the same date in the list and on the article',
                actual: `listed ${it.date}; article ${newest.raw} (${newest.source})`,
                listDate: it.date,
                listUrl: pageUrl,
                articleDate: newest.date,
                articleUrl: art.url,
                days: behind,
              },
            });
          }
        }
      }
    }
    // Same title is not the same document (annual notices keep their title): a re-post needs both bodies read,
    // the same document number (when either has one), the same years in the text and near-identical bodies.
    let sameTitleUnverified = 0;
    let sameTitleDifferent = 0;
    for (const list of byTitle.values()) {
      if (list.length < 2) continue;
      const sorted = [...list].sort((a, b) => a.date.localeCompare(b.date));
      const first = sorted[0];
      const last = sorted[sorted.length - 1];
      const gap = daysBetween(first.date, last.date);
      if (gap <= o.republishDays) continue;
      const pa = articles.get(first.href)?.print;
      const pb = articles.get(last.href)?.print;
      if (!pa || !pb || !pa.chars || !pb.chars) {
        sameTitleUnverified++;
        continue;
      }
      const sim = similarity(pa, pb);
      const sameNo = pa.docNo === pb.docNo;
      const sameYears = pa.years.join(',') === pb.years.join(',');
      if (!sameNo || !sameYears || sim < o.minBodySimilarity) {
        sameTitleDifferent++;
        continue;
      }
      add({
        code: 'republished-title',
        params: { title: last.title, first: first.date, second: last.date },
        severity: o.republishSeverity,
        tier: o.republishTier,
        rule: 'W-V4',
        url: last.listedOn,
        target: last.href,
        evidence: {
          expected: 'each item published once',
          actual: `${first.date} ${first.href}; ${last.date} ${last.href}`,
          firstDate: first.date,
          firstUrl: first.href,
          firstListedOn: first.listedOn,
          secondDate: last.date,
          secondUrl: last.href,
          secondListedOn: last.listedOn,
          days: gap,
          docNo: pa.docNo ?? null,
          yearsInText: pa.years,
          bodySimilarity: Math.round(sim * 100) / 100,
        },
      });
    }
    return { findings, summary: { ...counts, articlesWithDates: [...seenArticles].length, listItemsChecked: seenItems.size, sameTitleUnverified, sameTitleDifferent } };
  },
});
