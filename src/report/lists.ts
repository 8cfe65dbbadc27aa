/**
 * Renderers of the lists behind the tables: failing sites with reasons, the 整改清单 per owner unit
 * with evidence, and quarter-over-quarter changes. Text, Markdown, CSV (BOM), XLSX and JSON.
 */
import ExcelJS from 'exceljs';
import { t as label } from '../i18n.js';
import { platformLabel } from '../registry/fields.js';
import type { ChangesReport, FailingEntry, FixOwner, Reason } from '../rollup/lists.js';
import { toCsv } from './csv.js';
import { mdCode, mdText } from './markdown.js';
import { markdownTable, textGrid, xlsxValues, type Lang } from './tables.js';
import { terminalCell, terminalText } from './terminal.js';

const SEV: Record<string, { zh: string; en: string }> = {
  veto: { zh: '单项否决', en: 'veto' },
  deduction: { zh: '扣分', en: 'deduction' },
  warning: { zh: '预警', en: 'warning' },
  info: { zh: '提示', en: 'info' },
};

export function reasonText(r: Reason, lang: Lang): string {
  if (r.kind === 'score') return r.title[lang];
  const what = r.kind === 'veto' ? SEV.veto[lang] : lang === 'zh' ? `扣${r.points}分` : `−${r.points}`;
  const ex = r.examples.map((e) => (lang === 'zh' ? e.message : e.messageEn)).join(lang === 'zh' ? '；' : '; ');
  return lang === 'zh' ? `${r.rule} ${r.title.zh}（${what}）${ex ? `：${ex}` : ''}` : `${r.rule} ${r.title.en} (${what})${ex ? `: ${ex}` : ''}`;
}

function failingHeaders(lang: Lang): string[] {
  return lang === 'zh' ? ['序号', '部门/地区', '名称', '平台', '网址', '主办单位', '得分', '不合格原因'] : ['No.', 'Group', 'Name', 'Platform', 'URL', 'Owner', 'Score', 'Reasons'];
}

function failingCells(list: FailingEntry[], lang: Lang): Array<Array<string | number>> {
  return list.map((e) => [e.seq, e.site.group ?? '', e.site.name ?? '', platformLabel(e.site.platform, lang), e.site.url, e.site.owner ?? '', e.score, e.reasons.map((r) => reasonText(r, lang)).join(lang === 'zh' ? '；' : '; ')]);
}

export function failingTitle(kind: 'website' | 'newmedia' | undefined, lang: Lang): string {
  if (lang === 'zh') return kind === 'newmedia' ? '不合格政务新媒体名单' : kind === 'website' ? '不合格政府网站名单' : '不合格网站和政务新媒体名单';
  return kind === 'newmedia' ? 'Failing new-media accounts' : kind === 'website' ? 'Failing websites' : 'Failing websites and accounts';
}

export function failingText(list: FailingEntry[], kind: 'website' | 'newmedia' | undefined, lang: Lang): string {
  if (!list.length) return `${failingTitle(kind, lang)}：${lang === 'zh' ? '无' : 'none'}`;
  const lines = [failingTitle(kind, lang), ''];
  const c = terminalCell;
  for (const e of list) {
    lines.push(`${e.seq}. [${c(e.site.group ?? '')}] ${c(e.site.name ?? e.site.id)}${e.site.platform ? `（${c(platformLabel(e.site.platform, lang))}）` : ''}  ${c(e.site.url)}`);
    for (const r of e.reasons) lines.push(`     - ${c(reasonText(r, lang))}`);
  }
  return terminalText(lines.join('\n'));
}

export function failingMarkdown(list: FailingEntry[], kind: 'website' | 'newmedia' | undefined, lang: Lang): string {
  const rows = failingCells(list, lang).map((r) => r.map((c) => String(c)));
  return `### ${mdText(failingTitle(kind, lang), false)}\n\n${list.length ? markdownTable(failingHeaders(lang), rows, 99) : lang === 'zh' ? '无。' : 'None.'}\n`;
}

export function failingCsv(list: FailingEntry[], lang: Lang): Buffer {
  return toCsv([failingHeaders(lang), ...failingCells(list, lang)]);
}

/** True when reminder letters were issued for the run: the 整改清单 then has a letter-number column (last). */
function hasLetters(owners: FixOwner[]): boolean {
  return owners.some((o) => o.letterNo);
}

function fixHeaders(lang: Lang, letters = false): string[] {
  const h =
    lang === 'zh'
      ? ['主办单位', '名称', '网址', '结论', '指标', '类别', '问题', '问题页面', '问题对象', '位置', '原文片段', '应为', '实际']
      : ['Owner', 'Name', 'URL', 'Verdict', 'Rule', 'Severity', 'Problem', 'Page', 'Target', 'Location', 'Snippet', 'Expected', 'Seen'];
  return letters ? [...h, lang === 'zh' ? '提醒函编号' : 'Letter no.'] : h;
}

