/**
 * privacy-leaks — personal data published in full (resident IDs, bank cards, mobiles) in pages, attachments and
 * new-media posts: W-V4 / M-V1. Numbers are masked where they are detected, so nothing downstream ever holds one in
 * full. Detectors, masking and severities: docs/check-reference.md "Security and privacy", docs/checks.md "W-V4".
 */
import { z } from 'zod';
import { failOnCollectFailure, defineCheck, type FindingInput } from '../src/check-api/api.js';
import { extractAttachmentText } from '../src/analysis/attachments/extract.js';
import { maskDigitRuns, redactPersonalData, scanPersonalData, DEFAULT_REGION_PREFIXES, type DetectOptions, type PersonalDataKind } from '../src/analysis/privacy/detect.js';
import type { Severity, SiteArtifacts } from '../src/types.js';

const sev = z.enum(['veto', 'warning', 'info', 'off']);

const options = z.object({
  /** Severity per finding code. */
  severities: z
    .object({
      'id-leak': sev.default('veto'),
      'id15-leak': sev.default('warning'),
      'bankcard-leak': sev.default('veto'),
      'mobile-leak': sev.default('info'),
      'mobile-list-leak': sev.default('warning'),
    })
    .prefault({}),
  /** A document with this many distinct mobile numbers or more is a published list. */
  mobileListThreshold: z.number().int().positive().default(5),
  /** Read attachments linked from the site. */
  attachments: z.boolean().default(true),
  /** Also read attachments hosted on other sites. */
  externalAttachments: z.boolean().default(false),
  /** Attachments read at most per site. */
  maxAttachments: z.number().int().nonnegative().default(30),
  /** Bytes downloaded per attachment; a larger file is reported as not checked. */
  maxAttachmentBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Characters of text read per attachment. */
  maxChars: z.number().int().positive().default(2_000_000),
  /** Time limit of one extraction (ms). */
  extractTimeoutMs: z.number().int().positive().default(30_000),
  /** Detections listed in one finding's evidence. */
  maxListed: z.number().int().positive().default(10),
  /** Detections kept per page in the crawl artifact. */
  maxPerPage: z.number().int().positive().default(200),
  /** Accepted ID region prefixes (first two digits). */
  regionPrefixes: z.array(z.string().regex(/^\d{2}$/)).default([...DEFAULT_REGION_PREFIXES]),
  /** Detect the legacy 15-digit ID form. */
  legacy15: z.boolean().default(true),
});

type Opts = z.output<typeof options>;

interface Scan {
  counts: Record<PersonalDataKind, number>;
  distinct: Record<PersonalDataKind, number>;
  items: Array<{ kind: PersonalDataKind; masked: string; snippet: string; location: string }>;
}

const CODE: Record<PersonalDataKind, string> = { id: 'id-leak', id15: 'id15-leak', mobile: 'mobile-leak', bankcard: 'bankcard-leak' };

function detectOptions(o: Opts, asOf: string, max: number): DetectOptions {
  return { asOf, regionPrefixes: o.regionPrefixes, legacy15: o.legacy15, maxDetections: max };
}

function scanSegments(segments: Array<{ label: string; text: string }>, d: DetectOptions, keep: number): Scan {
  const out: Scan = { counts: { id: 0, id15: 0, mobile: 0, bankcard: 0 }, distinct: { id: 0, id15: 0, mobile: 0, bankcard: 0 }, items: [] };
  for (const s of segments) {
    const r = scanPersonalData(s.text, d);
    for (const k of Object.keys(out.counts) as PersonalDataKind[]) {
      out.counts[k] += r.counts[k];
      out.distinct[k] += r.distinct[k];
    }
    for (const det of r.detections) {
      if (out.items.length >= keep) break;
      out.items.push({ kind: det.kind, masked: det.masked, snippet: det.snippet, location: `${s.label}, char ${det.index}` });
    }
  }
  return out;
}

const hasAny = (s: Scan) => Object.values(s.counts).some((n) => n > 0);

function findingsFor(s: Scan, where: { url: string; target: string; document: string; kind: 'page' | 'attachment' | 'post' }, o: Opts, rule: string): FindingInput[] {
  const out: FindingInput[] = [];
  for (const kind of ['id', 'bankcard', 'id15', 'mobile'] as PersonalDataKind[]) {
    if (!s.counts[kind]) continue;
    let code = CODE[kind];
    if (kind === 'mobile' && s.distinct.mobile >= o.mobileListThreshold) code = 'mobile-list-leak';
    const severity = o.severities[code as keyof Opts['severities']];
    if (severity === 'off') continue;
    const items = s.items.filter((i) => i.kind === kind).slice(0, o.maxListed);
    const first = items[0];
    out.push({
      code,
      params: {
        count: s.counts[kind],
        distinct: s.distinct[kind],
        examples: items
          .slice(0, 3)
          .map((i) => i.masked)
          .join('、'),
        document: where.document,
      },
      severity: severity as Severity,
      tier: kind === 'id15' ? 'suspected' : 'confirmed',
      rule: severity === 'veto' ? rule : undefined,
      url: where.url,
      target: where.target,
      evidence: {
        location: first ? `${where.kind === 'page' ? 'page text' : where.document}: ${first.location}` : where.document,
        snippet: first?.snippet,
        expected: kind === 'mobile' ? 'masked (138****1234)' : kind === 'bankcard' ? 'masked (6222********1234)' : 'masked (35*************123)',
        actual: `${s.counts[kind]} in full (${s.distinct[kind]} distinct), e.g. ${items
          .slice(0, 3)
          .map((i) => i.masked)
          .join(', ')}`,
        documentKind: where.kind,
        count: s.counts[kind],
        distinct: s.distinct[kind],
        items,
      },
    });
  }
  return out;
}

