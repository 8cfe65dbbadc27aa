/**
 * interaction — W-V5 互动回应差: a working online consultation channel (留言, 咨询, 信箱…; not 信访 or 纪检举报), and no
 * published message of the past year left unanswered over 3 months. Channels beyond the crawl are fetched once
 * through the shared client. Evidence policy: docs/checks.md "W-V5"; message reading: src/analysis/content/messages.ts.
 */
import type { Element } from 'domhandler';
import { z } from 'zod';
import { CollectFailure, defineCheck, failOnCollectFailure, unlessFailed, type FindingInput, pagesByUrl } from '../src/check-api/api.js';
import { addDays, daysBetween } from '../src/china-time.js';
import { CHANNEL_FILE_TOKENS, CHANNEL_HOSTS, imageLinkMatches, imageLinks } from '../src/analysis/content/guides.js';
import { couldNotKnow, listEntrances, noneFoundEvidence, rootDoubt, startPageDoubt } from '../src/analysis/content/home-read.js';
import { ASK_LABELS, extractMessages, iconStatus, type Message } from '../src/analysis/content/messages.js';
import { ARTICLE_URL, DEFAULT_PLACEHOLDERS } from '../src/analysis/content/page-analysis.js';
import { inBoilerplate, keywordRegExp, toSimplified } from '../src/analysis/content/text.js';

const ID = 'interaction';

