/**
 * interaction — W-V5 互动回应差.
 *
 * Finds the online consultation channels (留言, 咨询, 信箱, 互动交流… but not petition or discipline-report
 * channels such as 信访 and 纪检举报, which do not count) among the links the crawl saw, and checks that at
 * least one opens and is not an empty placeholder (pages beyond the crawl are fetched once through the
 * shared client). Where messages are published with their question and reply dates, a message of the past
 * year left unanswered for more than 3 months fails the site (answered late, or still unanswered); messages
 * nearing the line are warned about. No working channel at all fails the site too.
 */
import type { Element } from 'domhandler';
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/checks/api.js';
import { addDaysIso, daysBetween } from '../src/content/dates.js';
import { extractMessages, type Message } from '../src/content/messages.js';
import { DEFAULT_PLACEHOLDERS } from '../src/content/page.js';
import { inBoilerplate, keywordRegExp, toSimplified } from '../src/content/text.js';

const ID = 'interaction';

export const DEFAULT_CHANNEL_WORDS = ['互动交流', '政民互动', '互动', '留言', '咨询', '信箱', '我要写信', '写信', '问政', '在线访谈', '访谈', '民意征集', '意见征集', '征集调查', '网上调查', '在线问答', '公众参与', '12345'];
export const DEFAULT_EXCLUDED_WORDS = ['信访', '纪检', '纪委', '监察', '举报', '检举', '控告', '12388'];

interface Collected {
  messages: Message[];
  form: boolean;
  channelPage: boolean;
  placeholder?: string;
  textLength: number;
}

