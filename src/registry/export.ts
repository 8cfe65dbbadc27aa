/**
 * Registry export: CSV (UTF-8 with BOM, for Excel and WPS), XLSX or YAML, with Chinese or English
 * headers and values. An exported file imports back to the same registry (the CSV's formula guard — a
 * leading ' before = + - @ — is taken off again on import).
 */
import ExcelJS from 'exceljs';
import { stringify as stringifyYaml } from 'yaml';
import { toCsv } from '../report/csv.js';
import { xlsxValues } from '../report/tables.js';
import { EXPORT_HEADERS, FIELD_ORDER, KIND_LABEL, platformLabel, STATUS_LABEL, type RegistryField } from './fields.js';
import type { RegistrySite } from './store.js';

function cells(s: RegistrySite, lang: 'zh' | 'en'): Record<RegistryField, string> {
  return {
    seq: s.seq ?? '',
    name: s.name ?? '',
    url: s.url,
    siteCode: s.siteCode ?? '',
    kind: KIND_LABEL[s.kind][lang],
    platform: lang === 'zh' ? platformLabel(s.platform, 'zh') : (s.platform ?? ''),
    source: s.source ?? '',
    owner: s.owner ?? '',
    group: s.group ?? '',
    status: STATUS_LABEL[s.status][lang],
    render: s.render ?? '',
  };
}

export function registryCsv(sites: RegistrySite[], lang: 'zh' | 'en' = 'zh'): Buffer {
  const header = FIELD_ORDER.map((f) => EXPORT_HEADERS[lang][f]);
  const rows = sites.map((s) => {
    const c = cells(s, lang);
    return FIELD_ORDER.map((f) => c[f]);
  });
  // The one CSV layer: a name starting with = + - @ is written with a leading ' (read back without it).
  return toCsv([header, ...rows]);
}

export async function registryXlsx(sites: RegistrySite[], lang: 'zh' | 'en' = 'zh'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(lang === 'zh' ? '名录' : 'registry');
  ws.columns = FIELD_ORDER.map((f) => ({ header: EXPORT_HEADERS[lang][f], key: f, width: f === 'url' || f === 'source' ? 40 : f === 'name' || f === 'owner' ? 28 : 12 }));
  ws.getRow(1).font = { bold: true };
  for (const s of sites) {
    const c = cells(s, lang);
    ws.addRow(xlsxValues(FIELD_ORDER.map((f) => c[f])));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function registryYaml(sites: RegistrySite[], lang: 'zh' | 'en' = 'zh'): string {
  const list = sites.map((s) => {
    const c = cells(s, lang);
    const o: Record<string, string> = {};
    for (const f of FIELD_ORDER) if (c[f]) o[EXPORT_HEADERS[lang][f]] = c[f];
    return o;
  });
  return stringifyYaml({ sites: list });
}
