/**
 * Reading the publication dates new-media sources write: RFC 822 and ISO 8601 (feeds), Chinese forms (2024年6月20日
 * 10:30, 2024-06-20 10:30, 6月20日), Unix timestamps (JSON), and the relative forms platforms show (刚刚, 5分钟前, 3小时前, 昨天
 * 10:30, 2天前). Notes: docs/modules.md.
 */

import { CHINA_OFFSET_MS } from '../china-time.js';

/** Earliest plausible date of a government new-media post. */
const EARLIEST = Date.UTC(2000, 0, 1);

export interface ParsedDate {
  /** ISO 8601 (UTC) when the date was read and is plausible. */
  iso?: string;
  problem?: 'unparseable' | 'future' | 'implausible';
}

/** Epoch ms of a wall-clock time in China. */
function chinaTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
  // Reject 2024-02-31 and the like (Date.UTC would roll over).
  const back = new Date(t + CHINA_OFFSET_MS);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return undefined;
  return t;
}

/** Wall-clock parts in China of an epoch time. */
function chinaParts(t: number): { y: number; mo: number; d: number } {
  const x = new Date(t + CHINA_OFFSET_MS);
  return { y: x.getUTCFullYear(), mo: x.getUTCMonth() + 1, d: x.getUTCDate() };
}

function toNumber(s: string | undefined): number {
  return s === undefined ? 0 : Number(s);
}

const FULL_WIDTH_DIGITS = /[０-９]/g;

/** Reads one date as written by a source; `now` is when it was fetched (for relative forms and plausibility). */
export function parseSourceDate(raw: unknown, now: number = Date.now()): ParsedDate {
  if (raw === undefined || raw === null) return { problem: 'unparseable' };
  let t: number | undefined;
  if (typeof raw === 'number') {
    t = raw < 1e11 ? raw * 1000 : raw;
  } else if (raw instanceof Date) {
    t = raw.getTime();
  } else {
    t = parseText(String(raw), now);
  }
  if (t === undefined || !Number.isFinite(t)) return { problem: 'unparseable' };
  if (t < EARLIEST) return { problem: 'implausible' };
  if (t > now + 86_400_000) return { problem: 'future' };
  return { iso: new Date(t).toISOString() };
}

function parseText(input: string, now: number): number | undefined {
  const s = input
    .replace(FULL_WIDTH_DIGITS, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\u3000\s]+/g, ' ')
    .replace(/：/g, ':')
    .trim();
  if (!s) return undefined;
  let m: RegExpExecArray | null;

  // Unix timestamps (seconds or milliseconds).
  if ((m = /^(\d{10}|\d{13})$/.exec(s))) return m[1].length === 10 ? Number(m[1]) * 1000 : Number(m[1]);

  // Relative forms.
  if (/^(刚刚|刚才|just now)$/i.test(s)) return now;
  if ((m = /^(\d+)\s*(秒|分钟|分|小时|个小时|天|日|周|星期)前$/.exec(s))) {
    const n = Number(m[1]);
    const unit = m[2];
    const ms = unit === '秒' ? 1000 : unit.startsWith('分') ? 60_000 : unit.includes('时') ? 3600_000 : unit === '周' || unit === '星期' ? 7 * 86_400_000 : 86_400_000;
    return now - n * ms;
  }
  if ((m = /^(今天|昨天|前天)\s*(?:(\d{1,2}):(\d{2}))?$/.exec(s))) {
    const back = m[1] === '今天' ? 0 : m[1] === '昨天' ? 1 : 2;
    const p = chinaParts(now - back * 86_400_000);
    return chinaTime(p.y, p.mo, p.d, toNumber(m[2]), toNumber(m[3]));
  }

  // Year-month-day with an optional time and an optional zone: 2024-06-20, 2024/6/20 10:30, 2024.06.20 10:30:00 +0800
  if ((m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2}|CST|GMT\+0?8(?::?00)?|UTC\+0?8)?$/i.exec(s))) {
    const zone = m[7];
    if (zone && /^(Z|[+-]\d{2}:?\d{2})$/i.test(zone)) {
      const iso = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}T${(m[4] ?? '0').padStart(2, '0')}:${m[5] ?? '00'}:${(m[6] ?? '0').padStart(2, '0')}${zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
      const t = Date.parse(iso);
      return Number.isNaN(t) ? undefined : t;
    }
    return chinaTime(Number(m[1]), Number(m[2]), Number(m[3]), toNumber(m[4]), toNumber(m[5]), toNumber(m[6]));
  }
  // 2024年6月20日 10:30 (also 2024年06月20日10时30分)
  if ((m = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*(?:(\d{1,2})\s*[:时]\s*(\d{1,2})\s*分?(?:\s*[:]?\s*(\d{1,2})\s*秒?)?)?$/.exec(s))) {
    return chinaTime(Number(m[1]), Number(m[2]), Number(m[3]), toNumber(m[4]), toNumber(m[5]), toNumber(m[6]));
  }
  // Without the year (current year as platforms show it): 6月20日 10:30, 06-20 10:30
  if ((m = /^(\d{1,2})\s*(?:月|-)\s*(\d{1,2})\s*日?\s*(?:(\d{1,2}):(\d{2}))?$/.exec(s))) {
    const year = chinaParts(now).y;
    let t = chinaTime(year, Number(m[1]), Number(m[2]), toNumber(m[3]), toNumber(m[4]));
    if (t !== undefined && t > now + 86_400_000) t = chinaTime(year - 1, Number(m[1]), Number(m[2]), toNumber(m[3]), toNumber(m[4]));
    return t;
  }
  // RFC 822 / RFC 2822 (RSS) and full ISO 8601 (Atom, JSON Feed). "CST" in Chinese feeds is UTC+8.
  const rfc = s.replace(/\bCST$/i, '+0800').replace(/\b(?:GMT|UTC)\s*\+\s*0?8(?::?00)?$/i, '+0800');
  if (/\d/.test(rfc) && /[a-z]{3}|T\d/i.test(rfc)) {
    const t = Date.parse(rfc);
    if (!Number.isNaN(t)) return t;
  }
  return undefined;
}
