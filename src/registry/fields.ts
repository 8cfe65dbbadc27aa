/**
 * Registry columns and the words people write in them. A registry file (CSV, XLSX or YAML) may use
 * Chinese or English headers; cell values for kind, platform and status are accepted in either language
 * and stored in one canonical form.
 */

export type RegistryField = 'seq' | 'name' | 'url' | 'siteCode' | 'kind' | 'platform' | 'source' | 'owner' | 'group' | 'status' | 'render';

/** Header text → field. Headers are compared after `normalizeHeader` (no spaces, full-width folded, lower case). */
export const HEADER_ALIASES: Record<RegistryField, string[]> = {
  seq: ['序号', '编号', 'id', 'no', 'no.', 'seq'],
  name: ['名称', '网站名称', '账号名称', '网站/账号名称', '网站或账号名称', 'name', 'sitename', 'accountname'],
  url: ['网址', '网站网址', '网站地址', '首页网址', '首页地址', '账号地址', '地址', 'url', 'homepage', 'address'],
  siteCode: ['网站标识码', '标识码', 'site_code', 'sitecode', 'site-code', 'code'],
  kind: ['类型', '类别', '网站/新媒体', 'kind', 'type'],
  platform: ['平台', '平台类型', '账号平台', '新媒体平台', 'platform'],
  source: ['来源', '数据源', '订阅源', '采集地址', 'source', 'feed'],
  owner: ['主办单位', '开办主体', '主管主办单位', '主办单位名称', 'owner', 'organizer'],
  group: ['部门/地区', '地区/部门', '部门或地区', '部门地区', '地区', '部门', '所属地区', '所属部门', '分组', 'group', 'region', 'department'],
  status: ['状态', '运行状态', '运作状态', 'status'],
  render: ['渲染', '渲染方式', '采集方式', 'render'],
};

/** Headers written by `registry export`, per language. */
export const EXPORT_HEADERS: Record<'zh' | 'en', Record<RegistryField, string>> = {
  zh: {
    seq: '序号',
    name: '名称',
    url: '网址',
    siteCode: '网站标识码',
    kind: '类型',
    platform: '平台',
    source: '来源',
    owner: '主办单位',
    group: '部门/地区',
    status: '状态',
    render: '渲染方式',
  },
  en: {
    seq: 'id',
    name: 'name',
    url: 'url',
    siteCode: 'site_code',
    kind: 'kind',
    platform: 'platform',
    source: 'source',
    owner: 'owner',
    group: 'group',
    status: 'status',
    render: 'render',
  },
};

export const FIELD_ORDER: RegistryField[] = ['seq', 'name', 'url', 'siteCode', 'kind', 'platform', 'source', 'owner', 'group', 'status', 'render'];

/** Folds full-width ASCII, removes spaces, unifies slashes and brackets, lower-cases. */
export function normalizeHeader(h: string): string {
  return h
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000]+/g, '')
    .replace(/[（(].*?[)）]/g, '') // 名称（必填） → 名称
    .replace(/[*＊]/g, '')
    .replace(/、|\\/g, '/')
    .toLowerCase();
}

const headerIndex = new Map<string, RegistryField>();
for (const [field, aliases] of Object.entries(HEADER_ALIASES) as Array<[RegistryField, string[]]>) {
  for (const a of aliases) headerIndex.set(normalizeHeader(a), field);
}

export function fieldOfHeader(h: string): RegistryField | undefined {
  return headerIndex.get(normalizeHeader(h));
}

export const KIND_VALUES: Record<string, 'website' | 'newmedia'> = {
  website: 'website',
  site: 'website',
  网站: 'website',
  政府网站: 'website',
  newmedia: 'newmedia',
  'new-media': 'newmedia',
  'new media': 'newmedia',
  account: 'newmedia',
  新媒体: 'newmedia',
  政务新媒体: 'newmedia',
  新媒体账号: 'newmedia',
};

/**
 * Platforms: the id stored in the registry (the id of its file in config/platforms/, which the new-media
 * gatherer uses), the name notices print, and the spellings accepted on import.
 */
export const PLATFORMS: Record<string, { zh: string; en: string; spellings: string[] }> = {
  wechat: { zh: '微信公众号', en: 'WeChat', spellings: ['微信公众号', '微信', '公众号', '微信服务号', '微信订阅号', 'wechat', 'weixin'] },
  weibo: { zh: '微博', en: 'Weibo', spellings: ['微博', '新浪微博', 'weibo'] },
  douyin: { zh: '抖音', en: 'Douyin', spellings: ['抖音', 'douyin', 'tiktok'] },
  toutiao: { zh: '今日头条', en: 'Toutiao', spellings: ['今日头条', '头条', '头条号', 'toutiao'] },
  kuaishou: { zh: '快手', en: 'Kuaishou', spellings: ['快手', 'kuaishou'] },
  channels: { zh: '视频号', en: 'WeChat Channels', spellings: ['视频号', '微信视频号', 'channels', 'wechat-channels'] },
  bilibili: { zh: '哔哩哔哩', en: 'Bilibili', spellings: ['哔哩哔哩', 'b站', 'bilibili'] },
  xiaohongshu: { zh: '小红书', en: 'Xiaohongshu', spellings: ['小红书', 'xiaohongshu', 'rednote'] },
  baijiahao: { zh: '百家号', en: 'Baijiahao', spellings: ['百家号', 'baijiahao'] },
  other: { zh: '其他', en: 'other', spellings: ['其他', '其它', 'other', 'generic'] },
};

const platformIndex = new Map<string, string>();
for (const [id, p] of Object.entries(PLATFORMS)) {
  for (const s of p.spellings) platformIndex.set(s.toLowerCase().replace(/\s+/g, ''), id);
}

/** The platform id for a value written in a registry (Chinese or English), or undefined. */
export function canonicalPlatform(v: string): string | undefined {
  return platformIndex.get(v.toLowerCase().replace(/\s+/g, ''));
}

/** The name to print for a platform id (ids that are not known print as they are). */
export function platformLabel(id: string | undefined, lang: 'zh' | 'en'): string {
  if (!id) return '';
  return PLATFORMS[id]?.[lang] ?? id;
}

export const STATUS_VALUES: Record<string, 'operating' | 'closed'> = {
  operating: 'operating',
  open: 'operating',
  active: 'operating',
  运作: 'operating',
  运行: 'operating',
  正常: 'operating',
  正常运行: 'operating',
  在运行: 'operating',
  开通: 'operating',
  closed: 'closed',
  close: 'closed',
  inactive: 'closed',
  关停: 'closed',
  关闭: 'closed',
  停用: 'closed',
  注销: 'closed',
  已关停: 'closed',
  已关闭: 'closed',
  下线: 'closed',
  整合: 'closed',
  已整合: 'closed',
  迁移: 'closed',
};

export const STATUS_LABEL: Record<'operating' | 'closed', { zh: string; en: string }> = {
  operating: { zh: '运作', en: 'operating' },
  closed: { zh: '关停', en: 'closed' },
};

export const KIND_LABEL: Record<'website' | 'newmedia', { zh: string; en: string }> = {
  website: { zh: '网站', en: 'website' },
  newmedia: { zh: '新媒体', en: 'newmedia' },
};
