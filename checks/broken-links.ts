/**
 * broken-links — W-D1 链接不可用, W-D2 附件无法下载.
 * Every distinct target referenced by the crawled pages (pages, images, scripts, styles, frames, media,
 * attachments, external links) is verified once: pages the crawl already fetched use the crawl's result;
 * the others are probed through the run's shared client (HEAD, then GET when HEAD is refused), so an
 * external target linked from many sites is requested once per run. Each broken target is reported once
 * with every page that links to it (element, attribute, selector, anchor text).
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/checks/api.js';
import type { FetchErrorInfo, LinkRef, PageArtifact, ProbeResult } from '../src/types.js';

/** What a status or error class means for a link. Defaults follow the spec: 404/403/410 broken, others suspected. */
const outcome = z.enum(['broken', 'suspected', 'inconclusive', 'ok']);
type Outcome = z.infer<typeof outcome>;

const options = z.object({
  /** Status code → outcome; codes not listed: 2xx/3xx ok, other 4xx and 5xx suspected. */
  statusPolicy: z.record(z.string(), outcome).default({ '403': 'broken', '404': 'broken', '410': 'broken', '401': 'inconclusive', '407': 'inconclusive', '429': 'inconclusive', '999': 'inconclusive' }),
  /** Error class → outcome (network failures are suspected: reported, not scored, by default). */
  errorPolicy: z.record(z.string(), outcome).default({ malformed_url: 'broken', private_address_blocked: 'inconclusive', unsupported_scheme: 'inconclusive' }),
  /** Verify links to other sites too. */
  checkExternal: z.boolean().default(true),
  /** Concurrent probes (per-host politeness is the shared client's). */
  concurrency: z.number().int().positive().default(16),
  /** Parent pages listed per broken target in the evidence. */
  maxParents: z.number().int().positive().default(50),
  /** Reference kinds verified. */
  kinds: z.array(z.enum(['page', 'image', 'script', 'style', 'frame', 'media', 'object', 'attachment', 'other'])).default(['page', 'image', 'script', 'style', 'frame', 'media', 'object', 'attachment']),
});

interface Parent {
  page: string;
  element: string;
  attribute: string;
  selector: string;
  text: string;
  raw: string;
}

interface Target {
  url: string;
  kind: LinkRef['kind'];
  attachment: boolean;
  internal: boolean;
  parents: Parent[];
  parentCount: number;
  onHome: boolean;
}

function classify(status: number | null, error: FetchErrorInfo | undefined, headers: Record<string, string>, o: z.output<typeof options>): Outcome {
  if (error && error.kind !== 'http_error') return o.errorPolicy[error.kind] ?? 'suspected';
  if (status === null) return 'suspected';
  if (headers['cf-mitigated']) return 'inconclusive';
  const byPolicy = o.statusPolicy[String(status)];
  if (byPolicy) return byPolicy;
  if (status >= 200 && status < 400) return 'ok';
  return 'suspected';
}

