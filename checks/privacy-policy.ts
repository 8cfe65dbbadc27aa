/**
 * privacy-policy — a privacy policy linked from the home page (制定并执行隐私保护政策), scored under W-D6 by default
 * (option `rule`); stronger when the site's forms ask for personal data. What counts as a policy and the evidence
 * each finding needs: docs/check-reference.md "Security and privacy", docs/checks.md "W-D6".
 */
import { z } from 'zod';
import { CollectFailure, defineCheck, failOnCollectFailure, type FindingInput, pagesByUrl } from '../src/check-api/api.js';
import { homeReadDoubt, homeReadSignals, type HomeReadSignals } from '../src/analysis/content/home-read.js';
import { keywordRegExp, toSimplified } from '../src/analysis/content/text.js';
import { personalDataForms, type PersonalForm } from '../src/analysis/privacy/forms.js';

const ID = 'privacy-policy';

/** A heading or phrase naming a privacy policy. */
const PRIVACY_HEADING = /(隐私|个人信息)\s*(保护|政策|声明|申明|说明|条款|权益|安全|保密)|保护.{0,6}(隐私|个人信息)|尊重.{0,6}隐私/;

export const DEFAULT_PRACTICE_WORDS = ['收集', '使用', '存储', '保存', '披露', '共享', '第三方', 'Cookie', '删除', '更正', '用途', '授权', '泄露', '保密', '查询'];

interface PrivacyText {
  heading: boolean;
  practices: string[];
}

interface Collected {
  forms?: PersonalForm[];
  privacy?: PrivacyText;
  /** Visible characters (pages with privacy words or forms, and the home page). */
  textLength?: number;
  read?: HomeReadSignals;
}

type State = 'policy' | 'document' | 'no-text' | 'broken' | 'unknown';

