/**
 * Writes every report of a quarterly run into one folder: both tables (CSV with BOM, XLSX, Markdown, JSON), the
 * failing list, the 整改清单, quarter-over-quarter changes when there are some, and the notice draft (DOCX and
 * Markdown). Notes: docs/modules.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { QuarterReport } from '../rollup/index.js';
import { changesCsv, changesMarkdown, failingCsv, failingMarkdown, fixCsv, fixMarkdown, listsXlsx } from './lists.js';
import { noticeBlocks, noticeDocx, noticeMarkdown } from './notice.js';
import { tableCsv, tableJson, tableMarkdown, tableXlsx, type Lang } from './tables.js';

/** `o.letters`: reminder letters issued for the run (issueLetters, before the bundle), named in the notice draft. */
export async function writeReportBundle(dir: string, r: QuarterReport, lang: Lang, o: { letters?: number } = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const q = r.quarter;
  const zh = lang === 'zh';
  const files: Array<[string, string | Buffer]> = [];
  const name = (zhName: string, enName: string, ext: string) => `${zh ? zhName : enName}-${q.id}.${ext}`;
  for (const kind of ['website', 'newmedia'] as const) {
    const t = r.tables[kind];
    const [zn, en] = kind === 'website' ? ['附件1-政府网站检查情况统计表', 'attachment1-websites'] : ['附件2-政务新媒体检查情况统计表', 'attachment2-newmedia'];
    files.push([name(zn, en, 'csv'), tableCsv(t, lang)]);
    files.push([name(zn, en, 'md'), tableMarkdown(t, q, lang)]);
  }
  files.push([name('检查情况统计表', 'tables', 'xlsx'), await tableXlsx([r.tables.website, r.tables.newmedia], q, lang)]);
  files.push([name('检查情况统计表', 'tables', 'json'), JSON.stringify({ website: tableJson(r.tables.website, q, lang), newmedia: tableJson(r.tables.newmedia, q, lang) }, null, 2) + '\n']);
  files.push([name('不合格名单', 'failing', 'csv'), failingCsv(r.failing, lang)]);
  files.push([name('不合格名单', 'failing', 'md'), failingMarkdown(r.failing, undefined, lang)]);
  files.push([name('整改清单', 'fixes', 'csv'), fixCsv(r.fixes, lang)]);
  files.push([name('整改清单', 'fixes', 'md'), fixMarkdown(r.fixes, lang)]);
  files.push([name('名单与整改清单', 'lists', 'xlsx'), await listsXlsx({ failing: r.failing, fixes: r.fixes, changes: r.changes }, lang)]);
  if (r.changes) {
    files.push([name('问题环比', 'changes', 'csv'), changesCsv(r.changes, lang)]);
    files.push([name('问题环比', 'changes', 'md'), changesMarkdown(r.changes, lang)]);
  }
  const blocks = noticeBlocks({ quarter: q, runId: r.run.id, asOf: r.run.as_of, lang, tables: r.tables, failing: r.failing, categories: r.categories, changes: r.changes, letters: o.letters });
  files.push([name('检查情况通报-草稿', 'notice-draft', 'docx'), await noticeDocx(blocks, q, lang)]);
  files.push([name('检查情况通报-草稿', 'notice-draft', 'md'), noticeMarkdown(blocks, q, lang)]);
  for (const [f, body] of files) writeFileSync(path.join(dir, f), body);
  return files.map(([f]) => path.join(dir, f));
}
