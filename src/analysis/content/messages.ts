/**
 * Published consultation messages (留言/咨询/来信) with their question and reply dates, for W-V5, wherever they are
 * (home-page blocks, 信箱 lists, 留言选登 pages). Notes: docs/modules.md.
 */
import type { AnyNode, Document, Element, Text } from 'domhandler';
import { extractDates } from './dates.js';
import { describe } from './page-analysis.js';
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
  shape: 'table' | 'grid' | 'labels' | 'status-list';
  /** Date and status (or reply date) read unambiguously (see the module comment). */
  certain: boolean;
  /** Why the reading is uncertain, when it is. */
  uncertain?: string;
}

export const ASK_LABELS = ['添加时间', '留言时间', '留言日期', '提问时间', '提问日期', '来信时间', '来信日期', '写信时间', '写信日期', '咨询时间', '咨询日期', '提交时间', '提交日期', '诉求时间', '发信时间', '投诉时间', '留言于', '提问于'];
export const REPLY_LABELS = ['回复时间', '回复日期', '答复时间', '答复日期', '办结时间', '办结日期', '反馈时间', '反馈日期', '处理时间', '回复于', '答复于'];
export const ANSWERED = ['已回复', '已答复', '已办结', '已处理', '已反馈', '已解答', '已回应', '办结', '已完结', '已回访'];
/**
 * Not answered yet. 12345 hotlines show the work order's stage (已转办/已交办/已签收: forwarded or signed for, not
 * answered). 受理时间 is deliberately not an asking label: 办件公示 tables (受理时间 / 办理中) are no messages.
 */
export const UNANSWERED = ['未回复', '待回复', '未答复', '待答复', '处理中', '办理中', '待处理', '未办结', '已受理', '受理中', '待办理', '未处理', '未反馈', '已转办', '转办中', '已交办', '交办中', '已签收', '待签收', '待受理', '未受理'];
/** Status icons named by file (yhf.gif = 已回复, whf.png = 未回复…): a weaker reading than a word (suspected). */
const ICON_ANSWERED = /^(yhf|yihuifu|ydf|yidafu|ybj|yibanjie|replied|answered)(?:[-_]?\d*)$/;
const ICON_UNANSWERED = /^(whf|weihuifu|wdf|weidafu|blz|banlizhong|clz|chulizhong|wbj|weibanjie|unreplied|unanswered|pending)(?:[-_]?\d*)$/;

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

/**
 * Status shown by an element whose whole text is a status word (a status span or cell), or by a status icon
 * whose alt/title is one (`<img src="yhf.gif" alt="已回复">`), if any. An icon known only by its file name
 * (yhf.gif, whf.png) is returned with `weak`: read, but not unambiguously.
 */
function exactStatus(root: Element): { status: Message['status']; statusText: string; weak?: string } | undefined {
  const r = re();
  let seen = 0;
  let byFile: { status: Message['status']; statusText: string; weak?: string } | undefined;
  for (const e of [root, ...elements(root)]) {
    // Leaf elements only (a status span or cell holds text alone), and boundedly many: a block may be large.
    if (kids(e).some((c) => c.type === 'tag')) continue;
    if (++seen > 400) break;
    if (e.name === 'img') {
      const icon = iconStatus(e);
      if (icon && !icon.weak) return icon;
      byFile ??= icon;
      continue;
    }
    // A status word alone, in brackets, or after a status label (办理状态：办理中).
    const t = clean(lineText(e))
      .replace(/^(?:办理|處理|处理|回复|回覆|答复|答覆|辦理)?(?:状态|狀態|情况|情況)\s*[:：]\s*/, '')
      .replace(/^[[【(（]|[\]】)）]$/g, '');
    if (!t || t.length > 6) continue;
    const u = r.unanswered.exec(t);
    if (u && u[0] === t) return { status: 'unanswered', statusText: t };
    const a = r.answered.exec(t);
    if (a && a[0] === t) return { status: 'answered', statusText: t };
  }
  return byFile;
}

