/**
 * Downloads of a run: the notice's tables, the failing-site list, the 整改清单 and the notice draft, made by the
 * roll-ups (src/rollup/) and the report renderers (src/report/) — the same files `govcheck table` and `govcheck
 * notice` write. Ad-hoc runs (no registry snapshot, no quarter) get the tables of the sites they checked only.
 */
import type { Lang } from '../check-api/api.js';
import type { Rules } from '../config.js';
import type { GroupsConfig } from '../registry/groups.js';
import { computeTable, failingList, loadRunSites, previousRun, quarterChanges, quarterReport, type ChangesReport, type FailingEntry, type QuarterReport, type QuarterTable } from '../rollup/index.js';
import { changesCsv, failingCsv, fixCsv, listsXlsx } from '../report/lists.js';
import { noticeBlocks, noticeDocx } from '../report/notice.js';
import { tableCsv, tableXlsx } from '../report/tables.js';
import { parseQuarter, type Quarter } from '../run/quarter.js';
import type { DB, RunRow } from '../store/db.js';
import { runSites } from './data.js';

export interface RunReport {
  run: RunRow;
  quarter: Quarter;
  tables: { website: QuarterTable; newmedia: QuarterTable };
  /** The full roll-up (quarterly runs only). */
  report?: QuarterReport;
}

/** Quarter of a date (YYYY-MM-DD). */
export function quarterOfDate(date: string): Quarter {
  const [y, m] = date.split('-').map(Number);
  return parseQuarter(`${y}Q${Math.floor((m - 1) / 3) + 1}`);
}

export function runReport(db: DB, run: RunRow, rules: Rules, groups: GroupsConfig): RunReport {
  if (run.kind === 'quarter' && run.quarter) {
    const report = quarterReport(db, { runId: run.id }, rules, groups);
    return { run, quarter: report.quarter, tables: report.tables, report };
  }
  const quarter = quarterOfDate(run.as_of);
  const sites = runSites(db, run.id);
  // Ad-hoc sites need not belong to a configured group: list every group they name.
  const g: GroupsConfig = { ...groups, allowUnlisted: true };
  const meta = { quarter: quarter.id, runId: run.id, asOf: run.as_of };
  return { run, quarter, tables: { website: computeTable(sites, 'website', g, meta), newmedia: computeTable(sites, 'newmedia', g, meta) } };
}

/**
 * What a run's overview page shows, without the lists only the downloads need (整改清单, categories):
 * the tables, the failing list and the changes against the previous quarter (quarterly runs).
 */
export function runOverview(db: DB, run: RunRow, rules: Rules, groups: GroupsConfig): { tables: QuarterTable[]; failing: FailingEntry[]; changes?: ChangesReport } {
  if (run.kind === 'quarter' && run.quarter) {
    const quarter = parseQuarter(run.quarter);
    const sites = loadRunSites(db, run.id);
    const meta = { quarter: quarter.id, runId: run.id, asOf: run.as_of };
    const prev = previousRun(db, run);
    return {
      tables: [computeTable(sites, 'website', groups, meta), computeTable(sites, 'newmedia', groups, meta)],
      // The page lists the reasons, not their examples: no pass over every failing site's findings.
      failing: failingList(db, run.id, undefined, rules, groups, 0),
      changes: prev ? quarterChanges(db, run.id, prev.id, rules, groups) : undefined,
    };
  }
  const r = runReport(db, run, rules, groups);
  return { tables: [r.tables.website, r.tables.newmedia], failing: [] };
}

export interface DownloadDef {
  name: string;
  label: { zh: string; en: string };
  format: 'csv' | 'xlsx' | 'docx';
  /** Needs the full quarterly roll-up. */
  quarterly: boolean;
  make(r: RunReport, lang: Lang): Promise<Buffer> | Buffer;
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

export function contentType(format: DownloadDef['format']): string {
  return CONTENT_TYPES[format];
}

export const DOWNLOADS: DownloadDef[] = [
  { name: 'tables.xlsx', label: { zh: '附件1、2 检查情况统计表', en: 'Attachment tables 1 and 2' }, format: 'xlsx', quarterly: false, make: (r, lang) => tableXlsx([r.tables.website, r.tables.newmedia], r.quarter, lang) },
  { name: 'table-website.csv', label: { zh: '附件1 政府网站检查情况统计表', en: 'Attachment 1: websites' }, format: 'csv', quarterly: false, make: (r, lang) => tableCsv(r.tables.website, lang) },
  { name: 'table-newmedia.csv', label: { zh: '附件2 政务新媒体检查情况统计表', en: 'Attachment 2: new-media accounts' }, format: 'csv', quarterly: false, make: (r, lang) => tableCsv(r.tables.newmedia, lang) },
  { name: 'failing.csv', label: { zh: '不合格名单', en: 'Failing sites' }, format: 'csv', quarterly: true, make: (r, lang) => failingCsv(r.report!.failing, lang) },
  { name: 'fixes.csv', label: { zh: '整改清单', en: 'Problems to fix' }, format: 'csv', quarterly: true, make: (r, lang) => fixCsv(r.report!.fixes, lang) },
  {
    name: 'lists.xlsx',
    label: { zh: '不合格名单、整改清单与环比', en: 'Failing sites, problems to fix, changes' },
    format: 'xlsx',
    quarterly: true,
    make: (r, lang) => listsXlsx({ failing: r.report!.failing, fixes: r.report!.fixes, changes: r.report!.changes }, lang),
  },
  { name: 'changes.csv', label: { zh: '问题环比', en: 'Changes against the previous quarter' }, format: 'csv', quarterly: true, make: (r, lang) => changesCsv(r.report!.changes!, lang) },
  {
    name: 'notice.docx',
    label: { zh: '检查情况通报（草稿）', en: 'Notice draft' },
    format: 'docx',
    quarterly: true,
    make: async (r, lang) => {
      const q = r.report!;
      const blocks = noticeBlocks({ quarter: q.quarter, runId: q.run.id, asOf: q.run.as_of, lang, tables: q.tables, failing: q.failing, categories: q.categories, changes: q.changes });
      return noticeDocx(blocks, q.quarter, lang);
    },
  },
];

/** Whether a download exists for a run (`hasChanges`: the previous quarter was inspected). */
export function available(d: DownloadDef, run: RunRow, hasChanges: boolean): boolean {
  const quarterly = run.kind === 'quarter' && !!run.quarter;
  if (d.quarterly && !quarterly) return false;
  if (d.name === 'changes.csv' && !hasChanges) return false;
  return true;
}

/** File name of a download: ASCII, with the run id (sanitised). */
export function fileName(d: DownloadDef, r: RunReport): string {
  const id = r.run.id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `govcheck-${id}-${d.name}`;
}
