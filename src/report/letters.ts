/**
 * Reminder letters (提醒函, the notice's 突出问题通报制度: 发函提醒、督促整改): one DOCX letter per owner unit (主办单位) with problems in a
 * quarterly run, passing sites included — a site that passed with deductions still has problems to fix. Notes:
 * docs/modules.md.
 */
import { AlignmentType, Document, Packer, Paragraph, TextRun } from 'docx';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addWorkingDays, isWorkingDay, type WorkCalendar } from '../china-time.js';
import type { Rules } from '../config.js';
import { t as label } from '../i18n.js';
import { platformLabel } from '../registry/fields.js';
import type { QuarterReport } from '../rollup/index.js';
import type { FixItem, FixOwner } from '../rollup/lists.js';
import { quarterLabel } from '../run/quarter.js';
import type { DB } from '../store/db.js';
import { loadLetters, saveLetters, type LetterRow } from '../store/letters.js';
import { countsTowardVerdict, runRules } from '../store/reviews.js';
import type { SiteRef } from '../types.js';
import type { Lang } from './tables.js';

export interface LetterSite {
  site: SiteRef;
  verdict: 'pass' | 'fail';
  score: number;
  /** Problems to fix (tier confirmed). */
  confirmed: FixItem[];
  /** Problems to verify (tier suspected): listed apart as 请核实. */
  suspected: FixItem[];
}

export interface LetterPlan {
  owner: string;
  sites: LetterSite[];
}

const scored = (it: FixItem) => !!it.rule && (it.severity === 'veto' || it.severity === 'deduction');

/**
 * The units that get a letter, in the 整改清单's order: those with at least one problem that counts
 * toward the verdict (confirmed veto or deduction; suspected too when the rules count them). Each lists
 * its sites with scored problems, confirmed and suspected apart.
 */
export function letterPlans(fixes: FixOwner[], rules: Rules): LetterPlan[] {
  const plans: LetterPlan[] = [];
  for (const o of fixes) {
    if (!o.sites.some((s) => s.items.some((it) => countsTowardVerdict(it, rules)))) continue;
    const sites = o.sites
      .map((s) => ({
        site: s.site,
        verdict: s.verdict,
        score: s.score,
        confirmed: s.items.filter((it) => scored(it) && it.tier === 'confirmed'),
        suspected: s.items.filter((it) => scored(it) && it.tier === 'suspected'),
      }))
      .filter((s) => s.confirmed.length || s.suspected.length);
    plans.push({ owner: o.owner, sites });
  }
  return plans;
}

/** A letter number: `<prefix>〔2024Q2〕第001号`. */
export function letterNumber(prefix: string, quarterId: string, seq: number): string {
  return `${prefix}〔${quarterId}〕第${String(seq).padStart(3, '0')}号`;
}

function seqOf(letterNo: string): number | undefined {
  const m = /第(\d+)号$/.exec(letterNo);
  return m ? Number(m[1]) : undefined;
}

/**
 * A file-name part from a unit's name: keeps Chinese and other letters, replaces what file systems refuse
 * or misread (/ \ : * ? " < > |, control and direction characters) with `_`, trims dots and spaces at the
 * ends, and cuts to 40 characters (the letter's sequence number before it keeps names unique).
 */