function privacyText(text: string, practiceWords: string[]): PrivacyText | undefined {
  if (!/隐私|个人信息/.test(text)) return undefined;
  const lower = text.toLowerCase();
  return { heading: PRIVACY_HEADING.test(text), practices: practiceWords.filter((w) => lower.includes(w.toLowerCase())) };
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-D6'],
    options: z.object({
      /** The indicator the findings count towards (W-D6 安全防护 by default). */
      rule: z.string().default('W-D6'),
      /** Words of a privacy-policy link's text (Traditional spellings match too). */
      policyWords: z.array(z.string().min(1)).default(['隐私', '个人信息保护']),
      /** Declaration pages that may hold a privacy section. */
      declarationWords: z.array(z.string().min(1)).default(['网站声明', '免责声明', '法律声明', '版权声明', '本站声明', '使用条款', '服务条款', '用户协议', '关于本网']),
      practiceWords: z.array(z.string().min(1)).default(DEFAULT_PRACTICE_WORDS),
      /** Practice words a page needs, with a privacy heading, to count as a privacy policy. */
      minPracticeWords: z.number().int().positive().default(3),
      noPolicySeverity: z.enum(['deduction', 'warning']).default('deduction'),
      /** Pages beyond the crawl fetched (privacy and declaration links), and the bytes kept of each. */
      maxFetches: z.number().int().nonnegative().default(4),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(512 * 1024),
      /** Visible characters below which the home page may be built by script (no-policy is then suspected). */
      minHomeText: z.number().int().nonnegative().default(100),
      /** Personal-data forms listed in the evidence. */
      maxForms: z.number().int().positive().default(10),
    }),
  },
  collect({ page, $, text, isHome }, o): Collected | undefined {
    if (page.error) return undefined;
    const forms = $('form').length ? personalDataForms($, page.finalUrl, o.maxForms) : [];
    const privacy = privacyText(`${page.title}\n${text}`, o.practiceWords);
    if (!isHome && !forms.length && !privacy) return undefined;
    return { ...(forms.length ? { forms } : {}), ...(privacy ? { privacy } : {}), textLength: text.length, ...(isHome ? { read: homeReadSignals(page, text, $) } : {}) };
  },
  async run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    if (!home || home.error || (home.status !== null && home.status >= 400)) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const hc = failOnCollectFailure(ctx.collected(home), ID, home);
    if (!hc) return { findings: [], notApplicable: 'the home page has no HTML to read' };
    const url = home.finalUrl;
    const rule = o.rule;
    const points = ctx.rulePoints(rule) ?? 1;
    const formPoints = ctx.rulePoints(rule, 'privacyForms') ?? points * 2;
    const isPolicy = (p: PrivacyText | undefined) => Boolean(p?.heading && p.practices.length >= o.minPracticeWords);

    // Links of the home page: privacy links first, then declaration pages.
    const policyRe = keywordRegExp(o.policyWords);
    const declRe = keywordRegExp(o.declarationWords);
    const candidates = new Map<string, { url: string; text: string; kind: 'policy' | 'declaration'; selector: string }>();
    for (const l of home.links) {
      if (!l.url || l.skipped || (l.element !== 'a' && l.element !== 'area')) continue;
      const t = toSimplified(l.text.replace(/\s+/g, ''));
      if (!t || t.length > 20) continue;
      const kind = policyRe.test(t) ? 'policy' : declRe.test(t) ? 'declaration' : undefined;
      if (!kind) continue;
      const known = candidates.get(l.url);
      if (!known || (known.kind === 'declaration' && kind === 'policy')) candidates.set(l.url, { url: l.url, text: l.text.trim(), kind, selector: l.selector });
    }
    const ordered = [...candidates.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'policy' ? -1 : 1));

    const byUrl = pagesByUrl(site);
    let fetches = 0;
    const checked: Array<{ url: string; text: string; kind: 'policy' | 'declaration'; state: State; why: string; practices?: string[] }> = [];
    for (const cand of ordered) {
      const p = byUrl.get(cand.url);
      let state: State;
      let why: string;
      let practices: string[] | undefined;
      if (p) {
        const status = p.error?.status ?? p.status;
        const c = ctx.collected(p);
        if (p.error || (status !== null && status >= 400)) {
          state = (!p.error || p.error.kind === 'http_error') && (status === 404 || status === 410) ? 'broken' : 'unknown';
          why = p.error ? `${p.error.kind}${p.error.status ? ` ${p.error.status}` : ''}` : `HTTP ${status}`;
        } else if (c instanceof CollectFailure) {
          state = 'unknown';
          why = `not read: ${c.message}`;
        } else if (p.contentType && !/html/i.test(p.contentType)) {
          state = 'document';
          why = `a document (${p.contentType})`;
        } else if (isPolicy(c?.privacy)) {
          state = 'policy';
          why = 'privacy-policy text';
          practices = c?.privacy?.practices;
        } else if (p.textLength < 50) {
          state = 'unknown';
          why = `the page shows ${p.textLength} characters (built by script?)`;
        } else {
          state = 'no-text';
          why = c?.privacy ? `privacy words without a policy (${c.privacy.practices.join('、') || 'no practice words'})` : 'no privacy text';
        }
      } else if (fetches >= o.maxFetches) {
        state = 'unknown';
        why = 'not fetched (maxFetches)';
      } else {
        fetches++;
        const r = await ctx.pages.fetch(cand.url, { maxBytes: o.maxBytes });
        const status = r.response.status;
        if (r.response.error || status === null || status >= 400) {
          state = (!r.response.error || r.response.error.kind === 'http_error') && (status === 404 || status === 410) ? 'broken' : 'unknown';
          why = r.response.error ? `${r.response.error.kind}${status ? ` ${status}` : ''}` : `HTTP ${status}`;
        } else if (!r.page) {
          state = status >= 200 && status < 300 ? 'document' : 'unknown';
          why = `HTTP ${status} ${r.response.headers['content-type'] ?? ''}`.trim();
        } else {
          const text = `${r.page.title}\n${r.page.text}`;
          const pt = privacyText(text, o.practiceWords);
          if (isPolicy(pt)) {
            state = 'policy';
            why = 'privacy-policy text';
            practices = pt?.practices;
          } else if (r.page.text.length < 50) {
            state = 'unknown';
            why = `the page shows ${r.page.text.length} characters (built by script?)`;
          } else {
            state = 'no-text';
            why = pt ? `privacy words without a policy (${pt.practices.join('、') || 'no practice words'})` : 'no privacy text';
          }
        }
      }
      checked.push({ url: cand.url, text: cand.text, kind: cand.kind, state, why, ...(practices ? { practices } : {}) });
      // A document counts only from a privacy link; a declaration's document is not read.
      if (state === 'policy' || (state === 'document' && cand.kind === 'policy')) break;
    }

    // Forms asking for personal data, anywhere in the crawl.
    const forms: Array<PersonalForm & { page: string }> = [];
    const seenForms = new Set<string>();
    for (const p of site.pages) {
      const c = ctx.collected(p);
      if (!c || c instanceof CollectFailure) continue;
      for (const f of c.forms ?? []) {
        const key = `${f.action}|${f.fields.map((x) => x.kind).join(',')}`;
        if (seenForms.has(key)) continue;
        seenForms.add(key);
        if (forms.length < o.maxForms) forms.push({ ...f, page: p.finalUrl });
      }
    }

    const findings: FindingInput[] = [];
    const found = checked.find((c) => c.state === 'policy' || (c.state === 'document' && c.kind === 'policy'));
    const policyLinks = checked.filter((c) => c.kind === 'policy');
    const declarations = checked.filter((c) => c.kind === 'declaration');
    const formEvidence = forms.length ? { forms: forms.map((f) => ({ page: f.page, selector: f.selector, action: f.action, fields: f.fields })) } : {};
    const withForms = (severity: 'deduction' | 'warning') => (severity === 'deduction' ? (forms.length ? formPoints : points) : undefined);
    if (!found) {
      const doubt = homeReadDoubt(home, hc.read, o.minHomeText);
      if (policyLinks.length) {
        const definitive = policyLinks.every((c) => c.state === 'broken');
        const first = policyLinks[0];
        findings.push({
          code: definitive ? 'policy-broken' : 'policy-unverified',
          params: { example: first.url, why: first.why, links: policyLinks.map((c) => `${c.text}（${c.why}）`).join('；') },
          severity: o.noPolicySeverity,
          tier: definitive ? 'confirmed' : 'suspected',
          points: withForms(o.noPolicySeverity),
          rule,
          url,
          target: first.url,
          evidence: {
            expected: 'a privacy policy page that opens and reads as one',
            actual: policyLinks.map((c) => `${c.url}: ${c.why}`).join('; '),
            links: checked,
            ...formEvidence,
            ...(definitive ? {} : { reason: `could not be confirmed: ${policyLinks.map((c) => `${c.text} (${c.why})`).join('; ')}` }),
          },
        });
      } else {
        const unread = declarations.filter((c) => c.state !== 'no-text');
        const reason = [doubt, unread.length ? `declaration page(s) not read: ${unread.map((c) => `${c.text} (${c.why})`).join('; ')}` : undefined].filter(Boolean).join('; ');
        const first = forms[0];
        findings.push({
          code: forms.length ? 'no-policy-forms' : 'no-policy',
          params: forms.length ? { forms: forms.length, example: first.page } : {},
          severity: o.noPolicySeverity,
          tier: reason ? 'suspected' : 'confirmed',
          points: withForms(o.noPolicySeverity),
          rule,
          url,
          evidence: {
            location: 'home page',
            expected: `a link named ${o.policyWords.join('/')}… (or a ${o.declarationWords.slice(0, 3).join('/')} page with a privacy section)`,
            actual: declarations.length ? `no privacy link; declarations without privacy text: ${declarations.map((c) => `${c.text} (${c.why})`).join('; ')}` : 'no privacy link on the home page',
            links: checked,
            ...formEvidence,
            ...(reason ? { reason } : {}),
          },
        });
      }
    }
    return {
      findings,
      summary: { policy: found ? { url: found.url, text: found.text, kind: found.kind, state: found.state } : null, linksChecked: checked, fetched: fetches, personalDataForms: forms.length },
    };
  },
});
