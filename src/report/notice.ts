/**
 * Draft of the quarterly notice (季度检查情况通报): overall figures, problems by indicator with examples, the failing
 * sites and accounts, the closing requirements and the two attachment tables; one list of blocks rendered to
 * Markdown and to DOCX. Notes: docs/modules.md.
 */
import { AlignmentType, BorderStyle, Document, Packer, PageBreak, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import type { ChangesReport, FailingEntry, ProblemCategory } from '../rollup/lists.js';
import { tableCells, tableHeaders, tableTitle, type QuarterTable } from '../rollup/tables.js';
import { quarterLabel, type Quarter } from '../run/quarter.js';
import { platformLabel } from '../registry/fields.js';
import { reasonText } from './lists.js';
import { mdText } from './markdown.js';
import { attachmentLabel, markdownTable, type Lang } from './tables.js';

export interface NoticeInput {
  quarter: Quarter;
  runId: string;
  asOf: string;
  lang: Lang;
  tables: { website: QuarterTable; newmedia: QuarterTable };
  failing: FailingEntry[];
  categories: ProblemCategory[];
  changes?: ChangesReport;
  /** Reminder letters issued for the run (`notice --letters`), when they were. */
  letters?: number;
}

export type Block = { type: 'title'; text: string } | { type: 'heading'; text: string } | { type: 'para'; text: string; indent?: boolean } | { type: 'bullet'; text: string } | { type: 'attachment'; label: string; table: QuarterTable };

const CN_ORD = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'];

function zhDate(d: string): string {
  const [y, m, day] = d.split('-').map(Number);
  return `${y}年${m}月${day}日`;
}

function rateOf(t: QuarterTable): string {
  return t.total.rate;
}

export function noticeBlocks(n: NoticeInput): Block[] {
  const zh = n.lang === 'zh';
  const ql = quarterLabel(n.quarter, n.lang);
  const w = n.tables.website.total;
  const m = n.tables.newmedia.total;
  const blocks: Block[] = [];
  blocks.push({ type: 'title', text: zh ? `关于${ql}全省政府网站与政务新媒体检查情况的通报（草稿）` : `Inspection of government websites and new-media accounts, ${ql} (draft notice)` });
  blocks.push({ type: 'para', text: zh ? '各市人民政府，省各委、办、厅、局，省各直属单位：' : 'To the city governments and the provincial departments and units:' });
  blocks.push({
    type: 'para',
    indent: true,
    text: zh
      ? `根据《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）要求，对全省政府网站和政务新媒体开展了${ql}检查（检查日期：${zhDate(n.asOf)}）。现将有关情况通报如下：`
      : `Following the inspection indicators for government websites and new-media accounts (国办秘函〔2019〕19号), the ${ql} inspection of the province's websites and accounts was carried out as of ${n.asOf}. The findings are as follows.`,
  });

  // 一、总体情况
  blocks.push({ type: 'heading', text: zh ? '一、总体情况' : '1. Overview' });
  const overall = zh
    ? `本季度共检查政府网站${w.checked}个（运作${w.operating}个），不合格${w.failed}个，不合格率${rateOf(n.tables.website)}%；检查政务新媒体${m.checked}个（运作${m.operating}个），不合格${m.failed}个，不合格率${rateOf(n.tables.newmedia)}%。各部门、各地区检查情况见附件1、附件2。`
    : `${w.checked} websites were checked (${w.operating} operating), ${w.failed} failed, a failure rate of ${rateOf(n.tables.website)}%; ${m.checked} new-media accounts were checked (${m.operating} operating), ${m.failed} failed, a failure rate of ${rateOf(n.tables.newmedia)}%. Figures per department and region are in Attachments 1 and 2.`;
  blocks.push({ type: 'para', indent: true, text: overall });
  const errs = n.tables.website.errors + n.tables.newmedia.errors;
  if (errs) blocks.push({ type: 'para', indent: true, text: zh ? `另有${errs}个网站或账号未能完成自动检查，需人工复核后补充。` : `${errs} site(s) or account(s) could not be checked automatically and are to be reviewed by hand.` });
  if (n.changes) {
    const t = n.changes.totals;
    blocks.push({
      type: 'para',
      indent: true,
      text: zh
        ? `与上季度相比，新发现问题${t.new}个，已整改问题${t.fixed}个，仍未整改问题${t.persisting}个；由合格变为不合格${t.newlyFailing}个，由不合格变为合格${t.nowPassing}个。`
        : `Against the previous quarter: ${t.new} new problem(s), ${t.fixed} fixed, ${t.persisting} still open; ${t.newlyFailing} now failing, ${t.nowPassing} now passing.`,
    });
  }

  // 二、存在的主要问题
  blocks.push({ type: 'heading', text: zh ? '二、存在的主要问题' : '2. Main problems' });
  if (!n.categories.length) blocks.push({ type: 'para', indent: true, text: zh ? '本季度检查未发现计分问题。' : 'No scored problem was found this quarter.' });
  n.categories.forEach((c, i) => {
    const what = c.siteKind === 'website' ? (zh ? '个网站' : ' website(s)') : zh ? '个政务新媒体账号' : ' account(s)';
    const ex = c.examples
      .map((e) => `${e.site.name ?? e.site.id}${zh ? '（' : ' ('}${e.site.platform ? `${platformLabel(e.site.platform, n.lang)}${zh ? '，' : ', '}` : ''}${e.url}${zh ? '）' : ')'}${zh ? '：' : ': '}${zh ? e.message : e.messageEn}`)
      .join(zh ? '；' : '; ');
    const head = zh ? `（${CN_ORD[i] ?? i + 1}）${c.title.zh}${c.kind === 'veto' ? '（单项否决）' : ''}。` : `(${i + 1}) ${c.title.en}${c.kind === 'veto' ? ' (single veto)' : ''}. `;
    const body = zh
      ? `${c.sites}${what}存在此类问题，共${c.findings}处${c.failed ? `，其中${c.failed}${what}因此或连同其他问题被判为不合格` : ''}。${ex ? `如：${ex}。` : ''}`
      : `${c.sites}${what} show it, ${c.findings} occurrence(s)${c.failed ? `; ${c.failed} of them failed` : ''}.${ex ? ` For example: ${ex}.` : ''}`;
    blocks.push({ type: 'para', indent: true, text: head + body });
  });

  // 三、不合格名单
  blocks.push({ type: 'heading', text: zh ? '三、不合格网站和政务新媒体' : '3. Failing websites and accounts' });
  if (!n.failing.length) blocks.push({ type: 'para', indent: true, text: zh ? '本季度无不合格网站和政务新媒体。' : 'None this quarter.' });
  for (const kind of ['website', 'newmedia'] as const) {
    const list = n.failing.filter((f) => f.site.kind === kind);
    if (!list.length) continue;
    blocks.push({ type: 'para', indent: true, text: zh ? `${kind === 'website' ? '不合格政府网站' : '不合格政务新媒体'}${list.length}个：` : `${list.length} failing ${kind === 'website' ? 'website(s)' : 'account(s)'}:` });
    list.forEach((f, i) =>
      blocks.push({
        type: 'bullet',
        text: `${i + 1}. ${f.site.group ? `${f.site.group} ` : ''}${f.site.name ?? f.site.id}${f.site.platform ? (zh ? `（${platformLabel(f.site.platform, n.lang)}）` : ` (${platformLabel(f.site.platform, n.lang)})`) : ''}${zh ? `（${f.site.url}）：` : ` (${f.site.url}): `}${f.reasons.map((r) => reasonText(r, n.lang)).join(zh ? '；' : '; ')}`,
      }),
    );
  }

  // 四、有关要求
  blocks.push({ type: 'heading', text: zh ? '四、有关要求' : '4. Requirements' });
  blocks.push({
    type: 'para',
    indent: true,
    text: zh
      ? '各地区、各部门要对照检查发现的问题（整改清单另附）逐项整改，对不合格的网站和政务新媒体账号及时处理；不具备运维能力的，按规定关停整合。整改情况请于下季度检查前报送。'
      : 'Each region and department fixes the problems found (see the separate list of problems to fix) and deals with its failing websites and accounts; those it cannot maintain are closed or merged as the rules provide. Report the fixes before the next quarterly inspection.',
  });
  if (n.letters)
    blocks.push({
      type: 'para',
      indent: true,
      text: zh ? `对存在问题的${n.letters}个主办单位，已另行发送提醒函，请按函中期限反馈整改情况。` : `Reminder letters were sent separately to the ${n.letters} owner unit(s) with problems; they reply by the deadline each letter gives.`,
    });
  blocks.push({ type: 'para', text: zh ? '附件：1. ' + tableTitle('website', n.quarter, 'zh') : 'Attachments: 1. ' + tableTitle('website', n.quarter, 'en') });
  blocks.push({ type: 'para', text: zh ? '　　　2. ' + tableTitle('newmedia', n.quarter, 'zh') : '             2. ' + tableTitle('newmedia', n.quarter, 'en') });
  blocks.push({ type: 'attachment', label: attachmentLabel(n.tables.website, n.lang), table: n.tables.website });
  blocks.push({ type: 'attachment', label: attachmentLabel(n.tables.newmedia, n.lang), table: n.tables.newmedia });
  return blocks;
}

export function noticeMarkdown(blocks: Block[], q: Quarter, lang: Lang): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type !== 'bullet' && out[out.length - 1]?.startsWith('- ')) out.push('');
    // Block texts quote registry names and crawled messages: escaped by the one Markdown helper.
    if (b.type === 'title') out.push(`# ${mdText(b.text, false)}`, '');
    else if (b.type === 'heading') out.push(`## ${mdText(b.text, false)}`, '');
    else if (b.type === 'para') out.push(mdText(b.text), '');
    else if (b.type === 'bullet') out.push(`- ${mdText(b.text.replace(/^\d+\.\s*/, ''))}`);
    else {
      out.push('---', '', `**${mdText(b.label, false)}**`, '', `### ${mdText(tableTitle(b.table.kind, q, lang), false)}`, '', markdownTable(tableHeaders(b.table.kind, lang), tableCells(b.table, lang)), '');
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

const FONT_BODY = '仿宋_GB2312';
const FONT_TITLE = '方正小标宋简体';
const FONT_HEAD = '黑体';

function run(text: string, o: { font?: string; size?: number; bold?: boolean } = {}): TextRun {
  const font = o.font ?? FONT_BODY;
  return new TextRun({ text, font: { ascii: font, eastAsia: font, hAnsi: font }, size: o.size ?? 32, bold: o.bold });
}

function docxTable(t: QuarterTable, lang: Lang): Table {
  const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
  const borders = { top: border, bottom: border, left: border, right: border };
  const widths = [8, 22, 20, 16, 16, 18];
  const cell = (text: string, bold = false, w = 16) =>
    new TableCell({
      borders,
      width: { size: w, type: WidthType.PERCENTAGE },
      children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [run(text, { size: 24, bold, font: bold ? FONT_HEAD : '宋体' })] })],
    });
  const rows = [
    new TableRow({ tableHeader: true, children: tableHeaders(t.kind, lang).map((h, j) => cell(h, true, widths[j])) }),
    ...tableCells(t, lang).map((r, i, all) => new TableRow({ children: r.map((c, j) => cell(String(c), i === all.length - 1, widths[j])) })),
  ];
  return new Table({ width: { size: 100, type: WidthType.PERCENTAGE }, rows });
}