export function safeUnitName(name: string): string {
  const s = name
    .replace(/[/\\:*?"<>|\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[\s._]+|[\s._]+$/g, '');
  return (
    [...s]
      .slice(0, 40)
      .join('')
      .replace(/[\s.]+$/, '') || 'unit'
  );
}

/** Working days after `from` up to and including `to`. */
export function workingDaysBetween(from: string, to: string, cal: WorkCalendar): number {
  let n = 0;
  for (let d = from; d < to; ) {
    const next = new Date(`${d}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    d = next.toISOString().slice(0, 10);
    if (isWorkingDay(d, cal)) n++;
  }
  return n;
}

export interface Letter {
  plan: LetterPlan;
  letterNo: string;
  issuedOn: string;
  replyBy: string;
  /** Working days from the letter's date to the deadline. */
  replyDays: number;
  file: string;
}

export interface LetterContext {
  quarter: QuarterReport['quarter'];
  runId: string;
  asOf: string;
  issuer: { zh: string; en: string };
  lang: Lang;
}

function zhDate(d: string): string {
  const [y, m, day] = d.split('-').map(Number);
  return `${y}年${m}月${day}日`;
}

const SEV = {
  veto: { zh: '单项否决', en: 'single veto' },
  deduction: { zh: '扣分', en: 'deduction' },
} as const;

type Line = { kind: 'title' | 'number' | 'heading' | 'para' | 'item' | 'evidence' | 'sign' | 'note'; text: string };

function itemLines(it: FixItem, n: number, lang: Lang, suspected: boolean): Line[] {
  const zh = lang === 'zh';
  const sev = it.severity === 'veto' ? SEV.veto[lang] : it.points !== undefined ? (zh ? `扣${it.points}分` : `−${it.points} point(s)`) : SEV.deduction[lang];
  const mark = zh ? `【${suspected ? '疑似·' : ''}${sev}】` : `[${suspected ? 'suspected, ' : ''}${sev}] `;
  const message = zh ? it.message : it.messageEn;
  const title = it.ruleTitle?.[lang] ?? '';
  // Messages often open with the rule's title (链接不可用：…): the title is not said twice.
  const rule = `${it.rule ?? ''}${title && !message.startsWith(title) ? ` ${title}` : ''}`;
  const lines: Line[] = [{ kind: 'item', text: `${n}. ${mark}${rule}${zh ? '：' : ': '}${message}` }];
  const ev = it.evidence;
  // Page, target, the text around it, expected and seen: what the unit needs to find and fix the problem
  // (the CSS location and the rest of the evidence are in the 整改清单).
  const parts = [
    `${zh ? '问题页面' : 'Page'}${zh ? '：' : ': '}${it.url}`,
    it.target && it.target !== it.url ? `${zh ? '问题对象：' : 'Target: '}${it.target}` : '',
    ev.snippet ? `${zh ? '原文：“' : 'Text: “'}${String(ev.snippet).slice(0, 160)}”` : '',
    ev.expected !== undefined && ev.expected !== '' ? `${zh ? '应为：' : 'Expected: '}${String(ev.expected)}` : '',
    ev.actual !== undefined && ev.actual !== '' ? `${zh ? '实际：' : 'Seen: '}${String(ev.actual)}` : '',
  ].filter(Boolean);
  lines.push({ kind: 'evidence', text: parts.join(zh ? '；' : '; ') });
  return lines;
}

function siteHead(s: LetterSite, i: number, lang: Lang): string {
  const zh = lang === 'zh';
  const platform = s.site.platform ? `${platformLabel(s.site.platform, lang)}${zh ? '，' : ', '}` : '';
  const verdict = label(s.verdict === 'pass' ? 'verdict_pass' : 'verdict_fail', lang);
  return zh
    ? `（${CN_ORD[i] ?? i + 1}）${s.site.name ?? s.site.id}（${platform}${s.site.url}）：本季度检查结论为${verdict}，得分${s.score}。`
    : `(${i + 1}) ${s.site.name ?? s.site.id} (${platform}${s.site.url}): ${verdict} this quarter, score ${s.score}.`;
}

const CN_ORD = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'];

/** The text of one letter, line by line (rendered to DOCX by `letterDocx`). */
export function letterLines(l: Letter, c: LetterContext): Line[] {
  const zh = c.lang === 'zh';
  const ql = quarterLabel(c.quarter, c.lang);
  const issuer = c.issuer[c.lang];
  const sites = l.plan.sites;
  const confirmed = sites.filter((s) => s.confirmed.length);
  const suspected = sites.filter((s) => s.suspected.length);
  const nConfirmed = sites.reduce((a, s) => a + s.confirmed.length, 0);
  const nSuspected = sites.reduce((a, s) => a + s.suspected.length, 0);
  const out: Line[] = [];
  out.push({ kind: 'title', text: zh ? `关于${ql}政府网站和政务新媒体检查发现问题的提醒函` : `Reminder: problems found by the ${ql} inspection of government websites and new-media accounts` });
  out.push({ kind: 'number', text: zh ? l.letterNo : `Ref. ${l.letterNo}` });
  out.push({ kind: 'para', text: zh ? `${l.plan.owner}：` : `To: ${l.plan.owner}` });
  out.push({
    kind: 'para',
    text: zh
      ? `在${ql}全省政府网站和政务新媒体检查（检查日期：${zhDate(c.asOf)}）中，你单位主办的${confirmed.length}个网站或政务新媒体账号存在需要整改的问题${nConfirmed}处${nSuspected ? `，另有疑似问题${nSuspected}处需要核实` : ''}。根据突出问题通报制度，现函告提醒，请对照下列问题逐项整改，并于${zhDate(l.replyBy)}前（${l.replyDays}个工作日内）将整改情况书面反馈${issuer}。`
      : `The ${ql} inspection of the province's government websites and new-media accounts (inspection date ${c.asOf}) found ${nConfirmed} problem(s) to fix on ${confirmed.length} website(s) or account(s) run by your unit${nSuspected ? `, and ${nSuspected} suspected problem(s) to verify` : ''}. Under the reporting system for outstanding problems, please fix each problem listed below and report the fixes in writing to ${issuer} by ${l.replyBy} (within ${l.replyDays} working days).`,
  });
  out.push({ kind: 'heading', text: zh ? `一、需要整改的问题（${nConfirmed}处）` : `1. Problems to fix (${nConfirmed})` });
  if (!confirmed.length) out.push({ kind: 'para', text: zh ? '无。' : 'None.' });
  confirmed.forEach((s, i) => {
    out.push({ kind: 'para', text: siteHead(s, i, c.lang) });
    s.confirmed.forEach((it, j) => out.push(...itemLines(it, j + 1, c.lang, false)));
  });
  let h = 2;
  if (suspected.length) {
    out.push({ kind: 'heading', text: zh ? `${CN_ORD[h - 1]}、请核实的问题（疑似，${nSuspected}处）` : `${h}. Suspected problems to verify (${nSuspected})` });
    out.push({
      kind: 'para',
      text: zh
        ? '以下问题为检查中发现的疑似问题，尚未确认，不计入本季度检查结论。请逐项核实：属实的一并整改，不属实的请在反馈中说明理由。'
        : 'The problems below were found as suspected and are not confirmed; they do not count toward this quarter’s verdict. Please verify each: fix those that are real, and explain in your reply why the others are not.',
    });
    suspected.forEach((s, i) => {
      out.push({ kind: 'para', text: siteHead(s, i, c.lang) });
      s.suspected.forEach((it, j) => out.push(...itemLines(it, j + 1, c.lang, true)));
    });
    h++;
  }
  out.push({ kind: 'heading', text: zh ? `${CN_ORD[h - 1]}、有关要求` : `${h}. What to do` });
  const reqs = zh
    ? [
        `1. 请于${zhDate(l.replyBy)}前完成整改，并逐条反馈整改情况，附整改后的页面网址或截图。`,
        '2. 对认为不属实的问题，请说明理由并附佐证材料。',
        `3. 反馈时请注明本函编号（${l.letterNo}）。逾期未反馈或整改不到位的问题，将在下一季度检查中重点复核。`,
      ]
    : [
        `1. Fix the problems by ${l.replyBy} and report on each, with the address or a screenshot of the fixed page.`,
        '2. For a problem you consider wrong, give the reason and supporting material.',
        `3. Quote this letter’s number (${l.letterNo}) in your reply. Problems not reported or not fixed by the deadline are reviewed first in the next quarterly inspection.`,
      ];
  for (const r of reqs) out.push({ kind: 'para', text: r });
  out.push({ kind: 'sign', text: issuer });
  out.push({ kind: 'sign', text: zh ? zhDate(l.issuedOn) : l.issuedOn });
  out.push({ kind: 'note', text: zh ? `（检查批次：${c.runId}。本函根据检查记录生成，问题证据见整改清单。）` : `(Inspection run ${c.runId}. Generated from the inspection records; the evidence is also in the list of problems to fix.)` });
  return out;
}

const FONT_BODY = '仿宋_GB2312';
const FONT_TITLE = '方正小标宋简体';
const FONT_HEAD = '黑体';

function run(text: string, o: { font?: string; size?: number } = {}): TextRun {
  const font = o.font ?? FONT_BODY;
  return new TextRun({ text, font: { ascii: font, eastAsia: font, hAnsi: font }, size: o.size ?? 32 });
}

/** One letter as DOCX (official-document fonts and margins, as the notice draft). */
export async function letterDocx(l: Letter, c: LetterContext): Promise<Buffer> {
  const lines = letterLines(l, c);
  const children = lines.map((x) => {
    if (x.kind === 'title') return new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 300 }, children: [run(x.text, { font: FONT_TITLE, size: 44 })] });
    if (x.kind === 'number') return new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { after: 300 }, children: [run(x.text)] });
    if (x.kind === 'heading') return new Paragraph({ indent: { firstLine: 640 }, spacing: { before: 200 }, children: [run(x.text, { font: FONT_HEAD })] });
    if (x.kind === 'item') return new Paragraph({ indent: { left: 640 }, spacing: { line: 480 }, children: [run(x.text, { size: 28 })] });
    if (x.kind === 'evidence') return new Paragraph({ indent: { left: 1280 }, spacing: { line: 400 }, children: [run(x.text, { size: 24, font: '宋体' })] });
    if (x.kind === 'sign') return new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { before: x.text === c.issuer[c.lang] ? 600 : 0 }, children: [run(x.text)] });
    if (x.kind === 'note') return new Paragraph({ spacing: { before: 400 }, children: [run(x.text, { size: 21, font: '宋体' })] });
    const salutation = x === lines[2];
    return new Paragraph({ indent: salutation ? undefined : { firstLine: 640 }, spacing: { line: 560 }, children: [run(x.text)] });
  });
  const doc = new Document({
    creator: 'govcheck',
    title: `${lines[0].text} ${l.letterNo}`,
    sections: [{ properties: { page: { margin: { top: 2098, bottom: 1984, left: 1588, right: 1474 } } }, children }],
  });
  return Packer.toBuffer(doc);
}