function fixCells(owners: FixOwner[], lang: Lang): Array<Array<string | number>> {
  const letters = hasLetters(owners);
  const rows: Array<Array<string | number>> = [];
  for (const o of owners) {
    for (const s of o.sites) {
      for (const it of s.items) {
        rows.push([
          o.owner,
          s.site.name ?? s.site.id,
          s.site.url,
          label(s.verdict === 'pass' ? 'verdict_pass' : 'verdict_fail', lang),
          it.rule ? `${it.rule} ${it.ruleTitle?.[lang] ?? ''}`.trim() : '',
          `${it.tier === 'suspected' ? (lang === 'zh' ? '疑似' : 'suspected ') : ''}${SEV[it.severity][lang]}${it.severity === 'deduction' && it.points !== undefined ? ` ${it.points}` : ''}`,
          lang === 'zh' ? it.message : it.messageEn,
          it.url,
          it.target ?? '',
          String(it.evidence.location ?? ''),
          String(it.evidence.snippet ?? '').slice(0, 200),
          String(it.evidence.expected ?? ''),
          String(it.evidence.actual ?? ''),
          ...(letters ? [o.letterNo ?? ''] : []),
        ]);
      }
    }
  }
  return rows;
}

export function fixTitle(lang: Lang): string {
  return lang === 'zh' ? '整改清单' : 'Problems to fix, per owner unit';
}

