/**
 * Date extraction for freshness and date-accuracy checks (W-V2, W-V3, W-V4, W-V5). Notes: docs/modules.md.
 */
import { normalizeWidth } from './text.js';

export type DateFormat = 'iso' | 'slash' | 'dot' | 'cjk' | 'cjk-numeral' | 'roc' | 'month-day' | 'cjk-month-day' | 'compact';

export interface FoundDate {
  /** YYYY-MM-DD. */
  date: string;
  /** HH:MM or HH:MM:SS when the text gives a time. */
  time?: string;
  /** The text as written. */
  raw: string;
  /** Offset in the input string. */
  index: number;
  format: DateFormat;
  /** True when the text had no year and it was inferred. */
  yearInferred?: boolean;
}

export interface DateOptions {
  /** Inspection date YYYY-MM-DD: inferred years never put a date after it. */
  asOf: string;
  /**
   * Dates without a year (07-05, [07-05], 7月5日): 'never'; 'standalone' = only when the string is just
   * that date (optionally in brackets), as in a list item's date cell; 'always'.
   */
  partial?: 'never' | 'standalone' | 'always';
  /** Year to try first for dates without a year (e.g. from the list's other dates). */
  yearHint?: number;
  /** Earliest plausible year (older years are not dates: counts, numbers). */
  minYear?: number;
  /** Keep dates right after trap words (copyright, ICP, phone, "today is"); default false. */
  keepTraps?: boolean;
}

const CN_DIGIT: Record<string, number> = { 〇: 0, 零: 0, '○': 0, O: 0, Ο: 0, О: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 七 → 7, 十二 → 12, 二十五 → 25, 三十一 → 31, 一一三 → 113 (digit by digit when there is no 十/百). */
export function chineseNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (!/[十百]/.test(s)) {
    let n = 0;
    for (const c of s) {
      const d = CN_DIGIT[c];
      if (d === undefined) return undefined;
      n = n * 10 + d;
    }
    return s.length ? n : undefined;
  }
  let total = 0;
  let cur = 0;
  for (const c of s) {
    if (c === '百') {
      total += (cur || 1) * 100;
      cur = 0;
    } else if (c === '十') {
      total += (cur || 1) * 10;
      cur = 0;
    } else {
      const d = CN_DIGIT[c];
      if (d === undefined) return undefined;
      cur = d;
    }
  }
  return total + cur;
}

export function isValidDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}

export function ymd(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Year for a date written without one: the hint year when that is not after as-of, else the as-of year,
 * else the year before (a date is never inferred into the future).
 */
export function inferYear(month: number, day: number, asOf: string, hint?: number): number {
  const asOfYear = Number(asOf.slice(0, 4));
  const ok = (y: number) => isValidDate(y, month, day) && ymd(y, month, day) <= asOf;
  if (hint && ok(hint)) return hint;
  for (let y = asOfYear; y > asOfYear - 8; y--) if (ok(y)) return y;
  return asOfYear - 1;
}

/** Words right before a number that make it something other than a publication date. */
const TRAP_BEFORE = /(copyright|\(c\)|©|版权|版權|icp|备案|備案|公网安备|公網安備|电话|電話|传真|傳真|热线|熱線|手机|手機|tel|fax|phone|今天是|今日是|今天|今日|当前日期|當前日期|现在是|現在是|当前时间|當前時間)[\s:：号號为為是]*$/i;

function trapBefore(text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 14), index);
  return TRAP_BEFORE.test(before);
}