/** The status a status icon shows: by its alt/title (a status word), else by its file name (`weak`). */
export function iconStatus(img: Element): { status: Message['status']; statusText: string; weak?: string } | undefined {
  const r = re();
  const label = clean(img.attribs.alt || img.attribs.title || '').replace(/^[[【(（]|[\]】)）]$/g, '');
  if (label) {
    const u = r.unanswered.exec(label);
    if (u && u[0] === label) return { status: 'unanswered', statusText: label };
    const a = r.answered.exec(label);
    if (a && a[0] === label) return { status: 'answered', statusText: label };
    return undefined;
  }
  const file =
    (img.attribs.src ?? '')
      .split(/[?#]/)[0]
      .split('/')
      .pop()
      ?.toLowerCase()
      .replace(/\.[a-z0-9]+$/, '') ?? '';
  const weak = `status read from the icon file name ${file}`;
  if (ICON_UNANSWERED.test(file)) return { status: 'unanswered', statusText: file, weak };
  if (ICON_ANSWERED.test(file)) return { status: 'answered', statusText: file, weak };
  return undefined;
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
  const cells = (tr: Element) => kids(tr).filter((c): c is Element => c.type === 'tag' && (c.name === 'td' || c.name === 'th'));
  for (const t of elements(doc)) {
    if (t.name !== 'table' || inBoilerplate(t, 'footer')) continue;
    const rows = [...elements(t)].filter((x) => x.name === 'tr' && nearestTable(x) === t);
    if (rows.length < 2) continue;
    const head = cells(rows[0]).map((c) => lineText(c));
    // a table row may leave trailing cells out; it needs the asking-date cell
    out.push(...labelledRows(t, rows, cells, head, (cs, ask) => cs.length > ask, 'table', base, asOf, used, max));
  }
  return out;
}

/**
 * Rows under a header row that names the columns (留言时间 / 回复时间 / 状态 / 标题): one message per row with an
 * asking date; the status from a status cell, else a reply date, else (a reply column left empty) unanswered but
 * not certain. Shared by tables and grids drawn without <table>.
 */
function labelledRows(
  container: Element,
  rows: Element[],
  cellsOf: (row: Element) => Element[],
  head: string[],
  usable: (cells: Element[], ask: number) => boolean,
  shape: 'table' | 'grid',
  base: string,
  asOf: string,
  used: Set<Element>,
  max: number,
): Message[] {
  const r = re();
  const col = (test: RegExp) => head.findIndex((h) => h.length <= 12 && test.test(h));
  const ask = col(r.ask);
  if (ask < 0) return [];
  const reply = col(r.reply);
  const status = col(r.status);
  const title = col(r.title);
  const out: Message[] = [];
  for (const row of rows.slice(1, max + 1)) {
    const cs = cellsOf(row);
    if (!usable(cs, ask)) continue;
    const askedOn = extractDates(normalizeWidth(lineText(cs[ask])), { asOf, keepTraps: true })[0]?.date;
    if (!askedOn) continue;
    const repliedOn = reply >= 0 && cs[reply] ? extractDates(normalizeWidth(lineText(cs[reply])), { asOf, keepTraps: true })[0]?.date : undefined;
    const st = status >= 0 && cs[status] ? statusOf(lineText(cs[status])) : { status: 'unknown' as const };
    const a = [...elements(row)].find((x) => x.name === 'a' && lineText(x).length >= 2);
    out.push({
      title: clean(title >= 0 && cs[title] ? lineText(cs[title]) : a ? lineText(a) : '').slice(0, 80) || undefined,
      href: a ? resolve(a.attribs.href, base) : undefined,
      askedOn,
      repliedOn,
      status: repliedOn ? 'answered' : st.status === 'unknown' && reply >= 0 ? 'unanswered' : st.status,
      statusText: st.statusText,
      selector: describe(row),
      shape,
      certain: Boolean(repliedOn) || st.status !== 'unknown',
      uncertain: repliedOn || st.status !== 'unknown' ? undefined : 'no status column: an empty reply cell read as unanswered',
    });
    used.add(container);
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
        if (c.type === 'text') n += countAsk((c as Text).data);
        else if (c.type === 'tag' && !/^(script|style|textarea)$/.test((c as Element).name)) n += labelsIn(c as Element);
        if (n > 1) break;
      }
      counts.set(e, n);
    }
    return n;
  };
  const walk = (n: AnyNode) => {
    if (n.type === 'text') {
      const data = (n as Text).data;
      if (!r.ask.test(data)) return;
      let block = el(n.parent);
      if (!block || inBoilerplate(block, 'footer')) return;
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
  for (const b of blocks) skip.add(b); // read here: the status-list reading leaves them alone
  for (const b of blocks) {
    const text = normalizeWidth(lineText(b));
    const asked = dateAfter(text, r.ask, asOf);
    if (!asked.date) continue;
    const replied = dateAfter(text, r.reply, asOf);
    const exact = exactStatus(b);
    const st = exact ?? statusOf(text);
    const a = [...elements(b)].find((x) => x.name === 'a' && lineText(x).length >= 4);
    const titleMatch = /(?:标题|主题|標題|主題)\s*[:：]\s*([^\n]{2,60}?)(?=\s*[\u4e00-\u9fff]{2,6}\s*[:：]|$)/.exec(text);
    // No 标题 label and no link: the question itself, when it stands alone before the date label (a title row
    // above a 留言时间 row), so two questions of one day stay two messages.
    let before = clean(text.slice(0, r.ask.exec(text)?.index ?? 0));
    if (exact && before.endsWith(exact.statusText)) before = clean(before.slice(0, -exact.statusText.length)); // a status cell beside it
    const question = before.length >= 4 && before.length <= 120 && !/[:：]/.test(before) ? before : '';
    out.push({
      title: clean(titleMatch?.[1] ?? (a ? lineText(a) : question)).slice(0, 80) || undefined,
      href: a ? resolve(a.attribs.href, base) : undefined,
      askedOn: asked.date,
      repliedOn: replied.date,
      status: replied.date ? 'answered' : st.status !== 'unknown' ? st.status : replied.found ? 'unanswered' : 'unknown',
      statusText: st.statusText,
      selector: describe(b),
      shape: 'labels',
      certain: Boolean(replied.date) || Boolean(exact && !exact.weak),
      uncertain: replied.date || (exact && !exact.weak) ? undefined : (exact?.weak ?? 'status read from words in the text, not from a status field'),
    });
  }
  return out;
}

/** Words that make an item, or the block it is in, a consultation (outside a consultation page). */
const CONSULT_WORDS = /(咨询|諮詢|留言|来信|來信|信件|信箱|诉求|訴求|投诉|投訴|求助|问政|問政|政民互动|政民互動|互动交流|互動交流|民意)/;
const CONSULT_TOKENS = /(hdjl|zmhd|hudong|consult|zxzx|liuyan|xinxiang|mailbox|letter|message|guestbook|wenzheng)/i;

/** True when one of the few ancestors of an item is a consultation block (by class/id, or by its heading). */
function inConsultBlock(e: Element): boolean {
  let n = el(e.parent);
  for (let depth = 0; n && depth < 4; depth++, n = el(n.parent)) {
    if (n.name === 'body') return false;
    if (CONSULT_TOKENS.test(`${n.attribs.class ?? ''} ${n.attribs.id ?? ''}`)) return true;
    for (const c of kids(n)) {
      const ce = el(c);
      if (!ce || ce === e || !/^(h[1-6]|div|span|p|strong|b|dt)$/.test(ce.name)) continue;
      const t = clean(lineText(ce));
      if (t.length >= 2 && t.length <= 12 && CONSULT_WORDS.test(t) && !ce.children.some((x) => el(x)?.name === 'li')) return true;
    }
  }
  return false;
}

function statusListMessages(doc: Document, base: string, asOf: string, anywhere: boolean, skip: Set<Element>): Message[] {
  const out: Message[] = [];
  for (const e of elements(doc)) {
    if ((e.name !== 'li' && e.name !== 'tr' && e.name !== 'dd') || inBoilerplate(e)) continue;
    const text = normalizeWidth(lineText(e));
    if (text.length > 300) continue;
    const exact = exactStatus(e);
    const st = exact ?? statusOf(text);
    if (st.status === 'unknown') continue;
    const dates = extractDates(text, { asOf, keepTraps: true });
    if (!dates.length) continue;
    if (anywhere && !CONSULT_WORDS.test(text) && !inConsultBlock(e)) continue;
    let covered = false;
    for (let x: Element | undefined = e; x; x = el(x.parent)) if (skip.has(x)) covered = true;
    if (covered) continue;
    const a = [...elements(e)].find((x) => x.name === 'a' && lineText(x).length >= 2);
    const oneDate = dates.length === 1;
    out.push({
      title: a ? clean(lineText(a)).slice(0, 80) : undefined,
      href: a ? resolve(a.attribs.href, base) : undefined,
      askedOn: dates[0].date,
      repliedOn: dates.length > 1 && st.status === 'answered' ? dates[1].date : undefined,
      status: st.status,
      statusText: st.statusText,
      selector: describe(e),
      shape: 'status-list',
      // An unlabelled date is the question's own date only when it is the item's one date.
      certain: Boolean(exact && !exact.weak) && oneDate && !dates[0].yearInferred,
      uncertain: !exact ? 'status read from words in the text, not from a status element' : exact.weak ? exact.weak : !oneDate ? 'several unlabelled dates in the item' : dates[0].yearInferred ? 'date without a year' : undefined,
    });
  }
  return out;
}

/**
 * Grids drawn without <table>: a container whose first row (an element with several element children) names the
 * columns (留言时间 / 回复时间 / 状态) and whose further rows have as many cells.
 */
function gridMessages(doc: Document, base: string, asOf: string, used: Set<Element>, max: number): Message[] {
  const out: Message[] = [];
  const cellsOf = (row: Element) => kids(row).filter((c): c is Element => c.type === 'tag' && !/^(script|style|br)$/.test((c as Element).name));
  for (const c of elements(doc)) {
    if (/^(table|tbody|thead|tr|td|th|script|style|head)$/.test(c.name) || inBoilerplate(c, 'footer')) continue;
    const rows = kids(c).filter((x): x is Element => x.type === 'tag' && !/^(script|style|br)$/.test((x as Element).name));
    if (rows.length < 2) continue;
    // A header row is small (a few label cells): anything larger is not read (bounded work on deep pages).
    const headCells = cellsOf(rows[0]);
    if (headCells.length < 2 || headCells.length > 12 || elements(rows[0]).length > 40) continue;
    const head = headCells.map((x) => clean(lineText(x)));
    out.push(...labelledRows(c, rows, cellsOf, head, (cs) => cs.length === head.length, 'grid', base, asOf, used, max));
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
  const grids = gridMessages(doc, base, asOf, tableEls, max);
  const labelled = labelledMessages(doc, base, asOf, tableEls, max);
  let all = [...tables, ...grids, ...labelled];
  // Lists with a status next to a date: on a consultation page, or anywhere for consultation items and blocks.
  const labelledEls = new Set<Element>(tableEls);
  if (!all.length || !messagePage) all = [...all, ...statusListMessages(doc, base, asOf, !messagePage, labelledEls)];
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