/** The 整改清单 as Markdown (`md`) or plain text: the same lines, values escaped for the one or the other. */
function fixLines(owners: FixOwner[], lang: Lang, md: boolean): string {
  // Every value follows a heading mark or other text on its line: no block can open there.
  const v = md ? (x: string) => mdText(x, false) : terminalCell;
  const code = md ? mdCode : terminalCell;
  const h = (level: number) => (md ? `${'#'.repeat(level)} ` : '');
  const out = [`${h(2)}${fixTitle(lang)}`, ''];
  if (!owners.length) out.push(lang === 'zh' ? '未发现需要整改的问题。' : 'No problem to fix.');
  for (const o of owners) {
    out.push(`${h(3)}${v(o.owner)}${o.letterNo ? `（${lang === 'zh' ? '提醒函' : 'letter'} ${v(o.letterNo)}）` : ''}`, '');
    for (const s of o.sites) {
      out.push(`${h(4)}${v(s.site.name ?? s.site.id)}（${v(s.site.url)}）— ${label(s.verdict === 'pass' ? 'verdict_pass' : 'verdict_fail', lang)}，${lang === 'zh' ? '得分' : 'score'} ${s.score}`, '');
      for (const it of s.items) {
        const sev = `${it.tier === 'suspected' ? (lang === 'zh' ? '疑似·' : 'suspected·') : ''}${SEV[it.severity][lang]}`;
        out.push(`- ${md ? '\\[' : '['}${sev}${it.rule ? ` ${it.rule}` : ''}${md ? '\\]' : ']'} ${v(lang === 'zh' ? it.message : it.messageEn)}`);
        const ev = [
          `${lang === 'zh' ? '页面' : 'page'}: ${v(it.url)}`,
          it.target && it.target !== it.url ? `${lang === 'zh' ? '对象' : 'target'}: ${v(it.target)}` : '',
          it.evidence.location ? `${lang === 'zh' ? '位置' : 'where'}: ${code(String(it.evidence.location))}` : '',
          it.evidence.snippet ? `${lang === 'zh' ? '原文' : 'snippet'}: “${v(String(it.evidence.snippet).slice(0, 120))}”` : '',
          it.evidence.expected || it.evidence.actual ? `${lang === 'zh' ? '应为' : 'expected'} ${v(String(it.evidence.expected ?? '-'))}，${lang === 'zh' ? '实际' : 'seen'} ${v(String(it.evidence.actual ?? '-'))}` : '',
        ].filter(Boolean);
        out.push(`  - ${ev.join('；')}`);
      }
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}

export function fixMarkdown(owners: FixOwner[], lang: Lang): string {
  return fixLines(owners, lang, true);
}

export function fixText(owners: FixOwner[], lang: Lang): string {
  return terminalText(fixLines(owners, lang, false));
}

export function fixCsv(owners: FixOwner[], lang: Lang): Buffer {
  return toCsv([fixHeaders(lang, hasLetters(owners)), ...fixCells(owners, lang)]);
}

function changesHeaders(lang: Lang): string[] {
  return lang === 'zh' ? ['部门/地区', '名称', '网址', '本季度结论', '上季度结论', '新增问题', '已整改', '仍存在'] : ['Group', 'Name', 'URL', 'Verdict', 'Previous verdict', 'New', 'Fixed', 'Persisting'];
}

function changesCells(r: ChangesReport, lang: Lang): Array<Array<string | number>> {
  const v = (x: 'pass' | 'fail' | undefined) => (x ? label(x === 'pass' ? 'verdict_pass' : 'verdict_fail', lang) : lang === 'zh' ? '未检查' : 'not checked');
  return r.sites.map((s) => [s.site.group ?? '', s.site.name ?? s.site.id, s.site.url, v(s.verdict), v(s.previousVerdict), s.new.length, s.fixed.length, s.persisting.length]);
}

export function changesTitle(lang: Lang): string {
  return lang === 'zh' ? '问题环比（与上季度相比）' : 'Quarter over quarter';
}

function changesSummary(r: ChangesReport, lang: Lang): string {
  const t = r.totals;
  return lang === 'zh'
    ? `与 ${r.previousRunId} 相比：新增问题 ${t.new} 个，已整改 ${t.fixed} 个，仍存在 ${t.persisting} 个；由合格变为不合格 ${t.newlyFailing} 个，由不合格变为合格 ${t.nowPassing} 个。`
    : `Against ${r.previousRunId}: ${t.new} new problem(s), ${t.fixed} fixed, ${t.persisting} persisting; ${t.newlyFailing} site(s) now failing, ${t.nowPassing} now passing.`;
}

export function changesText(r: ChangesReport, lang: Lang): string {
  return terminalText([changesTitle(lang), changesSummary(r, lang), '', textGrid(changesHeaders(lang), changesCells(r, lang), 5)].join('\n'));
}

export function changesMarkdown(r: ChangesReport, lang: Lang): string {
  const out = [`## ${mdText(changesTitle(lang), false)}`, '', mdText(changesSummary(r, lang)), '', markdownTable(changesHeaders(lang), changesCells(r, lang), 5), ''];
  for (const s of r.sites) {
    if (!s.new.length && !s.fixed.length && !s.persisting.length) continue;
    out.push(`### ${mdText(s.site.name ?? s.site.id, false)}`, '');
    const list = (name: string, fs: typeof s.new) => fs.forEach((f) => out.push(`- ${name}：${mdText(lang === 'zh' ? f.message : f.messageEn, false)}${f.target ? `（${mdText(f.target, false)}）` : ''}`));
    list(lang === 'zh' ? '新增' : 'new', s.new);
    list(lang === 'zh' ? '已整改' : 'fixed', s.fixed);
    list(lang === 'zh' ? '仍存在' : 'persisting', s.persisting);
    out.push('');
  }
  return out.join('\n') + '\n';
}

export function changesCsv(r: ChangesReport, lang: Lang): Buffer {
  return toCsv([changesHeaders(lang), ...changesCells(r, lang)]);
}

/** A simple bordered sheet with a title row, for the lists. */
function addListSheet(wb: ExcelJS.Workbook, name: string, title: string, headers: string[], rows: Array<Array<string | number>>, widths: number[]): void {
  const ws = wb.addWorksheet(name);
  ws.columns = widths.map((width) => ({ width }));
  const t = ws.addRow(xlsxValues([title]));
  ws.mergeCells(t.number, 1, t.number, headers.length);
  t.font = { name: '宋体', size: 14, bold: true };
  t.alignment = { horizontal: 'center' };
  const h = ws.addRow(xlsxValues(headers));
  h.font = { bold: true };
  for (const r of rows) {
    const row = ws.addRow(xlsxValues(r));
    row.alignment = { vertical: 'top', wrapText: true };
  }
  ws.views = [{ state: 'frozen', ySplit: h.number }];
}

export async function listsXlsx(parts: { failing?: FailingEntry[]; fixes?: FixOwner[]; changes?: ChangesReport }, lang: Lang, kind?: 'website' | 'newmedia'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'govcheck';
  if (parts.failing) addListSheet(wb, lang === 'zh' ? '不合格名单' : 'failing', failingTitle(kind, lang), failingHeaders(lang), failingCells(parts.failing, lang), [6, 12, 28, 10, 36, 28, 8, 80]);
  if (parts.fixes) addListSheet(wb, lang === 'zh' ? '整改清单' : 'fixes', fixTitle(lang), fixHeaders(lang, hasLetters(parts.fixes)), fixCells(parts.fixes, lang), [26, 26, 32, 8, 20, 12, 50, 40, 40, 30, 40, 20, 20, 22]);
  if (parts.changes) addListSheet(wb, lang === 'zh' ? '环比' : 'changes', changesTitle(lang), changesHeaders(lang), changesCells(parts.changes, lang), [12, 28, 36, 12, 12, 10, 10, 10]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