export default defineCheck({
  meta: {
    id: 'privacy-leaks',
    scope: ['website', 'newmedia'],
    rules: ['W-V4', 'M-V1'],
    options,
  },
  collect({ text, asOf }, o) {
    // Masked at detection: the artifact holds masked numbers, snippets and counts only.
    const s = scanSegments([{ label: 'text', text }], detectOptions(o, asOf, o.maxPerPage * 4), o.maxPerPage);
    return hasAny(s) ? s : undefined;
  },
  async run(site: SiteArtifacts, ctx) {
    const o = ctx.options;
    const d = detectOptions(o, site.asOf, o.maxPerPage * 4);
    const redact = (t: string) => redactPersonalData(t, d);
    const findings: FindingInput[] = [];
    const summary = {
      pages: 0,
      pagesWithLeaks: 0,
      attachments: { found: 0, read: 0, unreadable: 0, tooLarge: 0, notFetched: 0, skippedOverCap: 0 },
      posts: 0,
      totals: { id: 0, id15: 0, mobile: 0, bankcard: 0 } as Record<PersonalDataKind, number>,
    };
    const tally = (s: Scan) => {
      for (const k of Object.keys(s.counts) as PersonalDataKind[]) summary.totals[k] += s.counts[k];
    };

    if (site.site.kind === 'newmedia' || site.account) {
      // New-media posts (M-V1).
      const acct = site.account;
      for (const post of acct?.posts ?? []) {
        summary.posts++;
        const s = scanSegments([{ label: 'post', text: `${post.title}\n${post.text}` }], d, o.maxPerPage);
        if (!hasAny(s)) continue;
        tally(s);
        const url = redact(post.url ?? acct!.sourceUrl);
        findings.push(...findingsFor(s, { url, target: url, document: ctx.lang === 'en' ? `Post "${redact(post.title).slice(0, 40)}"` : `发文《${redact(post.title).slice(0, 40)}》`, kind: 'post' }, o, 'M-V1'));
      }
      if (site.site.kind === 'newmedia') return { findings, summary };
    }

    // Page text, from the crawl's artifacts (already masked).
    for (const p of site.pages) {
      summary.pages++;
      // A page whose scan failed leaves its personal data unknown: the check cannot conclude.
      const s = failOnCollectFailure(ctx.collected(p), 'privacy-leaks', p);
      if (!s || !hasAny(s)) continue;
      summary.pagesWithLeaks++;
      tally(s);
      const url = redact(p.finalUrl);
      findings.push(...findingsFor(s, { url, target: url, document: ctx.lang === 'en' ? 'The page' : '页面', kind: 'page' }, o, 'W-V4'));
    }

    // Attachments.
    if (o.attachments) {
      const seen = new Map<string, string>();
      for (const p of site.pages) {
        for (const l of p.links) {
          if (!l.url || !l.attachment || (!l.internal && !o.externalAttachments)) continue;
          if (!seen.has(l.url)) seen.set(l.url, p.finalUrl);
        }
      }
      summary.attachments.found = seen.size;
      let n = 0;
      let unanswered = 0;
      for (const [url, parent] of seen) {
        if (n >= o.maxAttachments) {
          summary.attachments.skippedOverCap++;
          continue;
        }
        n++;
        const r = await ctx.http.fetchBody(url, { maxBytes: o.maxAttachmentBytes });
        // A server that stops answering is not asked for more attachments (bounded time on slow hosts).
        if (r.error && (r.error.kind === 'timeout' || r.error.kind === 'connection_reset')) {
          summary.attachments.notFetched++;
          if (++unanswered >= 2) {
            summary.attachments.skippedOverCap += seen.size - n;
            break;
          }
          continue;
        }
        unanswered = 0;
        const shownUrl = redact(url);
        const name = decodeURIComponentSafe(new URL(url).pathname.split('/').pop() ?? url);
        if (r.status === null || r.status < 200 || r.status >= 300 || !r.body) {
          summary.attachments.notFetched++; // broken attachments are broken-links' finding (W-D2)
          continue;
        }
        if (r.truncated) {
          summary.attachments.tooLarge++;
          findings.push({
            code: 'attachment-too-large',
            params: { target: shownUrl, limit: o.maxAttachmentBytes },
            severity: 'info',
            url: redact(parent),
            target: shownUrl,
            evidence: { location: shownUrl, expected: `≤ ${o.maxAttachmentBytes} bytes`, actual: 'larger (download cut)' },
          });
          continue;
        }
        const x = await extractAttachmentText(r.body, r.headers['content-type'], name, { maxChars: o.maxChars, timeoutMs: o.extractTimeoutMs });
        if (x.error) {
          summary.attachments.unreadable++;
          findings.push({
            code: 'attachment-unreadable',
            params: { target: shownUrl, reason: maskDigitRuns(x.error) },
            severity: 'info',
            url: redact(parent),
            target: shownUrl,
            evidence: { location: shownUrl, expected: 'readable PDF, XLS/XLSX, DOC/DOCX, CSV or TXT', actual: maskDigitRuns(x.error), kind: x.kind },
          });
          continue;
        }
        summary.attachments.read++;
        const s = scanSegments(x.segments, d, o.maxPerPage);
        if (!hasAny(s)) continue;
        tally(s);
        const doc = redact(name);
        findings.push(...findingsFor(s, { url: redact(parent), target: shownUrl, document: ctx.lang === 'en' ? `Attachment ${doc}` : `附件“${doc}”`, kind: 'attachment' }, o, 'W-V4'));
      }
    }
    return { findings, summary };
  },
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
