/**
 * China time and calendar dates, in one place. Inspection dates are YYYY-MM-DD days in Asia/Shanghai,
 * which is UTC+8 all year (no daylight saving since 1991): a fixed offset, so no time-zone data is needed.
 * Calendar arithmetic (addDays, daysBetween) works on the YYYY-MM-DD strings themselves, zone-free.
 */

/** Offset of China time from UTC in ms (UTC+8). */
export const CHINA_OFFSET_MS = 8 * 3600_000;

/** The day in China (YYYY-MM-DD) of a moment: an ISO time, epoch ms or a Date. */
export function chinaDate(t: string | number | Date): string {
  const ms = typeof t === 'string' ? Date.parse(t) : typeof t === 'number' ? t : t.getTime();
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Today's date in Asia/Shanghai as YYYY-MM-DD (the default inspection date). */
export function todayInShanghai(now = new Date()): string {
  return chinaDate(now);
}

/** Start of a day in Asia/Shanghai as an ISO time (UTC): 2024-06-20 → 2024-06-19T16:00:00.000Z. */
export function shanghaiMidnight(date: string): string {
  return new Date(`${date}T00:00:00+08:00`).toISOString();
}

/** The YYYY-MM-DD date `days` days after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from a to b (b − a), both YYYY-MM-DD. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** China's working-day calendar: weekday public holidays and weekend days made working days (调休), YYYY-MM-DD. */
export interface WorkCalendar {
  holidays: readonly string[];
  workdays: readonly string[];
}

/** True when `date` is a working day: Monday to Friday unless a listed holiday, or a listed 调休 working day. */
export function isWorkingDay(date: string, cal: WorkCalendar): boolean {
  if (cal.workdays.includes(date)) return true;
  if (cal.holidays.includes(date)) return false;
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/**
 * The `n`th working day after `date` (the day itself not counted): a letter dated Friday 2024-06-28 with
 * 15 working days is answered by 2024-07-19. `n` ≥ 1.
 */
export function addWorkingDays(date: string, n: number, cal: WorkCalendar): string {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isWorkingDay(d, cal)) left--;
  }
  return d;
}
