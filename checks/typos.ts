/**
 * typos — 错别字与严重表述错误: serious wrong expressions are vetoes (W-V4 / M-V1), ordinary typos and wording are
 * deductions (W-D3 / M-D3). The engine (src/analysis/text/) reads each page's text and title, attachment names and
 * new-media posts; only findings are kept. Dictionaries and evidence: docs/typos.md.
 */
import { z } from 'zod';
import { extractAttachmentText } from '../src/analysis/attachments/extract.js';
import { failOnCollectFailure, defineCheck, type FindingInput, type PageContext } from '../src/check-api/api.js';
import { analyzePage, DEFAULT_PLACEHOLDERS } from '../src/analysis/content/page-analysis.js';
import { getEngine, RULES, textOptionsSchema, type TextFinding } from '../src/analysis/text/engine.js';
import type { PageArtifact, SiteArtifacts } from '../src/types.js';
import { detached } from '../src/html.js';

const options = z.object({
  /** Engine options: extra dictionary folders, near-miss thresholds (see src/analysis/text/engine.ts). */
  text: textOptionsSchema,
  /** Scan page titles. */
  titles: z.boolean().default(true),
  /** Scan the names of linked attachments (anchor text and file name). */
  attachmentNames: z.boolean().default(true),
  /** Findings kept per page in the crawl artifact. */
  maxPerPage: z.number().int().positive().default(50),
  /** Pages listed per finding in its evidence. */
  maxPages: z.number().int().positive().default(20),
  /** Report suspected findings (near-miss guesses); they are never scored unless rules.countSuspected. */
  suspected: z.boolean().default(true),
  /**
   * Read the text of linked attachments (PDF, DOC/DOCX, XLS/XLSX, CSV, TXT, with src/analysis/attachments/) and scan it.
   * Off by default: it downloads each attachment (privacy-leaks downloads them for its own check too).
   */
  attachmentText: z
    .object({
      enabled: z.boolean().default(false),
      /** Attachments read at most per site. */
      max: z.number().int().nonnegative().default(20),
      /** Also attachments hosted on other sites. */
      external: z.boolean().default(false),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(10 * 1024 * 1024),
      maxChars: z.number().int().positive().default(500_000),
      timeoutMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
});
type Opts = z.output<typeof options>;

/** What the crawl keeps of a page: findings only. */
type Where = 'text' | 'title' | 'attachment' | 'attachmentText';

interface Collected {
  findings: Array<Omit<TextFinding, 'rule'> & { where: Where; target?: string; part?: string }>;
  chars: number;
  dropped: number;
  /** The page's publication date the findings were judged against (dated renamings). */
  date?: string;
}

const CATEGORY: Record<string, { zh: string; en: string }> = {
  typo: { zh: '错别字', en: 'typo' },
  word: { zh: '不规范用词', en: 'non-standard word' },
  idiom: { zh: '成语错用', en: 'misspelt idiom' },
  formulation: { zh: '重要提法', en: 'official formulation' },
  organ: { zh: '机构名称', en: 'organ name' },
  'organ-outdated': { zh: '机构旧称', en: 'outdated organ name' },
  title: { zh: '职务名称', en: 'official title' },
  leader: { zh: '领导人姓名', en: "leader's name" },
  naming: { zh: '涉台港澳用语', en: 'Taiwan/Hong Kong/Macao naming' },
  place: { zh: '地名', en: 'place name' },
  'near-miss': { zh: '错别字', en: 'typo' },
  wording: { zh: '表述不规范', en: 'non-standard wording' },
};

const WHERE: Record<Where, { zh: string; en: string }> = {
  text: { zh: '正文', en: 'text' },
  title: { zh: '标题', en: 'title' },
  attachment: { zh: '附件名称', en: 'attachment name' },
  attachmentText: { zh: '附件内容', en: 'attachment text' },
};

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** File names by attachment URL: a site links the same attachments from many pages (at most FILE_NAMES_MAX kept). */
const fileNames = new Map<string, string>();
const FILE_NAMES_MAX = 5_000;

/** File name of an attachment URL, decoded, without extension; worked out once per URL (`fileNames`). */
function fileName(url: string | null): string {
  if (!url) return '';
  let name = fileNames.get(url);
  if (name === undefined) {
    name = fileNameOf(url);
    if (fileNames.size >= FILE_NAMES_MAX) fileNames.clear();
    // A copy of the key: a URL can be a slice of its page's HTML, which the map must not keep alive.
    fileNames.set(detached(url), name);
  }
  return name;
}

function fileNameOf(url: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return last.replace(/\.[a-z0-9]{1,5}$/i, '');
  } catch {
    return '';
  }
}

/** The engine of a check's options: looked up once per options object, not validated again for every page. */
const enginesByOptions = new WeakMap<object, ReturnType<typeof getEngine>>();
function engineFor(o: Opts): ReturnType<typeof getEngine> {
  let e = enginesByOptions.get(o.text);
  if (!e) enginesByOptions.set(o.text, (e = getEngine(o.text)));
  return e;
}

/** The page's own publication date from the page analysis (an article's meta, label or URL date), if any. */
function pageDate(ctx: PageContext): string | undefined {
  try {
    const c = analyzePage(ctx, { placeholders: DEFAULT_PLACEHOLDERS });
    return c.kind === 'article' ? c.article?.best?.date : undefined;
  } catch {
    return undefined;
  }
}

function scanPage(page: PageArtifact, text: string, site: SiteArtifacts['site'], o: Opts, dates: { date?: string; asOf: string }): Collected {
  const engine = engineFor(o);
  const scope = site.kind === 'newmedia' ? 'newmedia' : 'website';
  const allowSites = [site.id, hostOf(page.finalUrl || page.url)].filter(Boolean);
  const base = { scope, site: allowSites, group: site.group, date: dates.date, asOf: dates.asOf } as const;
  const out: Collected = { findings: [], chars: text.length, dropped: 0, date: dates.date };
  const push = (fs: TextFinding[], where: Where, target?: string) => {
    for (const f of fs) {
      if (!o.suspected && f.tier === 'suspected') continue;
      if (out.findings.length >= o.maxPerPage) {
        out.dropped++;
        continue;
      }
      const { rule: _rule, ...rest } = f;
      void _rule;
      out.findings.push({ ...rest, where, target });
    }
  };
  const r = engine.scan(text, base);
  out.dropped += r.dropped;
  push(r.findings, 'text');
  if (o.titles && page.title && !text.includes(page.title)) push(engine.scan(page.title, base).findings, 'title');
  if (o.attachmentNames) {
    const seen = new Set<string>();
    for (const l of page.links) {
      if (!l.attachment) continue;
      for (const name of [l.text, fileName(l.url)]) {
        if (!name || seen.has(name) || text.includes(name)) continue;
        seen.add(name);
        out.chars += name.length;
        push(engine.scan(name, base).findings, 'attachment', l.url ?? l.raw);
      }
    }
  }
  return out;
}

interface Group {
  f: Collected['findings'][number];
  pages: Array<{ url: string; snippet: string; offset: number; where: string }>;
  count: number;
}

export default defineCheck({
  meta: {
    id: 'typos',
    scope: ['website', 'newmedia'],
    rules: ['W-V4', 'W-D3', 'M-V1', 'M-D3'],
    options,
  },
  collect(ctx, o) {
    return scanPage(ctx.page, ctx.text, ctx.site, o, { date: pageDate(ctx), asOf: ctx.asOf });
  },
  async run(site, ctx) {
    const o = ctx.options;
    const scope = site.site.kind === 'newmedia' || site.account ? 'newmedia' : 'website';
    const groups = new Map<string, Group>();
    let chars = 0;
    let scanned = 0;
    let dropped = 0;
    const add = (url: string, f: Group['f']) => {
      const key = `${f.where}\u0001${f.target ?? ''}\u0001${f.text}\u0001${f.suggestion}\u0001${f.category}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { f, pages: [], count: 0 }));
      g.count++;
      if (g.pages.length < o.maxPages && !g.pages.some((p) => p.url === url && p.offset === f.offset)) g.pages.push({ url, snippet: f.snippet, offset: f.offset, where: f.where });
    };
    for (const p of site.pages) {
      const c = failOnCollectFailure(ctx.collected(p), 'typos', p);
      if (!c) continue;
      scanned++;
      chars += c.chars;
      dropped += c.dropped;
      for (const f of c.findings) add(p.finalUrl, f);
    }
    const account = site.account;
    if (account) {
      const engine = getEngine(o.text);
      const allow = [site.site.id, hostOf(account.sourceUrl)].filter(Boolean);
      for (const post of account.posts) {
        const url = post.url ?? account.sourceUrl;
        for (const [where, text] of [
          ['title', post.title],
          ['text', post.text],
        ] as const) {
          if (!text) continue;
          scanned++;
          chars += text.length;
          const r = engine.scan(text, { scope: 'newmedia', site: allow, group: site.site.group, date: post.publishedAt?.slice(0, 10), asOf: ctx.asOf });
          dropped += r.dropped;
          for (const f of r.findings) {
            if (!o.suspected && f.tier === 'suspected') continue;
            const { rule: _r, ...rest } = f;
            void _r;
            add(url, { ...rest, where });
          }
        }
      }
    }
    const attachments = { found: 0, read: 0, unreadable: 0, notFetched: 0 };
    if (o.attachmentText.enabled && o.attachmentText.max > 0) {
      const engine = getEngine(o.text);
      const seen = new Map<string, string>();
      for (const p of site.pages) for (const l of p.links) if (l.url && l.attachment && (l.internal || o.attachmentText.external) && !seen.has(l.url)) seen.set(l.url, p.finalUrl);
      attachments.found = seen.size;
      let n = 0;
      for (const [url, parent] of seen) {
        if (n++ >= o.attachmentText.max) break;
        const r = await ctx.http.fetchBody(url, { maxBytes: o.attachmentText.maxBytes });
        if (r.status === null || r.status < 200 || r.status >= 300 || !r.body || r.truncated) {
          attachments.notFetched++; // a broken attachment is broken-links' finding (W-D2)
          continue;
        }
        const x = await extractAttachmentText(r.body, r.headers['content-type'], fileName(url) || url, { maxChars: o.attachmentText.maxChars, timeoutMs: o.attachmentText.timeoutMs });
        if (x.error) {
          attachments.unreadable++;
          continue;
        }
        attachments.read++;
        const allow = [site.site.id, hostOf(url)].filter(Boolean);
        for (const seg of x.segments) {
          scanned++;
          chars += seg.text.length;
          const res = engine.scan(seg.text, { scope, site: allow, group: site.site.group, asOf: ctx.asOf });
          dropped += res.dropped;
          for (const f of res.findings) {
            if (!o.suspected && f.tier === 'suspected') continue;
            const { rule: _r, ...rest } = f;
            void _r;
            add(parent, { ...rest, where: 'attachmentText', target: url, part: seg.label });
          }
        }
      }
    }
    if (!scanned) return { findings: [], notApplicable: account ? 'no posts to read' : 'no page text gathered', summary: { scanned, chars } };

    const findings: FindingInput[] = [];
    for (const g of groups.values()) {
      const f = g.f;
      const serious = f.severity === 'veto';
      const rule = RULES[scope][serious ? 'serious' : 'typo'];
      const cat = CATEGORY[f.category] ?? { zh: f.category, en: f.category };
      const code = f.tier === 'suspected' ? 'suspected' : serious ? 'serious' : 'typo';
      findings.push({
        code,
        params: { text: f.text, suggestion: f.suggestion, categoryZh: cat.zh, categoryEn: cat.en, where: WHERE[f.where].zh, whereEn: WHERE[f.where].en, count: g.count },
        severity: serious ? 'veto' : 'deduction',
        tier: f.tier,
        rule,
        points: serious ? undefined : (ctx.rulePoints(rule) ?? 1),
        url: g.pages[0].url,
        target: f.target ?? f.text,
        evidence: {
          location: `${WHERE[f.where].zh}${f.part ? ` ${f.part}` : ''} @ ${f.offset}`,
          snippet: f.snippet,
          expected: f.suggestion,
          actual: f.text,
          category: f.category,
          source: f.source,
          entry: f.entry,
          note: f.note,
          reason: f.reason,
          relation: f.relation,
          score: f.score,
          script: f.script,
          offset: f.offset,
          length: f.length,
          pages: g.pages,
        },
      });
    }
    // serious first, then confirmed typos, then suspected; within each, by page order
    const rank = (x: FindingInput) => (x.severity === 'veto' ? 0 : x.tier === 'confirmed' ? 1 : 2);
    findings.sort((a, b) => rank(a) - rank(b));
    return {
      findings,
      summary: {
        scanned,
        chars,
        serious: findings.filter((f) => f.severity === 'veto' && f.tier === 'confirmed').length,
        typos: findings.filter((f) => f.severity === 'deduction' && f.tier === 'confirmed').length,
        suspected: findings.filter((f) => f.tier === 'suspected').length,
        notListed: dropped,
        ...(o.attachmentText.enabled ? { attachments } : {}),
      },
    };
  },
});
