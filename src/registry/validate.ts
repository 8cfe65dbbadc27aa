/**
 * Validation of registry rows. Every bad row is reported with its line number and the reason (in Chinese and
 * English); a file with any bad row imports nothing. Notes: docs/modules.md.
 */
import { SITE_CODE_FORMAT } from '../analysis/content/site-code.js';
import type { SiteRef } from '../types.js';
import { canonicalPlatform, EXPORT_HEADERS, KIND_VALUES, PLATFORMS, STATUS_VALUES, type RegistryField } from './fields.js';
import { resolveGroup, type GroupsConfig } from './groups.js';
import type { RawTable } from './read.js';

export interface RegistryEntry extends SiteRef {
  status: 'operating' | 'closed';
  /** The registry's own number (序号/id column), kept for listing order. */
  seq?: string;
  /** Line of the file the entry came from. */
  line: number;
}

export interface Reason {
  zh: string;
  en: string;
}

export interface RowError {
  /** 0 for problems of the file as a whole (missing columns). */
  line: number;
  field?: RegistryField;
  value?: string;
  reason: Reason;
}

export interface ValidationResult {
  entries: RegistryEntry[];
  errors: RowError[];
  /** Not errors: ignored columns and the like. */
  warnings: Reason[];
}

/** Parses a registry URL; a value without a scheme ("www.x.gov.cn") is taken as http://. */
export function parseRegistryUrl(v: string): URL | undefined {
  const s = v.trim();
  // Anything before "://" is a scheme, valid or not ("ht!tp://x" is not a host named "ht!tp").
  if (/^[^/?#]*:\/\//.test(s) && !/^https?:\/\//i.test(s)) return undefined;
  // "www.x.gov.cn:8080/p" is a host and port, not a scheme.
  const withScheme = /^[a-z][a-z0-9+.-]*:(?!\d+(?:[/?#]|$))/i.test(s) ? s : `http://${s}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (!u.hostname || /\s/.test(s)) return undefined;
  // A host name of letters, digits, hyphens (and the underscores some intranet hosts have; IDN already in
  // punycode), or an IP address.
  if (!/^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.?$/i.test(u.hostname) && !/^\[[0-9a-f:.]+\]$/i.test(u.hostname)) return undefined;
  u.hash = '';
  return u;
}

/** Key under which two URLs are the same site: host (lower case, default port dropped), path without trailing slash, query. */
export function urlKey(u: URL): string {
  return `${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.search}`;
}

/**
 * The one site id of a URL: host, path without trailing slash, and query for websites (the registry import
 * and `govcheck check`), "nm:" + platform + the same for accounts.
 */
export function entryId(kind: SiteRef['kind'], u: URL, platform?: string): string {
  const hp = `${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  return kind === 'newmedia' ? `nm:${platform ?? 'other'}:${hp}` : hp;
}

function describe(field: RegistryField): Reason {
  return { zh: EXPORT_HEADERS.zh[field], en: field === 'siteCode' ? 'site_code' : field };
}

export function validateRegistry(table: RawTable, groups: GroupsConfig): ValidationResult {
  const errors: RowError[] = [];
  const warnings: Reason[] = [];
  const entries: RegistryEntry[] = [];
  if (table.ignored.length) {
    warnings.push({ zh: `忽略未识别的列：${table.ignored.join('、')}`, en: `ignored unknown columns: ${table.ignored.join(', ')}` });
  }
  const has = new Set(table.fields);
  const headerLine = table.headerLine ?? 0;
  if (!has.has('name')) errors.push({ line: headerLine, field: 'name', reason: { zh: '缺少“名称”列（网站名称或账号名称）', en: 'missing column name (网站名称/账号名称)' } });
  if (!has.has('group')) errors.push({ line: headerLine, field: 'group', reason: { zh: '缺少“部门/地区”列', en: 'missing column group (部门/地区)' } });
  if (!has.has('url') && !has.has('source')) errors.push({ line: headerLine, field: 'url', reason: { zh: '缺少“网址”列', en: 'missing column url (网址)' } });
  if (errors.length) return { entries, errors, warnings };
  if (!table.rows.length) {
    errors.push({ line: headerLine, reason: { zh: '文件中没有任何网站或账号', en: 'the file lists no site or account' } });
    return { entries, errors, warnings };
  }

  const seenUrl = new Map<string, number>();
  const seenCode = new Map<string, number>();
  const seenAccount = new Map<string, number>();
  const knownPlatforms = Object.values(PLATFORMS)
    .map((p) => p.zh)
    .join('、');
  const knownPlatformsEn = Object.keys(PLATFORMS).join(', ');

  for (const row of table.rows) {
    const { line, cells } = row;
    const bad = (field: RegistryField | undefined, value: string | undefined, zh: string, en: string) => errors.push({ line, field, value, reason: { zh, en } });
    if (row.problem) {
      bad(undefined, undefined, row.problem.split(' / ')[1] ?? row.problem, row.problem.split(' / ')[0]);
      continue;
    }
    const before = errors.length;

    // kind: explicit, else new media when a platform is given, else website.
    let kind: SiteRef['kind'] = cells.platform ? 'newmedia' : 'website';
    if (cells.kind) {
      const k = KIND_VALUES[cells.kind.toLowerCase()] ?? KIND_VALUES[cells.kind];
      if (!k) bad('kind', cells.kind, `类型“${cells.kind}”无效，应为 网站/website 或 新媒体/newmedia`, `kind "${cells.kind}" is not website or newmedia`);
      else kind = k;
    }
    const name = cells.name ?? '';
    if (!name) bad('name', undefined, `缺少${kind === 'newmedia' ? '账号' : '网站'}名称`, `missing ${kind === 'newmedia' ? 'account' : 'site'} name`);

    let group: string | undefined;
    if (!cells.group) bad('group', undefined, '缺少“部门/地区”', 'missing group (部门/地区)');
    else {
      group = resolveGroup(groups, cells.group);
      if (!group) {
        bad('group', cells.group, `部门/地区“${cells.group}”不在分组配置中（${groups.groups.join('、')}）`, `unknown group "${cells.group}" (configured: ${groups.groups.join(', ')})`);
      }
    }

    let status: RegistryEntry['status'] = 'operating';
    if (cells.status) {
      const s = STATUS_VALUES[cells.status.toLowerCase()] ?? STATUS_VALUES[cells.status.replace(/\s+/g, '')];
      if (!s) bad('status', cells.status, `状态“${cells.status}”无效，应为 运作 或 关停`, `status "${cells.status}" is not operating or closed`);
      else status = s;
    }

    let platform: string | undefined;
    if (kind === 'newmedia') {
      if (!cells.platform) bad('platform', undefined, `新媒体账号缺少“平台”（${knownPlatforms}）`, `new-media account without platform (${knownPlatformsEn})`);
      else {
        platform = canonicalPlatform(cells.platform);
        if (!platform) bad('platform', cells.platform, `平台“${cells.platform}”无效，应为：${knownPlatforms}`, `unknown platform "${cells.platform}" (known: ${knownPlatformsEn})`);
      }
    } else if (cells.platform) {
      bad('platform', cells.platform, '网站不应填写“平台”（新媒体账号请将类型填为 新媒体）', 'a website has no platform (set kind to newmedia for an account)');
    }

    let url: URL | undefined;
    if (cells.url) {
      url = parseRegistryUrl(cells.url);
      if (!url) bad('url', cells.url, `网址“${cells.url}”不是有效的 http(s) 地址`, `url "${cells.url}" is not a valid http(s) address`);
    } else if (kind === 'website') {
      bad('url', undefined, '缺少网站网址', 'missing site URL');
    }
    let source: URL | undefined;
    if (cells.source) {
      source = parseRegistryUrl(cells.source);
      if (!source) bad('source', cells.source, `来源“${cells.source}”不是有效的 http(s) 地址`, `source "${cells.source}" is not a valid http(s) address`);
    }
    if (kind === 'newmedia' && !cells.url && !cells.source) bad('url', undefined, '新媒体账号须填写网址或来源（订阅源/页面地址）', 'a new-media account needs a url or a source (feed or page URL)');

    let siteCode: string | undefined;
    if (cells.siteCode) {
      siteCode = cells.siteCode.replace(/\s+/g, '');
      if (!SITE_CODE_FORMAT.test(siteCode)) bad('siteCode', cells.siteCode, `网站标识码“${cells.siteCode}”格式错误（应为10位数字，或 bm 加8位数字）`, `site_code "${cells.siteCode}" is not 10 digits or "bm" + 8 digits`);
      else siteCode = siteCode.toLowerCase().startsWith('bm') ? `bm${siteCode.slice(2)}` : siteCode;
    }

    let render: SiteRef['render'];
    if (cells.render) {
      const r = cells.render.toLowerCase();
      if (r === 'html' || r === 'browser') render = r;
      else if (['浏览器', '浏览器渲染', '动态'].includes(cells.render)) render = 'browser';
      else if (['静态', '网页'].includes(cells.render)) render = 'html';
      else bad('render', cells.render, `渲染方式“${cells.render}”无效，应为 html 或 browser`, `render "${cells.render}" is not html or browser`);
    }

    // Duplicates inside the file.
    const primary = url ?? source;
    if (primary) {
      const key = `${kind}|${urlKey(primary)}`;
      const first = seenUrl.get(key);
      if (first !== undefined) bad(url ? 'url' : 'source', url ? cells.url : cells.source, `网址重复：与第${first}行相同`, `duplicate URL: same as line ${first}`);
      else if (errors.length === before) seenUrl.set(key, line);
    }
    if (siteCode) {
      const first = seenCode.get(siteCode);
      if (first !== undefined) bad('siteCode', cells.siteCode, `网站标识码重复：与第${first}行相同`, `duplicate site_code: same as line ${first}`);
      else if (errors.length === before) seenCode.set(siteCode, line);
    }
    if (kind === 'newmedia' && platform && name) {
      const key = `${platform}|${name}`;
      const first = seenAccount.get(key);
      if (first !== undefined) bad('name', name, `同一平台账号重复：与第${first}行相同（${platform}·${name}）`, `duplicate account: ${platform} ${name} is on line ${first} too`);
      else if (errors.length === before) seenAccount.set(key, line);
    }

    if (errors.length > before || !primary) continue;
    entries.push({
      id: entryId(kind, primary, platform),
      url: primary.href,
      name,
      kind,
      group,
      owner: cells.owner,
      siteCode,
      platform,
      source: source?.href,
      render,
      status,
      seq: cells.seq,
      line,
    });
  }
  return { entries, errors, warnings };
}

export function formatRowError(e: RowError, lang: 'zh' | 'en'): string {
  const where = e.line ? (lang === 'zh' ? `第${e.line}行` : `line ${e.line}`) : lang === 'zh' ? '文件' : 'file';
  const field = e.field ? (lang === 'zh' ? `［${describe(e.field).zh}］` : ` [${describe(e.field).en}]`) : '';
  return `${where}${field}${lang === 'zh' ? '：' : ': '}${e.reason[lang]}`;
}