const TIME = String.raw`(?:\s*(?:T|\s)\s*([01]?\d|2[0-3])(?::|时|時)([0-5]\d)(?:(?::|分)([0-5]\d))?)?`;
const NUMERIC = new RegExp(String.raw`(?<![\d.\-/])((?:19|20)\d{2})\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{1,2})(?![\d])(?![-/.]\d)` + TIME, 'g');
const CJK = new RegExp(String.raw`(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]` + TIME, 'g');
const CJK_NUM = /([〇零○OΟО一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*[日号號]/g;
const ROC = /民[國国]\s*(\d{2,3}|[〇零○一二三四五六七八九十百]{1,5})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号號]/g;
const MONTH_DAY = new RegExp(String.raw`(?<![\d.\-/年])(\d{2})([-/.])(\d{2})(?![\d])(?![-/.]\d)` + TIME, 'g');
const CJK_MONTH_DAY = new RegExp(String.raw`(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]` + TIME, 'g');

function timeOf(h?: string, m?: string, s?: string): string | undefined {
  if (h === undefined || m === undefined) return undefined;
  return `${h.padStart(2, '0')}:${m}${s ? `:${s}` : ''}`;
}

/** True when the string is only a date without year, perhaps in brackets: "07-05", "[07-05]", "（7月5日）". */
const STANDALONE = /^\s*[[【(（〔]?\s*(?:\d{2}[-/.]\d{2}|\d{1,2}\s*月\s*\d{1,2}\s*[日号號])(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*[\]】)）〕]?\s*$/;

const MAY_HOLD_DATE = /[0-9\uff10-\uff19年]/;
/**
 * Four digits in a row or 年, tested before width normalisation: it maps full-width digits to ASCII one for one
 * and nothing else to a digit, so this is exactly `\d{4}|年` on the normalised text.
 */
const MAY_HOLD_YEAR = /[0-9\uff10-\uff19]{4}|年/;

/** Every date in a piece of text, in order of appearance. */
export function extractDates(input: string, opts: DateOptions): FoundDate[] {
  // Every pattern needs a digit (ASCII or full-width) or 年 (the Chinese-numeral and Minguo forms): most texts
  // of a page (titles, labels) have neither and cost one scan.
  if (!MAY_HOLD_DATE.test(input)) return [];
  // Dates with a year need four digits in a row or 年; without, only the month-day forms can match.
  if ((opts.partial ?? 'never') === 'never' && !MAY_HOLD_YEAR.test(input)) return [];
  return datesIn(input, normalizeWidth(input), opts);
}

/** extractDates on a text already normalised (`text` = normalizeWidth(input)). */
function datesIn(input: string, text: string, opts: DateOptions): FoundDate[] {
  const withYear = MAY_HOLD_YEAR.test(input);
  const minYear = opts.minYear ?? 1980;
  const maxYear = Number(opts.asOf.slice(0, 4)) + 30;
  const out: FoundDate[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (a: number, b: number) => taken.some(([x, y]) => a < y && b > x);
  const push = (f: FoundDate, end: number) => {
    if (overlaps(f.index, end)) return;
    taken.push([f.index, end]);
    if (!opts.keepTraps && trapBefore(text, f.index)) return;
    out.push(f);
  };
  const full = (re: RegExp, format: (m: RegExpExecArray) => DateFormat, parts: (m: RegExpExecArray) => [number | undefined, number | undefined, number | undefined], time?: (m: RegExpExecArray) => string | undefined) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const [y, mo, d] = parts(m);
      if (y === undefined || mo === undefined || d === undefined) continue;
      if (y < minYear || y > maxYear || !isValidDate(y, mo, d)) continue;
      push({ date: ymd(y, mo, d), time: time?.(m), raw: input.slice(m.index, m.index + m[0].length).trim(), index: m.index, format: format(m) }, m.index + m[0].length);
    }
  };
  if (withYear) {
    full(
      NUMERIC,
      (m) => (m[2] === '-' ? 'iso' : m[2] === '/' ? 'slash' : 'dot'),
      (m) => [Number(m[1]), Number(m[3]), Number(m[4])],
      (m) => timeOf(m[5], m[6], m[7]),
    );
    full(
      CJK,
      () => 'cjk',
      (m) => [Number(m[1]), Number(m[2]), Number(m[3])],
      (m) => timeOf(m[4], m[5], m[6]),
    );
    full(
      CJK_NUM,
      () => 'cjk-numeral',
      (m) => [chineseNumber(m[1]), chineseNumber(m[2]), chineseNumber(m[3])],
    );
    full(
      ROC,
      () => 'roc',
      (m) => {
        const r = chineseNumber(m[1]);
        return [r === undefined ? undefined : r + 1911, chineseNumber(m[2]), chineseNumber(m[3])];
      },
    );
  }
  const partial = opts.partial ?? 'never';
  if (partial !== 'never' && (partial === 'always' || STANDALONE.test(text))) {
    const part = (re: RegExp, format: DateFormat, mo: (m: RegExpExecArray) => number, d: (m: RegExpExecArray) => number, time: (m: RegExpExecArray) => string | undefined) => {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const month = mo(m);
        const day = d(m);
        if (!isValidDate(2000, month, day)) continue;
        const y = inferYear(month, day, opts.asOf, opts.yearHint);
        if (!isValidDate(y, month, day)) continue;
        push({ date: ymd(y, month, day), time: time(m), raw: input.slice(m.index, m.index + m[0].length).trim(), index: m.index, format, yearInferred: true }, m.index + m[0].length);
      }
    };
    part(
      MONTH_DAY,
      'month-day',
      (m) => Number(m[1]),
      (m) => Number(m[3]),
      (m) => timeOf(m[4], m[5], m[6]),
    );
    part(
      CJK_MONTH_DAY,
      'cjk-month-day',
      (m) => Number(m[1]),
      (m) => Number(m[2]),
      (m) => timeOf(m[3], m[4], m[5]),
    );
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The first date in a text, or undefined. */
export function firstDate(text: string, opts: DateOptions): FoundDate | undefined {
  return extractDates(text, opts)[0];
}

/** Shanghai calendar date and time of an instant. */
function shanghai(ms: number): { date: string; time: string } {
  const d = new Date(ms + 8 * 3_600_000);
  return { date: d.toISOString().slice(0, 10), time: d.toISOString().slice(11, 16) };
}

/**
 * A date written in a metadata field (meta tag, JSON-LD, CMS field): ISO 8601 with or without time and
 * offset (converted to the Shanghai calendar date), "YYYY-MM-DD HH:MM", compact 20240705, epoch
 * milliseconds, and every text format of extractDates.
 */
export function parseDateValue(value: string, opts: DateOptions): FoundDate | undefined {
  const v = normalizeWidth(value).trim();
  if (!v) return undefined;
  // The same years as dates in text: minYear…as-of + 30, 19xx/20xx (an empty CMS timestamp, 1970-01-01T00:00:00Z, is no date).
  const inRange = (date: string) => {
    const y = Number(date.slice(0, 4));
    return y >= (opts.minYear ?? 1980) && y <= Math.min(Number(opts.asOf.slice(0, 4)) + 30, 2099);
  };
  const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$/i.exec(v);
  if (iso) {
    const ms = Date.parse(`${iso[1]}-${iso[2]}-${iso[3]}T${iso[4]}:${iso[5]}:${iso[6] ?? '00'}${iso[7].toUpperCase() === 'Z' ? 'Z' : iso[7].length === 5 ? `${iso[7].slice(0, 3)}:${iso[7].slice(3)}` : iso[7]}`);
    if (!Number.isNaN(ms)) {
      const s = shanghai(ms);
      return inRange(s.date) ? { date: s.date, time: s.time, raw: value.trim(), index: 0, format: 'iso' } : undefined;
    }
  }
  const compact = /^((?:19|20)\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$/.exec(v);
  if (compact) {
    const [y, m, d] = [Number(compact[1]), Number(compact[2]), Number(compact[3])];
    if (isValidDate(y, m, d) && inRange(ymd(y, m, d))) return { date: ymd(y, m, d), time: timeOf(compact[4], compact[5], compact[6]), raw: value.trim(), index: 0, format: 'compact' };
  }
  if (/^\d{12,13}$/.test(v)) {
    const ms = Number(v.length === 13 ? v : `${v}0`);
    const s = shanghai(ms);
    if (inRange(s.date)) return { date: s.date, time: s.time, raw: value.trim(), index: 0, format: 'iso' };
  }
  return extractDates(v, { ...opts, partial: opts.partial ?? 'standalone', keepTraps: true })[0];
}

export interface UrlDate {
  date: string;
  raw: string;
  /** Which CMS pattern gave it. */
  pattern: 'trs' | 'hanweb' | 'path' | 'compact-path';
}

/**
 * The date a CMS writes into an article URL: TRS WCM `./202407/t20240705_123.html`, Hanweb
 * `/art/2024/7/5/art_12_345.html`, and `/2024/07/05/`, `/2024-07/05/`, `/20240705/` paths.
 */
export function dateFromUrl(url: string, asOf: string): UrlDate | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const maxYear = Number(asOf.slice(0, 4)) + 30;
  const ok = (y: number, m: number, d: number) => y >= 1990 && y <= maxYear && isValidDate(y, m, d);
  let m = /\/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+/.exec(path);
  if (m && ok(+m[1], +m[2], +m[3])) return { date: ymd(+m[1], +m[2], +m[3]), raw: m[0], pattern: 'trs' };
  m = /\/art\/((?:19|20)\d{2})\/(\d{1,2})\/(\d{1,2})\//.exec(path);
  if (m && ok(+m[1], +m[2], +m[3])) return { date: ymd(+m[1], +m[2], +m[3]), raw: m[0], pattern: 'hanweb' };
  m = /\/((?:19|20)\d{2})[-/](\d{1,2})\/(\d{1,2})\//.exec(path);
  if (m && ok(+m[1], +m[2], +m[3])) return { date: ymd(+m[1], +m[2], +m[3]), raw: m[0], pattern: 'path' };
  m = /\/((?:19|20)\d{2})(\d{2})(\d{2})\//.exec(path);
  if (m && ok(+m[1], +m[2], +m[3])) return { date: ymd(+m[1], +m[2], +m[3]), raw: m[0], pattern: 'compact-path' };
  return undefined;
}

/** Labels that introduce a publication date on an article page (Simplified and Traditional). */
export const PUBLISH_LABEL = /(发布|發布|發佈|发表|發表|公布|公佈|更新|信息|資訊|资讯)?(日期|时间|時間)\s*[:：]\s*$|(发布|發布|發佈)(日期|时间|時間)\s*[】\]]?\s*[:：]?\s*$|(发布于|發布於|發佈於|发表于|發表於)\s*$/;
/** Labels that introduce another date (written, effective, expiry): never the publication date. */
export const OTHER_DATE_LABEL = /(成文|印发|印發|生效|施行|实施|實施|有效期|截止|截至|废止|廢止|失效|开始|開始|结束|結束|报名|報名|会议|會議|举办|舉辦|出生|留言|来信|來信|回复|回覆|答复|答覆|办结|辦結)(日期|时间|時間)?\s*[:：至为為]?\s*$/;

/**
 * Labels of the date a document was written, issued or its record generated (成文日期, 发文日期, 印发日期, 生成日期 of
 * 政务公开 metadata tables): a publication date of second rank — a document issued on one day is often put on
 * the site days or weeks later.
 */
export const WRITTEN_LABEL = /(成文|发文|發文|印发|印發|签发|簽發|生成)(日期|时间|時間)\s*[:：]?\s*$/;

/**
 * The publication date shown on an article page, in this order: the first date introduced by a publication
 * label (发布日期：, 发布时间：, 【发布日期】, 發佈時間：…); else the first date introduced by a written-date label
 * (成文日期：, 发文日期：, 印发日期：, 生成日期：); else the first date that no other label introduces (a loose date,
 * `labelled: false`).
 * `label` says which kind of label introduced it.
 */
export function visiblePublishDate(text: string, opts: DateOptions): (FoundDate & { labelled: boolean; label?: 'publish' | 'written' }) | undefined {
  if (!MAY_HOLD_YEAR.test(text)) return undefined; // what extractDates would answer, without building its options
  const norm = normalizeWidth(text);
  const dates = datesIn(text, norm, { ...opts, partial: 'never' });
  let fallback: FoundDate | undefined;
  let written: FoundDate | undefined;
  for (const d of dates) {
    const before = norm.slice(Math.max(0, d.index - 12), d.index);
    if (WRITTEN_LABEL.test(before)) {
      written ??= d;
      continue;
    }
    if (OTHER_DATE_LABEL.test(before)) continue;
    if (PUBLISH_LABEL.test(before)) return { ...d, labelled: true, label: 'publish' };
    fallback ??= d;
  }
  if (written) return { ...written, labelled: true, label: 'written' };
  return fallback ? { ...fallback, labelled: false } : undefined;
}
