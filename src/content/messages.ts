/**
 * Published consultation messages (留言/咨询/来信) with their question and reply dates, for W-V5.
 * Reads three shapes: tables whose header names the columns (留言时间, 回复时间, 状态), labelled blocks
 * (列表 or detail page: "留言时间：… 回复时间：…"), and message lists whose items show a status word
 * (已回复 / 未回复 / 办理中) next to a date. Simplified and Traditional labels.
 */
import type { AnyNode, Document, Element } from 'domhandler';
import { extractDates } from './dates.js';
import { describe } from './page.js';
import { boilerplateOf, clean, inBoilerplate, keywordRegExp, lineText, normalizeWidth } from './text.js';

export interface Message {
  title?: string;
  href?: string;
  /** When the question was asked (YYYY-MM-DD). */
  askedOn?: string;
  /** When it was answered. */
  repliedOn?: string;
  status: 'answered' | 'unanswered' | 'unknown';
  statusText?: string;
  selector: string;
  shape: 'table' | 'labels' | 'status-list';
}

export const ASK_LABELS = ['留言时间', '留言日期', '提问时间', '提问日期', '来信时间', '来信日期', '写信时间', '写信日期', '咨询时间', '咨询日期', '提交时间', '提交日期', '诉求时间', '发信时间', '投诉时间', '留言于', '提问于'];
export const REPLY_LABELS = ['回复时间', '回复日期', '答复时间', '答复日期', '办结时间', '办结日期', '反馈时间', '反馈日期', '处理时间', '回复于', '答复于'];
export const ANSWERED = ['已回复', '已答复', '已办结', '已处理', '已反馈', '已解答', '已回应', '办结'];
export const UNANSWERED = ['未回复', '待回复', '未答复', '待答复', '处理中', '办理中', '待处理', '未办结', '已受理', '受理中', '待办理', '未处理', '未反馈'];

let res: { ask: RegExp; askG: RegExp; reply: RegExp; answered: RegExp; unanswered: RegExp; title: RegExp; status: RegExp } | undefined;
function re() {
  res ??= {
    ask: keywordRegExp(ASK_LABELS),
    askG: keywordRegExp(ASK_LABELS, 'g'),
    reply: keywordRegExp(REPLY_LABELS),
    answered: keywordRegExp(ANSWERED),
    unanswered: keywordRegExp(UNANSWERED),
    title: keywordRegExp(['标题', '主题', '信件标题', '留言标题', '咨询标题', '事项', '来信标题']),
    status: keywordRegExp(['状态', '办理状态', '处理状态', '回复状态', '办理情况', '处理情况', '回复情况']),
  };
  return res;
}

function el(n: AnyNode | null | undefined): Element | undefined {
  return n && n.type === 'tag' ? (n as Element) : undefined;
}
function kids(n: AnyNode): AnyNode[] {
  return 'children' in n ? ((n as Element).children as AnyNode[]) : [];
}
/** Elements under root in document order (iterative). */
function elements(root: AnyNode): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [...kids(root)].reverse();
  while (stack.length) {
    const c = stack.pop()!;
    if (c.type !== 'tag') continue;
    out.push(c as Element);
    const ch = kids(c);
    for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]);
  }
  return out;
}

function statusOf(text: string): { status: Message['status']; statusText?: string } {
  const r = re();
  const u = r.unanswered.exec(text);
  if (u) return { status: 'unanswered', statusText: u[0] };
  const a = r.answered.exec(text);
  if (a) return { status: 'answered', statusText: a[0] };
  return { status: 'unknown' };
}

/** The date that follows a label in a text (within a few characters). */
function dateAfter(text: string, label: RegExp, asOf: string): { found: boolean; date?: string } {
  const m = label.exec(text);
  if (!m) return { found: false };
  const after = text.slice(m.index + m[0].length, m.index + m[0].length + 40);
  const d = extractDates(after, { asOf, keepTraps: true })[0];
  if (!d || d.index > 8) return { found: true };
  return { found: true, date: d.date };
}