export const DEFAULT_CHANNEL_WORDS = ['互动交流', '政民互动', '互动', '留言', '咨询', '信箱', '我要写信', '写信', '问政', '在线访谈', '访谈', '民意征集', '意见征集', '征集调查', '网上调查', '在线问答', '公众参与', '12345'];
export const DEFAULT_EXCLUDED_WORDS = ['信访', '纪检', '纪委', '监察', '举报', '检举', '控告', '12388'];
/** Host or path fragments of known 留言/信箱/咨询 systems (Hanweb jact, TRS and provincial platforms, 12345). */
export const DEFAULT_CHANNEL_SYSTEMS = ['/jact/', '/hdjl', '/hdjlpt', '/hudong', '/zmhd', '/liuyan', '/guestbook', '/mailbox', '/zxzx', '/ldxx', '/xjxx', '/interact', '/wsdc', '/consult', 'liuyan.', 'hudong.', 'hdjl.', '12345.'];
/** Link targets that are no channel: an empty or fragment-only address, a script. */
const NO_TARGET = /^\s*(#|javascript:|$)/i;
/** Failures that say nothing about the channel itself (cannot know): anything but an answered 404/410. */
function definitiveFailure(kind: string | undefined, status: number | null | undefined): boolean {
  return (kind === undefined || kind === 'http_error') && (status === 404 || status === 410);
}

interface Collected {
  messages: Message[];
  form: boolean;
  channelPage: boolean;
  placeholder?: string;
  textLength: number;
  /** The page is an article (ArticleTitle meta or an article URL), not a home or column page. */
  article?: boolean;
  /** Consultation channels drawn as images (领导信箱 banners…), with the clue that named them. */
  images?: Array<{ url: string; text: string; why: string }>;
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-V5'],
    options: z.object({
      /** Words of a consultation channel's link text or page name (Traditional spellings match too). */
      channelWords: z.array(z.string()).default(DEFAULT_CHANNEL_WORDS),
      /** Channels that do not count (petitions, discipline reports). */
      excludedWords: z.array(z.string()).default(DEFAULT_EXCLUDED_WORDS),
      placeholders: z.array(z.string()).default(DEFAULT_PLACEHOLDERS),
      /** Messages asked within this many days before as-of are judged. */
      windowDays: z.number().int().positive().default(365),
      /** Longest time a message may wait for its reply (3 months). */
      maxReplyDays: z.number().int().positive().default(90),
      /** Early warning: unanswered for this many days. */
      warnDays: z.number().int().positive().default(60),
      /** A reply that came later than maxReplyDays fails like a missing one (the message was left unanswered that long). */
      lateAnswerIsVeto: z.boolean().default(true),
      noChannelSeverity: z.enum(['veto', 'warning']).default('veto'),
      /** Host or path fragments of known 留言/信箱 systems: a page of one that answers is a working channel. */
      channelSystems: z.array(z.string().min(1)).default(DEFAULT_CHANNEL_SYSTEMS),
      /** Visible characters below which a home page may be built by script (no-channel is then suspected). */
      minHomeText: z.number().int().nonnegative().default(100),
      /** Channel pages beyond the crawl fetched through the shared client. */
      maxProbes: z.number().int().nonnegative().default(10),
      maxFindings: z.number().int().positive().default(50),
    }),
  },
  collect({ page, dom, text, $, asOf }, options): Collected | undefined {
    if (page.error) return undefined;
    // The page's own name (column tag, title before its separator, main heading): short, as column names are.
    // One walk of the document for the headings, text areas and forms.
    const headings: Element[] = [];
    const forms: Element[] = [];
    let textarea = false;
    $('h1, h2, textarea, form').each((_, node) => {
      const el = node as Element;
      if (el.name === 'textarea') textarea = true;
      else if (el.name === 'form') forms.push(el);
      else headings.push(el);
    });
    const names = [
      page.meta.columnname ?? '',
      page.title.split(/[_|｜\-—–]/)[0] ?? '',
      ...headings
        .filter((h) => !inBoilerplate(h))
        .slice(0, 2)
        .map((h) => $(h).text()),
    ]
      .map((n) => toSimplified(n.trim()))
      .filter((n) => n && n.length <= 12);
    const channel = keywordRegExp(options.channelWords);
    const excluded = keywordRegExp(options.excludedWords);
    const channelPage = names.some((n) => channel.test(n) && !excluded.test(n));
    // Status words in the text, or status icons (an <img> whose alt or file name says 已回复/未回复).
    const replyWords =
      /(回复|回覆|答复|答覆|办结|辦結|状态|狀態|处理|處理|办理|辦理|受理)/.test(text) ||
      $('img')
        .toArray()
        .some((i) => iconStatus(i as Element) !== undefined);
    // A list of questions with their 留言时间 and no reply words at all (a menu panel of the newest consultations) is read too.
    const hasMessageWords = (replyWords || keywordRegExp(ASK_LABELS).test(text)) && (channelPage || /(留言|来信|來信|咨询|諮詢|提问|提問|信件|诉求|訴求)/.test(text));
    const messages = hasMessageWords ? extractMessages(dom, page.finalUrl, asOf, channelPage) : [];
    const form = textarea || forms.some((f) => $(f).find('input[type=text], input:not([type])').length >= 2);
    const ph = keywordRegExp(options.placeholders).exec(text);
    let path = '';
    try {
      path = new URL(page.finalUrl).pathname;
    } catch {
      /* keep empty */
    }
    const images = imageLinks($, page.finalUrl)
      .filter((l) => !excluded.test(toSimplified(`${l.alt ?? ''} ${l.title ?? ''} ${l.clue}`)))
      .map((l) => ({ l, why: imageLinkMatches(l, channel, CHANNEL_FILE_TOKENS, CHANNEL_HOSTS) }))
      .filter((x): x is { l: (typeof x)['l']; why: string } => Boolean(x.why) && x.l.url !== page.finalUrl && x.l.url !== page.url)
      .map(({ l, why }) => ({ url: l.url, text: l.alt || l.title || l.file || l.url, why }));
    const out: Collected = { messages, form, channelPage, textLength: text.length, article: Boolean(page.meta.articletitle) || ARTICLE_URL.test(path), ...(images.length ? { images } : {}) };
    if (ph && text.length < 400) out.placeholder = ph[0];
    return out;
  },
  async run(site, ctx) {
    const o = ctx.options;
    const asOf = ctx.asOf;
    if (!site.home || site.home.error) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const findings: FindingInput[] = [];
    const channelRe = keywordRegExp(o.channelWords);
    const excludedRe = keywordRegExp(o.excludedWords);
    const byUrl = pagesByUrl(site);

    // Channels: links whose text names one, and pages that are one.
    const channels = new Map<string, { url: string; text: string; foundOn: string }>();
    const system = (u: string) => {
      const x = u.toLowerCase();
      return o.channelSystems.some((f) => x.includes(f.toLowerCase()));
    };
    for (const p of site.pages) {
      for (const l of p.links) {
        if (!l.url || l.element !== 'a' || l.attachment) continue;
        // A menu header to `#`, a `javascript:` handler or a link to the page itself is no channel.
        if (NO_TARGET.test(l.raw) || l.url === p.url || l.url === p.finalUrl) continue;
        const t = toSimplified(l.text);
        if (t.length > 12 || !channelRe.test(t) || excludedRe.test(t)) continue;
        if (!channels.has(l.url)) channels.set(l.url, { url: l.url, text: l.text, foundOn: p.finalUrl });
      }
      const c = unlessFailed(ctx.collected(p)); // a page whose collector failed shows no channel
      for (const img of c?.images ?? []) if (!channels.has(img.url)) channels.set(img.url, { url: img.url, text: `${img.text}（${img.why}）`, foundOn: p.finalUrl });
      if (c?.channelPage && !channels.has(p.url)) channels.set(p.url, { url: p.url, text: p.title, foundOn: p.referrer ?? p.url });
    }
    // Each channel: works (form, message list, known system that answers), broken (answered 404/410 or an empty
    // placeholder), opens (answers, nothing shows it works) or unknown (no answer, name does not resolve, 5xx…).
    type State = 'works' | 'broken' | 'opens' | 'unknown';
    const checked: Array<{ url: string; text: string; works: boolean; state: State; why: string; form?: boolean; messages?: number }> = [];
    let probes = 0;
    let unprobed = 0;
    for (const ch of channels.values()) {
      const p = byUrl.get(ch.url);
      if (p) {
        const c = ctx.collected(p);
        if (p.error || (p.status !== null && p.status >= 400)) {
          const status = p.error?.status ?? p.status;
          checked.push({ ...ch, works: false, state: definitiveFailure(p.error?.kind, status) ? 'broken' : 'unknown', why: p.error ? `${p.error.kind} ${p.error.status ?? ''}`.trim() : `HTTP ${p.status}` });
        } else if (c instanceof CollectFailure) {
          // A channel page whose collector failed: whether it works is unknown, and the check cannot conclude.
          failOnCollectFailure(c, ID, p);
        } else if (c?.placeholder && !c.form && !c.messages.length) checked.push({ ...ch, works: false, state: 'broken', why: `placeholder: ${c.placeholder}` });
        else if (c?.form || c?.messages.length) checked.push({ ...ch, works: true, state: 'works', why: c.form ? 'form' : 'messages', form: c.form, messages: c.messages.length });
        else if (system(p.finalUrl)) checked.push({ ...ch, works: true, state: 'works', why: 'known message system' });
        else checked.push({ ...ch, works: false, state: 'opens', why: 'opens (no form or message list seen)' });
        continue;
      }
      if (probes >= o.maxProbes) {
        unprobed++;
        continue;
      }
      probes++;
      const r = await ctx.http.probe(ch.url, { method: 'GET', wantBody: true });
      const ok = r.status !== null && r.status < 400 && !r.error;
      const body = r.bodySnippet ?? '';
      const ph = ok && body ? keywordRegExp(o.placeholders).exec(body.replace(/<[^>]+>/g, ' ')) : null;
      const shortBody = body.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<[^>]+>/g, '').replace(/\s+/g, '').length < 400;
      if (!ok) checked.push({ ...ch, works: false, state: definitiveFailure(r.error?.kind, r.status) ? 'broken' : 'unknown', why: r.error ? r.error.kind : `HTTP ${r.status}` });
      else if (ph && shortBody) checked.push({ ...ch, works: false, state: 'broken', why: `placeholder: ${ph[0]}` });
      else if (/<(form|textarea)\b/i.test(body)) checked.push({ ...ch, works: true, state: 'works', why: 'form' });
      else if (system(r.finalUrl ?? ch.url)) checked.push({ ...ch, works: true, state: 'works', why: `known message system, HTTP ${r.status}` });
      else checked.push({ ...ch, works: false, state: 'opens', why: `opens, HTTP ${r.status} (no form seen)` });
    }
    const working = checked.filter((c) => c.works);
    const homeCollected = ctx.collected(site.home);
    // A home page whose collector failed was read, with nothing known of it: only its address can put it in doubt.
    const homeDoubt = homeCollected instanceof CollectFailure ? rootDoubt(site.home.finalUrl) : startPageDoubt(homeCollected, site.home.finalUrl, o.minHomeText);
    if (!channels.size) {
      findings.push({
        code: 'no-channel',
        severity: o.noChannelSeverity,
        tier: homeDoubt ? 'suspected' : 'confirmed',
        rule: 'W-V5',
        url: site.home.finalUrl,
        evidence: noneFoundEvidence(`a link named like ${o.channelWords.slice(0, 6).join('/')}`, site.pages.length, homeDoubt),
      });
    } else if (!working.length && checked.length) {
      // From a start page that is not the home page the crawl saw little of the site: never confirmed.
      const definitive = !homeDoubt && unprobed === 0 && checked.every((c) => c.state === 'broken');
      const doubts = checked.filter((c) => c.state !== 'broken');
      const listed = listEntrances(checked);
      findings.push({
        code: definitive ? 'channel-broken' : 'channel-unverified',
        params: { channels: listed.message },
        severity: o.noChannelSeverity,
        tier: definitive ? 'confirmed' : 'suspected',
        rule: 'W-V5',
        url: site.home.finalUrl,
        target: checked[0].url,
        evidence: {
          expected: 'at least one consultation channel that works (a form, a message list or a known message system that answers)',
          actual: listed.actual,
          channels: checked,
          ...(definitive ? {} : { reason: homeDoubt && !doubts.length ? homeDoubt : couldNotKnow(doubts, unprobed, 'channel', homeDoubt) }),
        },
      });
    }

    // Messages of the past year.
    const from = addDays(asOf, -o.windowDays);
    const seen = new Set<string>();
    let total = 0;
    let answered = 0;
    let unanswered = 0;
    let late = 0;
    let warned = 0;
    let unknown = 0;
    for (const p of site.pages) {
      const c = unlessFailed(ctx.collected(p)); // a page whose collector failed shows no messages
      if (!c?.messages?.length) continue;
      for (const m of c.messages) {
        const key = `${m.title ?? m.href ?? m.selector}|${m.askedOn}`;
        if (seen.has(key)) {
          continue;
        }
        seen.add(key);
        if (!m.askedOn || m.askedOn < from || m.askedOn > asOf) continue;
        total++;
        const title = m.title ?? m.selector;
        const evidence = {
          location: m.selector,
          snippet: m.title,
          askedOn: m.askedOn,
          repliedOn: m.repliedOn ?? null,
          status: m.status,
          statusText: m.statusText,
          messageUrl: m.href,
          shape: m.shape,
          ...(m.certain === false ? { reason: m.uncertain ?? 'date or status not read unambiguously' } : {}),
        };
        /** Where a finding about this message points (its page and address) and its evidence, with what was seen. */
        const aboutMessage = (actual: string) => ({ rule: 'W-V5', url: p.finalUrl, target: m.href, evidence: { ...evidence, expected: `a reply within ${o.maxReplyDays} days`, actual } });
        if (m.repliedOn) {
          const days = daysBetween(m.askedOn, m.repliedOn);
          if (days > o.maxReplyDays) {
            late++;
            if (findings.length < o.maxFindings)
              findings.push({
                code: 'late',
                params: { title, asked: m.askedOn, replied: m.repliedOn, days, limit: o.maxReplyDays },
                severity: o.lateAnswerIsVeto ? 'veto' : 'warning',
                tier: m.certain ? 'confirmed' : 'suspected',
                ...aboutMessage(`${days} days`),
              });
          } else answered++;
          continue;
        }
        if (m.status === 'answered') {
          answered++;
          continue;
        }
        if (m.status === 'unknown') {
          unknown++;
          continue;
        }
        // Unanswered: past the reply limit a veto (suspected when not read unambiguously), nearing it a warning.
        const days = daysBetween(m.askedOn, asOf);
        const overdue = days > o.maxReplyDays;
        if (!overdue && days < o.warnDays) continue;
        if (overdue) unanswered++;
        else warned++;
        if (findings.length < o.maxFindings)
          findings.push({
            code: overdue ? 'unanswered' : 'unanswered-warning',
            params: { title, asked: m.askedOn, days, limit: o.maxReplyDays },
            severity: overdue ? 'veto' : 'warning',
            tier: overdue && !m.certain ? 'suspected' : 'confirmed',
            ...aboutMessage(`no reply after ${days} days (as of ${asOf})`),
          });
      }
    }
    return {
      findings,
      summary: { channels: checked.length, workingChannels: working.length, channelList: checked.slice(0, 20), messages: total, answered, late, unanswered, nearingLine: warned, statusUnknown: unknown },
    };
  },
});
