/**
 * Quarters (2024Q2) and the inspection date of a quarterly run (default: the day the run starts, in Asia/Shanghai;
 * `--as-of` overrides; a resumed run keeps its date). Notes: docs/modules.md.
 */
import { addDays, todayInShanghai } from '../china-time.js';

export interface Quarter {
  /** Canonical form, e.g. 2024Q2. */
  id: string;
  year: number;
  q: 1 | 2 | 3 | 4;
  /** First and last day (YYYY-MM-DD). */
  start: string;
  end: string;
}

const CN_NUM = ['一', '二', '三', '四'];

export class QuarterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuarterError';
  }
}

/** Years of quarters govcheck accepts (a typo such as 0000Q1 or 2204Q1 is an error, not a run). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

export function parseQuarter(v: string): Quarter {
  const m = /^\s*(\d{4})\s*[-_ ]?\s*[Qq]([1-4])\s*$/.exec(v) ?? /^\s*(\d{4})年第([一二三四1-4])季度\s*$/.exec(v);
  if (!m) throw new QuarterError(`not a quarter: ${v} (expected e.g. 2024Q2)`);
  const year = Number(m[1]);
  if (year < MIN_YEAR || year > MAX_YEAR) throw new QuarterError(`not a quarter govcheck can inspect: ${v.trim()} (years ${MIN_YEAR}–${MAX_YEAR})`);
  const q = (/[一二三四]/.test(m[2]) ? CN_NUM.indexOf(m[2]) + 1 : Number(m[2])) as Quarter['q'];
  const startMonth = (q - 1) * 3 + 1;
  const start = `${year}-${String(startMonth).padStart(2, '0')}-01`;
  const endDate = new Date(Date.UTC(year, startMonth + 2, 0));
  return { id: `${year}Q${q}`, year, q, start, end: endDate.toISOString().slice(0, 10) };
}

export function previousQuarter(q: Quarter): Quarter {
  return q.q === 1 ? parseQuarter(`${q.year - 1}Q4`) : parseQuarter(`${q.year}Q${q.q - 1}`);
}

export function quarterLabel(q: Quarter, lang: 'zh' | 'en'): string {
  return lang === 'zh' ? `${q.year}年第${CN_NUM[q.q - 1]}季度` : `${q.year} Q${q.q}`;
}

/**
 * Refuses an inspection date before the quarter starts: nothing of the quarter could be judged yet, and
 * every item published in it would look like it came from the future. (Late dates are allowed: see the file comment.)
 */
export function assertAsOf(q: Quarter, asOf: string): void {
  if (asOf < q.start) throw new QuarterError(`inspection date ${asOf} is before quarter ${q.id} starts (${q.start}); give an --as-of on or after ${q.start}`);
}

/** The default inspection date of a run of quarter `q` started today, with a warning when it is far from the quarter. */
export function defaultAsOf(q: Quarter, today = todayInShanghai()): { asOf: string; warning?: string } {
  if (today < q.start) {
    throw new QuarterError(`quarter ${q.id} has not started yet (today is ${today}); pass --as-of to inspect as of another date`);
  }
  const late = addDays(q.end, 92);
  if (today > late) {
    return {
      asOf: today,
      warning: `inspecting ${q.id} as of today (${today}), more than a quarter after it ended; pass --as-of to judge as of another date`,
    };
  }
  return { asOf: today };
}