export async function noticeDocx(blocks: Block[], q: Quarter, lang: Lang): Promise<Buffer> {
  const children: Array<Paragraph | Table> = [];
  for (const b of blocks) {
    if (b.type === 'title') children.push(new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 400 }, children: [run(b.text, { font: FONT_TITLE, size: 44 })] }));
    else if (b.type === 'heading') children.push(new Paragraph({ indent: { firstLine: 640 }, children: [run(b.text, { font: FONT_HEAD })] }));
    else if (b.type === 'para') children.push(new Paragraph({ indent: b.indent ? { firstLine: 640 } : undefined, spacing: { line: 560 }, children: [run(b.text)] }));
    else if (b.type === 'bullet') children.push(new Paragraph({ indent: { left: 640 }, spacing: { line: 480 }, children: [run(b.text, { size: 28 })] }));
    else {
      children.push(new Paragraph({ children: [new PageBreak()] }));
      children.push(new Paragraph({ children: [run(b.label, { font: FONT_HEAD })] }));
      children.push(new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 200, after: 200 }, children: [run(tableTitle(b.table.kind, q, lang), { font: FONT_TITLE, size: 36 })] }));
      children.push(docxTable(b.table, lang));
    }
  }
  const doc = new Document({
    creator: 'govcheck',
    title: (blocks.find((b) => b.type === 'title') as { text: string } | undefined)?.text ?? 'notice',
    sections: [{ properties: { page: { margin: { top: 2098, bottom: 1984, left: 1588, right: 1474 } } }, children }],
  });
  return Packer.toBuffer(doc);
}