export default defineCheck({
  meta: {
    id: 'broken-links',
    title: { zh: '链接可用性', en: 'Broken links' },
    description: {
      zh: '检查页面引用的每个目标（页面、图片、脚本、样式、附件、外部链接）是否可用，每个目标只检查一次，并列出引用它的所有页面。',
      en: 'Verifies every target the pages reference (pages, images, scripts, styles, attachments, external links) once, listing every page that links to it.',
    },
    scope: ['website'],
    rules: ['W-D1', 'W-D2'],
    options,
    messages: {
      broken: { zh: '链接不可用：{target}（{reason}），共 {count} 处引用', en: 'Broken link: {target} ({reason}), referenced {count} time(s)' },
      'broken-attachment': { zh: '附件无法下载：{target}（{reason}），共 {count} 处引用', en: 'Attachment cannot be downloaded: {target} ({reason}), referenced {count} time(s)' },
      suspected: { zh: '疑似不可用链接：{target}（{reason}）', en: 'Suspected broken link: {target} ({reason})' },
      inconclusive: { zh: '无法判定的链接：{target}（{reason}）', en: 'Inconclusive link: {target} ({reason})' },
      malformed: { zh: '链接地址格式错误：{raw}（{reason}）', en: 'Malformed link: {raw} ({reason})' },
    },
  },
  async run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    const homeUrls = new Set([site.startUrl, home?.finalUrl].filter(Boolean) as string[]);
    const crawled = new Map<string, PageArtifact>();
    for (const p of site.pages) {
      crawled.set(p.url, p);
      if (!crawled.has(p.finalUrl)) crawled.set(p.finalUrl, p);
    }

    const targets = new Map<string, Target>();
    const malformed = new Map<string, { ref: LinkRef; parents: Parent[]; onHome: boolean }>();
    const skipped: Record<string, number> = {};
    for (const page of site.pages) {
      const isHome = homeUrls.has(page.url) || homeUrls.has(page.finalUrl);
      for (const ref of page.links) {
        const parent: Parent = { page: page.finalUrl, element: ref.element, attribute: ref.attribute, selector: ref.selector, text: ref.text, raw: ref.raw };
        if (ref.skipped) {
          skipped[ref.skipped] = (skipped[ref.skipped] ?? 0) + 1;
          continue;
        }
        if (ref.malformed) {
          const m = malformed.get(ref.raw) ?? { ref, parents: [], onHome: false };
          if (m.parents.length < o.maxParents) m.parents.push(parent);
          m.onHome ||= isHome;
          malformed.set(ref.raw, m);
          continue;
        }
        if (!ref.url || !o.kinds.includes(ref.kind)) continue;
        if (!ref.internal && !o.checkExternal) continue;
        let t = targets.get(ref.url);
        if (!t) {
          t = { url: ref.url, kind: ref.kind, attachment: ref.attachment, internal: ref.internal, parents: [], parentCount: 0, onHome: false };
          targets.set(ref.url, t);
        }
        t.parentCount++;
        if (t.parents.length < o.maxParents && !t.parents.some((p) => p.page === parent.page && p.selector === parent.selector && p.attribute === parent.attribute)) t.parents.push(parent);
        t.onHome ||= isHome;
        t.attachment ||= ref.attachment;
      }
    }

    const limit = pLimit(o.concurrency);
    const results = new Map<string, { status: number | null; error?: FetchErrorInfo; headers: Record<string, string>; chain: unknown[]; method: string; fromCrawl: boolean }>();
    await Promise.all(
      [...targets.values()].map((t) =>
        limit(async () => {
          const page = crawled.get(t.url);
          if (page && !(page.error && page.error.kind !== 'http_error')) {
            results.set(t.url, { status: page.status, error: page.error, headers: page.headers, chain: page.redirectChain, method: 'GET', fromCrawl: true });
            return;
          }
          const r: ProbeResult = await ctx.http.probe(t.url);
          results.set(t.url, { status: r.status, error: r.error, headers: r.headers, chain: r.redirectChain, method: r.method, fromCrawl: false });
        }),
      ),
    );

    const findings: FindingInput[] = [];
    const counts = { checked: targets.size, broken: 0, suspected: 0, inconclusive: 0, homeBroken: 0, otherBroken: 0, attachmentsBroken: 0, malformed: malformed.size };
    const homePoints = ctx.rulePoints('W-D1', 'home') ?? 1;
    const otherPoints = ctx.rulePoints('W-D1', 'other') ?? 0.1;
    const attachmentPoints = ctx.rulePoints('W-D2', 'each') ?? 0.5;
    for (const t of [...targets.values()].sort((a, b) => a.url.localeCompare(b.url))) {
      const r = results.get(t.url)!;
      const verdict = classify(r.status, r.error, r.headers, o);
      if (verdict === 'ok') continue;
      const reason = r.error && r.error.kind !== 'http_error' ? r.error.kind : `HTTP ${r.status}`;
      const parents = [...t.parents].sort((a, b) => Number(homeUrls.has(b.page)) - Number(homeUrls.has(a.page)));
      const evidence = {
        location: parents[0] ? `${parents[0].selector} [${parents[0].attribute}]` : undefined,
        snippet: parents[0]?.text || parents[0]?.raw,
        expected: 'HTTP 2xx/3xx',
        actual: r.error && r.error.kind !== 'http_error' ? `${r.error.kind}: ${r.error.message}` : `HTTP ${r.status}`,
        status: r.status,
        errorKind: r.error?.kind ?? (r.status && r.status >= 400 ? 'http_error' : undefined),
        method: r.method,
        verifiedBy: r.fromCrawl ? 'crawl' : 'probe',
        redirectChain: r.chain,
        kind: t.kind,
        internal: t.internal,
        parents,
        parentCount: t.parentCount,
      };
      const base = { url: parents[0]?.page ?? site.startUrl, target: t.url, params: { target: t.url, reason, count: t.parentCount }, evidence };
      if (verdict === 'broken') {
        counts.broken++;
        if (t.attachment) {
          counts.attachmentsBroken++;
          findings.push({ ...base, code: 'broken-attachment', severity: 'deduction', rule: 'W-D2', points: attachmentPoints });
        } else {
          if (t.onHome) counts.homeBroken++;
          else counts.otherBroken++;
          findings.push({ ...base, code: 'broken', severity: 'deduction', rule: 'W-D1', points: t.onHome ? homePoints : otherPoints, evidence: { ...evidence, onHome: t.onHome } });
        }
      } else if (verdict === 'suspected') {
        counts.suspected++;
        findings.push({ ...base, code: 'suspected', severity: 'deduction', tier: 'suspected', rule: t.attachment ? 'W-D2' : 'W-D1', points: t.attachment ? attachmentPoints : t.onHome ? homePoints : otherPoints });
      } else {
        counts.inconclusive++;
        findings.push({ ...base, code: 'inconclusive', severity: 'info', tier: 'suspected' });
      }
    }
    for (const [raw, m] of malformed) {
      counts.broken++;
      if (m.onHome) counts.homeBroken++;
      else counts.otherBroken++;
      findings.push({
        code: 'malformed',
        params: { raw, reason: m.ref.malformed ?? '' },
        severity: 'deduction',
        rule: 'W-D1',
        points: m.onHome ? homePoints : otherPoints,
        url: m.parents[0]?.page ?? site.startUrl,
        target: raw,
        evidence: { location: `${m.ref.selector} [${m.ref.attribute}]`, snippet: m.ref.text || raw, expected: 'a valid URL', actual: raw, reason: m.ref.malformed, parents: m.parents, onHome: m.onHome },
      });
    }
    return { findings, summary: { ...counts, skipped } };
  },
});