export default defineCheck({
  meta: {
    id: ID,
    title: { zh: '互动回应', en: 'Interaction and replies' },
    description: {
      zh: '须有可用的在线咨询渠道（信访、纪检举报渠道不计）；近一年内的留言超过 3 个月未回复为单项否决，接近期限的预警。',
      en: 'There must be a working online consultation channel (petition and discipline-report channels do not count); a message of the past year unanswered for more than 3 months is a veto, messages nearing the line are warned about.',
    },
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
      /** Channel pages beyond the crawl fetched through the shared client. */
      maxProbes: z.number().int().nonnegative().default(10),
      maxFindings: z.number().int().positive().default(50),
    }),
    messages: {
      'no-channel': { zh: '未发现在线咨询渠道（留言、咨询、信箱等；信访、举报渠道不计）', en: 'No online consultation channel found (messages, enquiries, mailbox; petition and report channels do not count)' },
      'channel-broken': { zh: '在线咨询渠道均无法使用：{channels}', en: 'No consultation channel works: {channels}' },
      unanswered: { zh: '留言“{title}”于 {asked} 提交，已 {days} 天未回复（超过 {limit} 天）', en: 'Message "{title}" asked on {asked} has waited {days} days without a reply (over {limit})' },
      late: { zh: '留言“{title}”于 {asked} 提交，{replied} 才回复，相隔 {days} 天（超过 {limit} 天）', en: 'Message "{title}" asked on {asked} was answered on {replied}, {days} days later (over {limit})' },
      'unanswered-warning': { zh: '留言“{title}”于 {asked} 提交，已 {days} 天未回复，接近 {limit} 天期限', en: 'Message "{title}" asked on {asked} has waited {days} days, nearing the {limit}-day line' },
    },
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
    const names = [page.meta.columnname ?? '', page.title.split(/[_|｜\-—–]/)[0] ?? '', ...headings
        .filter((h) => !inBoilerplate(h))
        .slice(0, 2)
        .map((h) => $(h).text())].map((n) => toSimplified(n.trim())).filter((n) => n && n.length <= 12);
    const channel = keywordRegExp(options.channelWords);
    const excluded = keywordRegExp(options.excludedWords);
    const channelPage = names.some((n) => channel.test(n) && !excluded.test(n));
    const replyWords = /(回复|回覆|答复|答覆|办结|辦結|状态|狀態|处理|處理|办理|辦理|受理)/.test(text);
    const hasMessageWords = replyWords && (channelPage || /(留言|来信|來信|咨询|諮詢|提问|提問|信件|诉求|訴求)/.test(text));
    const messages = hasMessageWords ? extractMessages(dom, page.finalUrl, asOf, channelPage) : [];
    const form = textarea || forms.some((f) => $(f).find('input[type=text], input:not([type])').length >= 2);
    const ph = keywordRegExp(options.placeholders).exec(text);
    const out: Collected = { messages, form, channelPage, textLength: text.length };
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
    const byUrl = new Map(site.pages.flatMap((p) => [[p.url, p], [p.finalUrl, p]] as const));

    // Channels: links whose text names one, and pages that are one.
    const channels = new Map<string, { url: string; text: string; foundOn: string }>();
    for (const p of site.pages) {
      for (const l of p.links) {
        if (!l.url || l.element !== 'a' || l.attachment) continue;
        const t = toSimplified(l.text);
        if (t.length > 12 || !channelRe.test(t) || excludedRe.test(t)) continue;
        if (!channels.has(l.url)) channels.set(l.url, { url: l.url, text: l.text, foundOn: p.finalUrl });
      }
      const c = p.collected[ID] as Collected | undefined;
      if (c?.channelPage && !channels.has(p.url)) channels.set(p.url, { url: p.url, text: p.title, foundOn: p.referrer ?? p.url });
    }
    const checked: Array<{ url: string; text: string; works: boolean; why: string; form?: boolean; messages?: number }> = [];
    let probes = 0;
    for (const ch of channels.values()) {
      const p = byUrl.get(ch.url);
      if (p) {
        const c = p.collected[ID] as Collected | undefined;
        if (p.error || (p.status !== null && p.status >= 400)) checked.push({ ...ch, works: false, why: p.error ? `${p.error.kind} ${p.error.status ?? ''}`.trim() : `HTTP ${p.status}` });
        else if (c?.placeholder && !c.form && !c.messages.length) checked.push({ ...ch, works: false, why: `placeholder: ${c.placeholder}` });
        else checked.push({ ...ch, works: true, why: c?.form ? 'form' : c?.messages.length ? 'messages' : 'opens', form: c?.form, messages: c?.messages.length });
        continue;
      }
      if (probes >= o.maxProbes) continue;
      probes++;
      const r = await ctx.http.probe(ch.url, { method: 'GET', wantBody: true });
      const ok = r.status !== null && r.status < 400 && !r.error;
      const ph = ok && r.bodySnippet ? keywordRegExp(o.placeholders).exec(r.bodySnippet.replace(/<[^>]+>/g, ' ')) : null;
      const shortBody = (r.bodySnippet ?? '').replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<[^>]+>/g, '').replace(/\s+/g, '').length < 400;
      checked.push({ ...ch, works: ok && !(ph && shortBody), why: ok ? (ph && shortBody ? `placeholder: ${ph[0]}` : `HTTP ${r.status}`) : r.error ? r.error.kind : `HTTP ${r.status}` });
    }
    const working = checked.filter((c) => c.works);
    if (!channels.size) {
      findings.push({ code: 'no-channel', severity: o.noChannelSeverity, rule: 'W-V5', url: site.home.finalUrl, evidence: { expected: `a link named like ${o.channelWords.slice(0, 6).join('/')}`, actual: 'none found on the crawled pages', pagesSeen: site.pages.length } });
    } else if (!working.length && checked.length) {
      findings.push({
        code: 'channel-broken',
        params: { channels: checked.map((c) => `${c.text}（${c.why}）`).join('；') },
        severity: o.noChannelSeverity,
        rule: 'W-V5',
        url: site.home.finalUrl,
        target: checked[0].url,
        evidence: { expected: 'at least one consultation channel that opens', actual: checked.map((c) => `${c.url}: ${c.why}`).join('; '), channels: checked },
      });
    }

    // Messages of the past year.
    const from = addDaysIso(asOf, -o.windowDays);
    const seen = new Set<string>();
    let total = 0;
    let answered = 0;
    let unanswered = 0;
    let late = 0;
    let warned = 0;
    let unknown = 0;
    for (const p of site.pages) {
      const c = p.collected[ID] as Collected | undefined;
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
        const evidence = { location: m.selector, snippet: m.title, askedOn: m.askedOn, repliedOn: m.repliedOn ?? null, status: m.status, statusText: m.statusText, messageUrl: m.href, shape: m.shape };
        if (m.repliedOn) {
          const days = daysBetween(m.askedOn, m.repliedOn);
          if (days > o.maxReplyDays) {
            late++;
            if (findings.length < o.maxFindings)
              findings.push({ code: 'late', params: { title, asked: m.askedOn, replied: m.repliedOn, days, limit: o.maxReplyDays }, severity: o.lateAnswerIsVeto ? 'veto' : 'warning', rule: 'W-V5', url: p.finalUrl, target: m.href, evidence: { ...evidence, expected: `a reply within ${o.maxReplyDays} days`, actual: `${days} days` } });
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
        const days = daysBetween(m.askedOn, asOf);
        if (days > o.maxReplyDays) {
          unanswered++;
          if (findings.length < o.maxFindings)
            findings.push({ code: 'unanswered', params: { title, asked: m.askedOn, days, limit: o.maxReplyDays }, severity: 'veto', rule: 'W-V5', url: p.finalUrl, target: m.href, evidence: { ...evidence, expected: `a reply within ${o.maxReplyDays} days`, actual: `no reply after ${days} days (as of ${asOf})` } });
        } else if (days >= o.warnDays) {
          warned++;
          if (findings.length < o.maxFindings)
            findings.push({ code: 'unanswered-warning', params: { title, asked: m.askedOn, days, limit: o.maxReplyDays }, severity: 'warning', rule: 'W-V5', url: p.finalUrl, target: m.href, evidence: { ...evidence, expected: `a reply within ${o.maxReplyDays} days`, actual: `no reply after ${days} days (as of ${asOf})` } });
        }
      }
    }
    return {
      findings,
      summary: { channels: checked.length, workingChannels: working.length, channelList: checked.slice(0, 20), messages: total, answered, late, unanswered, nearingLine: warned, statusUnknown: unknown },
    };
  },
});
