/**
 * newmedia-display — M-D2 内容无法正常展示: for an account's newest posts, the post page opens, its media and links
 * load (through `ctx.http`), its text is no platform placeholder and its body is not empty. One finding per post and
 * kind of problem; 5xx and network failures only suspected. Details: docs/newmedia.md.
 */
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { chinaDate } from '../src/china-time.js';
import { DEFAULT_PLACEHOLDERS, findPlaceholder, judgeProbe, probePolicyOptions, snippetText, type Judged } from '../src/newmedia/probe.js';
import type { AccountPost } from '../src/types.js';

function postEvidence(p: AccountPost, sourceUrl: string) {
  return {
    title: p.title,
    publishedAt: p.publishedAt ?? null,
    date: p.publishedAt ? chinaDate(p.publishedAt) : null,
    url: p.url ?? null,
    // Screenshot: the post's own page, or the post where it sits on the rendered account page.
    screenshotUrl: p.url ?? sourceUrl,
    screenshotSelector: p.url ? undefined : p.selector,
    location: p.selector,
  };
}

export default defineCheck({
  meta: {
    id: 'newmedia-display',
    scope: ['newmedia'],
    rules: ['M-D2'],
    options: z.object({
      /** How many of the newest posts are checked. */
      latestPosts: z.number().int().positive().default(10),
      /** Texts shown instead of content that cannot be displayed. */
      placeholders: z.array(z.string().min(2)).default(DEFAULT_PLACEHOLDERS),
      /** A body with fewer visible characters than this and no media is empty. */
      minTextChars: z.number().int().nonnegative().default(2),
      /** Open each post's own page (GET; its status and the placeholder texts in it). */
      checkPostPages: z.boolean().default(true),
      checkMedia: z.boolean().default(true),
      checkLinks: z.boolean().default(true),
      /** Requests per account at most (post pages, media and links together). */
      maxProbes: z.number().int().positive().default(200),
      ...probePolicyOptions,
    }),
  },
  async run(site, { options, http, rulePoints }) {
    const account = site.account;
    if (!account) return { findings: [], notApplicable: 'not a new-media account' };
    if (account.error) return { findings: [], notApplicable: `source unreadable (${account.error.kind})` };
    const posts = account.posts.slice(0, options.latestPosts);
    if (!posts.length) return { findings: [], notApplicable: 'no posts' };
    const points = rulePoints('M-D2') ?? 2;
    const findings: FindingInput[] = [];
    let probes = 0;
    /** Reserves up to n requests of the account's budget; returns how many were granted. */
    const reserve = (n: number) => {
      const granted = Math.max(0, Math.min(n, options.maxProbes - probes));
      probes += granted;
      return granted;
    };
    const probe = async (url: string, opts: { wantBody?: boolean }, expect?: 'image' | 'video' | 'audio'): Promise<Judged & { snippet?: string }> => {
      const r = await http.probe(url, opts.wantBody ? { method: 'GET', wantBody: true } : {});
      return { ...judgeProbe(r, options, expect), snippet: r.bodySnippet };
    };
    const counts = { posts: posts.length, probes: 0, placeholder: 0, empty: 0, postUnreachable: 0, mediaBroken: 0, linkBroken: 0 };

    await Promise.all(
      posts.map(async (p) => {
        const ev = postEvidence(p, account.sourceUrl);
        const title = (p.title || p.text.slice(0, 30) || p.url || '').slice(0, 40);
        const url = p.url ?? account.sourceUrl;
        const textHit = findPlaceholder(`${p.title}\n${p.text}`, options.placeholders);
        let pageHit: ReturnType<typeof findPlaceholder>;
        let unreachable: Judged | undefined;
        if (options.checkPostPages && p.url && reserve(1)) {
          const r = await probe(p.url, { wantBody: true });
          if (r.outcome === 'broken' || r.outcome === 'suspected') unreachable = r;
          else if (r.outcome === 'ok') pageHit = findPlaceholder(snippetText(r.snippet), options.placeholders);
        }
        const hit = textHit ?? pageHit;
        if (hit) {
          counts.placeholder++;
          findings.push({
            code: 'placeholder',
            params: { title, phrase: hit.phrase },
            severity: 'deduction',
            rule: 'M-D2',
            points,
            url,
            target: p.url ?? account.sourceUrl,
            evidence: { ...ev, snippet: hit.snippet, expected: 'the post displays', actual: hit.phrase, seenIn: textHit ? 'post text' : 'post page' },
          });
        } else if (unreachable) {
          counts.postUnreachable++;
          findings.push({
            code: 'post-unreachable',
            params: { title, reason: unreachable.reason },
            severity: 'deduction',
            tier: unreachable.outcome === 'broken' ? 'confirmed' : 'suspected',
            rule: 'M-D2',
            points,
            url,
            target: p.url,
            evidence: { ...ev, expected: 'HTTP 2xx', actual: unreachable.reason },
          });
        } else if (p.text.replace(/\s+/g, '').length < options.minTextChars && p.media.length === 0) {
          counts.empty++;
          findings.push({
            code: 'empty',
            params: { title },
            severity: 'deduction',
            rule: 'M-D2',
            points,
            url,
            target: p.url ?? account.sourceUrl,
            evidence: { ...ev, expected: `≥ ${options.minTextChars} characters of text or some media`, actual: `${p.text.trim().length} characters, no media` },
          });
        }

        const group = async (targets: Array<{ url: string; expect?: 'image' | 'video' | 'audio'; kind: string }>, code: 'media-broken' | 'link-broken') => {
          const judged = await Promise.all(targets.slice(0, reserve(targets.length)).map(async (t) => ({ ...t, ...(await probe(t.url, {}, t.expect)) })));
          const broken = judged.filter((j) => j.outcome === 'broken');
          const suspected = judged.filter((j) => j.outcome === 'suspected');
          const bad = broken.length ? broken : suspected;
          if (!bad.length) return;
          if (code === 'media-broken') counts.mediaBroken += bad.length;
          else counts.linkBroken += bad.length;
          findings.push({
            code,
            params: { title, count: bad.length, reason: [...new Set(bad.map((b) => b.reason))].join(', ') },
            severity: 'deduction',
            tier: broken.length ? 'confirmed' : 'suspected',
            rule: 'M-D2',
            points,
            url,
            target: bad[0].url,
            evidence: {
              ...ev,
              expected: code === 'media-broken' ? 'every image and video loads' : 'every link opens',
              actual: bad.map((b) => `${b.url} — ${b.reason}`).join('; '),
              broken: bad.map((b) => ({ target: b.url, kind: b.kind, reason: b.reason })),
              ...(broken.length && suspected.length ? { alsoSuspected: suspected.map((s) => ({ target: s.url, reason: s.reason })) } : {}),
            },
          });
        };
        if (options.checkMedia && !hit)
          await group(
            p.media.map((m) => ({ url: m.url, expect: m.kind, kind: m.kind })),
            'media-broken',
          );
        if (options.checkLinks && !hit)
          await group(
            p.links.map((l) => ({ url: l, kind: 'link' })),
            'link-broken',
          );
      }),
    );
    counts.probes = probes;
    return { findings, summary: counts };
  },
});
