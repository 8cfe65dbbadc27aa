/**
 * The attachment tables of the quarterly notice (附件1 websites, 附件2 new-media accounts): per department/region, in
 * the configured order, 运作总数, 检查总数, 不合格数 and 不合格率 (exact integer rounding), with a 合计 row.
 * What each column counts: docs/runs-and-tables.md and docs/modules.md.
 */
import { compareGroups, type GroupsConfig } from '../registry/groups.js';
import type { Quarter } from '../run/quarter.js';
import type { RunSite } from './data.js';

export type TableKind = 'website' | 'newmedia';

export interface TableRow {
  /** 序号 (1-based); undefined for the 合计 row. */
  seq?: number;
  group: string;
  operating: number;
  checked: number;
  failed: number;
  /** Failure rate as printed, e.g. "12.5". */
  rate: string;
}

export interface QuarterTable {
  kind: TableKind;
  quarter: string;
  runId: string;
  asOf: string;
  rows: TableRow[];
  total: TableRow;
  /** Entries the run could not finish (listed for manual review, not counted). */
  errors: number;
  /** Planned entries without a result yet (the run was interrupted). */
  unfinished: number;
}

/** failed/checked × 100 rounded half up to `decimals`, exactly (integer arithmetic), trailing zeros dropped. */
export function formatRate(failed: number, checked: number, decimals = 2): string {
  if (checked <= 0) return '0';
  const scale = 10n ** BigInt(decimals);
  const num = BigInt(failed) * 100n * scale;
  const den = BigInt(checked);
  const q = (2n * num + den) / (2n * den); // round half up (non-negative values)
  const int = q / scale;
  const frac = (q % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return frac ? `${int}.${frac}` : `${int}`;
}

export function computeTable(sites: RunSite[], kind: TableKind, groups: GroupsConfig, meta: { quarter: string; runId: string; asOf: string }): QuarterTable {
  const mine = sites.filter((s) => s.site.kind === kind);
  const byGroup = new Map<string, { operating: number; checked: number; failed: number }>();
  if (groups.showEmptyGroups) for (const g of groups.groups) byGroup.set(g, { operating: 0, checked: 0, failed: 0 });
  let errors = 0;
  let unfinished = 0;
  for (const s of mine) {
    const g = s.site.group ?? '—';
    const row = byGroup.get(g) ?? { operating: 0, checked: 0, failed: 0 };
    byGroup.set(g, row);
    row.operating++;
    if (s.result?.outcome === 'checked') {
      row.checked++;
      if (s.result.verdict === 'fail') row.failed++;
    } else if (s.result?.outcome === 'error') errors++;
    else if (s.planned) unfinished++;
  }
  const names = [...byGroup.keys()].sort((a, b) => compareGroups(groups, a, b));
  const rows: TableRow[] = names.map((g, i) => {
    const r = byGroup.get(g)!;
    return { seq: i + 1, group: g, ...r, rate: formatRate(r.failed, r.checked, groups.rateDecimals) };
  });
  const sum = (k: 'operating' | 'checked' | 'failed') => rows.reduce((s, r) => s + r[k], 0);
  const total: TableRow = { group: '合计', operating: sum('operating'), checked: sum('checked'), failed: sum('failed'), rate: '' };
  total.rate = formatRate(total.failed, total.checked, groups.rateDecimals);
  return { kind, quarter: meta.quarter, runId: meta.runId, asOf: meta.asOf, rows, total, errors, unfinished };
}

export const CN_ATTACHMENT = { website: 1, newmedia: 2 } as const;

/** Title of the table as the notice prints it. */
export function tableTitle(kind: TableKind, q: Quarter, lang: 'zh' | 'en', province?: string): string {
  const cn = ['一', '二', '三', '四'][q.q - 1];
  // Notices say 全省 (the whole province) whatever the province is called.
  if (lang === 'zh') return `${q.year}年第${cn}季度全省${kind === 'website' ? '政府网站' : '政务新媒体'}检查情况统计表`;
  return `${kind === 'website' ? 'Government websites' : 'Government new-media accounts'} inspected in ${q.year} Q${q.q}${province ? ` (${province})` : ''}`;
}

export function tableHeaders(kind: TableKind, lang: 'zh' | 'en'): string[] {
  return lang === 'zh'
    ? ['序号', '部门/地区', kind === 'website' ? '运作网站总数(个)' : '运作政务新媒体总数(个)', '检查总数(个)', '不合格数(个)', '不合格率(%)']
    : ['No.', 'Department/region', kind === 'website' ? 'Websites operating' : 'Accounts operating', 'Checked', 'Failed', 'Failure rate (%)'];
}

/** Rows as cells (strings and numbers), the 合计 row last. */
export function tableCells(t: QuarterTable, lang: 'zh' | 'en'): Array<Array<string | number>> {
  return [...t.rows.map((r) => [r.seq!, r.group, r.operating, r.checked, r.failed, r.rate]), ['', lang === 'zh' ? '合计' : 'Total', t.total.operating, t.total.checked, t.total.failed, t.total.rate]];
}