function resolve(href: string | undefined, base: string): string | undefined {
  if (!href || /^(javascript|mailto|#)/i.test(href.trim())) return undefined;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return undefined;
  }
}

function tableMessages(doc: Document, base: string, asOf: string, used: Set<Element>, max: number): Message[] {
  const out: Message[] = [];
  const r = re();
  for (const t of elements(doc)) {
    if (t.name !== 'table' || inBoilerplate(t)) continue;
    const rows = [...elements(t)].filter((x) => x.name === 'tr' && nearestTable(x) === t);
    if (rows.length < 2) continue;
    const cells = (tr: Element) => kids(tr).filter((c): c is Element => c.type === 'tag' && (c.name === 'td' || c.name === 'th'));
    const head = cells(rows[0]).map((c) => lineText(c));
    const col = (test: RegExp) => head.findIndex((h) => h.length <= 12 && test.test(h));
    const ask = col(r.ask);
    if (ask < 0) continue;
    const reply = col(r.reply);
    const status = col(r.status);
    const title = col(r.title);
    for (const tr of rows.slice(1, max + 1)) {
      const cs = cells(tr);
      if (cs.length <= ask) continue;
      const askedOn = extractDates(normalizeWidth(lineText(cs[ask])), { asOf, keepTraps: true })[0]?.date;
      if (!askedOn) continue;
      const repliedOn = reply >= 0 && cs[reply] ? extractDates(normalizeWidth(lineText(cs[reply])), { asOf, keepTraps: true })[0]?.date : undefined;
      const st = status >= 0 && cs[status] ? statusOf(lineText(cs[status])) : { status: 'unknown' as const };
      const a = [...elements(tr)].find((x) => x.name === 'a' && lineText(x).length >= 2);
      const m: Message = {
        title: clean(title >= 0 && cs[title] ? lineText(cs[title]) : a ? lineText(a) : '').slice(0, 80) || undefined,
        href: a ? resolve(a.attribs.href, base) : undefined,
        askedOn,
        repliedOn,
        status: repliedOn ? 'answered' : st.status === 'unknown' && reply >= 0 ? 'unanswered' : st.status,
        statusText: st.statusText,
        selector: describe(tr),
        shape: 'table',
      };
      out.push(m);
      used.add(t);
    }
  }
  return out;
}

function nearestTable(e: Element): Element | undefined {
  for (let n = el(e.parent); n; n = el(n.parent)) if (n.name === 'table') return n;
  return undefined;
}

function countAsk(text: string): number {
  const g = re().askG;
  g.lastIndex = 0;
  return [...text.matchAll(g)].length;
}

function labelledMessages(doc: Document, base: string, asOf: string, skip: Set<Element>, max: number): Message[] {
  const out: Message[] = [];
  const blocks = new Set<Element>();
  const r = re();
  // Label counts per element, computed once: a list of thousands of messages stays linear.
  const counts = new Map<Element, number>();
  const labelsIn = (e: Element): number => {
    let n = counts.get(e);
    if (n === undefined) {
      n = 0;
      for (const c of kids(e)) {
        if (c.type === 'text') n += countAsk((c as unknown as { data: string }).data);
        else if (c.type === 'tag' && !/^(script|style|textarea)$/.test((c as Element).name)) n += labelsIn(c as Element);
        if (n > 1) break;
      }
      counts.set(e, n);
    }
    return n;
  };
  const walk = (n: AnyNode) => {
    if (n.type === 'text') {
      const data = (n as unknown as { data: string }).data;
      if (!r.ask.test(data)) return;
      let block = el(n.parent);
      if (!block || inBoilerplate(block)) return;
      for (let x: Element | undefined = block; x; x = el(x.parent)) if (x.name === 'th' || skip.has(x)) return;
      while (block) {
        const parent = el(block.parent);
        if (!parent || parent.name === 'body' || parent.name === 'html' || boilerplateOf(parent) || labelsIn(parent) !== 1) break;
        block = parent;
      }
      if (block && blocks.size < max) blocks.add(block);
      return;
    }
    if (n.type === 'tag' && /^(script|style|head|textarea)$/.test((n as Element).name)) return;
    for (const c of kids(n)) walk(c);
  };
  walk(doc);
  for (const b of blocks) {
    const text = normalizeWidth(lineText(b));
    const asked = dateAfter(text, r.ask, asOf);
    if (!asked.date) continue;
    const replied = dateAfter(text, r.reply, asOf);
    const st = statusOf(text);
    const a = [...elements(b)].find((x) => x.name === 'a' && lineText(x).length >= 4);
    const titleMatch = /(?:标题|主题|標題|主題)\s*[:：]\s*([^\n]{2,60}?)(?=\s*[\u4e00-\u9fff]{2,6}\s*[:：]|$)/.exec(text);
    out.push({
      title: clean(titleMatch?.[1] ?? (a ? lineText(a) : '')).slice(0, 80) || undefined,
      href: a ? resolve(a.attribs.href, base) : undefined,
      askedOn: asked.date,
      repliedOn: replied.date,
      status: replied.date ? 'answered' : st.status !== 'unknown' ? st.status : replied.found ? 'unanswered' : 'unknown',
      statusText: st.statusText,
      selector: describe(b),
      shape: 'labels',
    });
  }
  return out;
}

function statusListMessages(doc: Document, base: string, asOf: string): Message[] {
  const out: Message[] = [];
  for (const e of elements(doc)) {
    if ((e.name !== 'li' && e.name !== 'tr' && e.name !== 'dd') || inBoilerplate(e)) continue;
    const text = normalizeWidth(lineText(e));
    if (text.length > 300) continue;
    const st = statusOf(text);
    if (st.status === 'unknown') continue;
    const dates = extractDates(text, { asOf, keepTraps: true });
    if (!dates.length) continue;
    const a = [...elements(e)].find((x) => x.name === 'a' && lineText(x).length >= 2);
    out.push({
      title: a ? clean(lineText(a)).slice(0, 80) : undefined,
      href: a ? resolve(a.attribs.href, base) : undefined,
      askedOn: dates[0].date,
      repliedOn: dates.length > 1 && st.status === 'answered' ? dates[1].date : undefined,
      status: st.status,
      statusText: st.statusText,
      selector: describe(e),
      shape: 'status-list',
    });
  }
  return out;
}

/**
 * Messages published on a page. `messagePage` says the page is a consultation column (by its name), which
 * allows reading plain lists that only show a status word and a date.
 */
export function extractMessages(doc: Document, base: string, asOf: string, messagePage: boolean, max = 200): Message[] {
  const tableEls = new Set<Element>();
  const tables = tableMessages(doc, base, asOf, tableEls, max);
  const labelled = labelledMessages(doc, base, asOf, tableEls, max);
  let all = [...tables, ...labelled];
  if (!all.length && messagePage) all = statusListMessages(doc, base, asOf);
  const seen = new Set<string>();
  const out: Message[] = [];
  for (const m of all) {
    const k = `${m.title ?? m.selector}|${m.askedOn}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(m);
    if (out.length >= max) break;
  }
  return out;
}