export interface IssueOptions {
  /** Folder the DOCX files are written to (created). */
  dir: string;
  lang: Lang;
  issuer: { zh: string; en: string };
  numberPrefix: string;
  /** Reply window in working days (config `letters.replyDays`). */
  replyDays: number;
  /** True when --reply-days was given: stored deadlines are recomputed. */
  replyDaysExplicit?: boolean;
  /** The letters' date (YYYY-MM-DD, China time) when given (--date): replaces stored dates. */
  date?: string;
  /** The date of letters issued for the first time when --date is not given (today in China). */
  today: string;
  calendar: WorkCalendar & { years: readonly number[] };
}

/** Folder name of a run's letters beside the notice: 提醒函-2024Q2 (letters-2024Q2 in English). */
export function lettersDirName(quarterId: string, lang: Lang): string {
  return `${lang === 'zh' ? '提醒函' : 'letters'}-${quarterId}`;
}

export class LetterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LetterError';
  }
}

/**
 * Numbers, dates and writes the letters of a quarterly run into `o.dir`, stores them in `letters`, and
 * sets `letterNo` on the report's 整改清单 owners. Returns the letters and warnings (a deadline beyond
 * the configured holiday calendar).
 */
export async function issueLetters(db: DB, report: QuarterReport, o: IssueOptions): Promise<{ letters: Letter[]; warnings: string[] }> {
  const runId = report.run.id;
  const rules = runRules(db, runId);
  const plans = letterPlans(report.fixes, rules);
  const existing = new Map(loadLetters(db, runId).map((r) => [r.owner, r]));
  if (o.date && o.date < report.run.as_of) throw new LetterError(`letter date ${o.date} is before the inspection date ${report.run.as_of} of run ${runId}`);
  let next = Math.max(0, ...[...existing.values()].map((r) => seqOf(r.letter_no) ?? 0)) + 1;
  const warnings = new Set<string>();
  const ctx: LetterContext = { quarter: report.quarter, runId, asOf: report.run.as_of, issuer: o.issuer, lang: o.lang };
  const letters: Letter[] = [];
  for (const plan of plans) {
    const old = existing.get(plan.owner);
    const letterNo = old?.letter_no ?? letterNumber(o.numberPrefix, report.quarter.id, next++);
    const issuedOn = o.date ?? old?.issued_on ?? (o.today < report.run.as_of ? report.run.as_of : o.today);
    const keep = old && !o.date && !o.replyDaysExplicit;
    const replyBy = keep ? old.reply_by : addWorkingDays(issuedOn, o.replyDays, o.calendar);
    for (let y = Number(issuedOn.slice(0, 4)); y <= Number(replyBy.slice(0, 4)); y++) {
      if (!o.calendar.years.includes(y)) warnings.add(`no holiday calendar for ${y} (config calendar.years): reply deadlines in it count weekends only`);
    }
    const seq = String(seqOf(letterNo) ?? letters.length + 1).padStart(3, '0');
    const file = `${o.lang === 'zh' ? '提醒函' : 'letter'}-${report.quarter.id}-${seq}-${safeUnitName(plan.owner)}.docx`;
    letters.push({ plan, letterNo, issuedOn, replyBy, replyDays: workingDaysBetween(issuedOn, replyBy, o.calendar), file });
  }
  for (const l of letters) {
    const body = await letterDocx(l, ctx);
    try {
      // One level only (its parent must exist): a recursive mkdir spins forever on some pseudo file systems (/proc).
      if (!existsSync(o.dir)) mkdirSync(o.dir);
      writeFileSync(path.join(o.dir, l.file), body);
    } catch (e) {
      throw new LetterError(`cannot write letter ${path.join(o.dir, l.file)}: ${(e as Error).message}`);
    }
  }
  const rows: LetterRow[] = letters.map((l) => ({ run_id: runId, owner: l.plan.owner, letter_no: l.letterNo, issued_on: l.issuedOn, reply_by: l.replyBy, file: l.file }));
  saveLetters(db, rows);
  const byOwner = new Map(letters.map((l) => [l.plan.owner, l.letterNo]));
  for (const f of report.fixes) {
    const no = byOwner.get(f.owner) ?? existing.get(f.owner)?.letter_no;
    if (no) f.letterNo = no;
  }
  return { letters, warnings: [...warnings] };
}
