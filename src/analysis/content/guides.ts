/**
 * Service guides (办事指南) and their key elements, for W-V6: name, legal basis, conditions, materials,
 * place, office, fees, time, phone, procedure. Each element is recognised by its usual labels (Simplified
 * and Traditional); the label lists are configuration because provinces word their guides differently.
 */
import { z } from 'zod';
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { DomUtils } from 'htmlparser2';
import { keywordRegExp } from './text.js';

export const guideElementSchema = z.object({
  id: z.string().min(1),
  label: z.object({ zh: z.string(), en: z.string() }),
  /** Labels that show the element is present. */
  labels: z.array(z.string().min(1)).min(1),
});
export type GuideElement = z.infer<typeof guideElementSchema>;

export const DEFAULT_GUIDE_ELEMENTS: GuideElement[] = [
  { id: 'name', label: { zh: '事项名称', en: 'name' }, labels: ['事项名称', '服务名称', '项目名称', '办事事项', '事项标题', '审批项目'] },
  { id: 'basis', label: { zh: '设定依据', en: 'legal basis' }, labels: ['设定依据', '法律依据', '实施依据', '办理依据', '政策依据', '法定依据', '法规依据', '审批依据'] },
  { id: 'conditions', label: { zh: '申请条件', en: 'conditions' }, labels: ['申请条件', '受理条件', '办理条件', '申报条件', '准入条件', '受理标准', '申请人条件'] },
  { id: 'materials', label: { zh: '申请材料', en: 'materials' }, labels: ['申请材料', '申报材料', '所需材料', '办理材料', '提交材料', '材料目录', '申请资料', '材料清单'] },
  { id: 'place', label: { zh: '办理地点', en: 'place' }, labels: ['办理地点', '受理地点', '办公地点', '服务地点', '窗口地址', '办理地址', '受理窗口'] },
  { id: 'office', label: { zh: '办理机构', en: 'office' }, labels: ['办理机构', '实施机构', '受理机构', '实施主体', '办理部门', '受理部门', '责任部门', '承办机构', '决定机构'] },
  { id: 'fees', label: { zh: '收费标准', en: 'fees' }, labels: ['收费标准', '是否收费', '收费依据', '收费情况', '办理费用', '收费项目', '不收费', '收费'] },
  { id: 'time', label: { zh: '办理时间', en: 'time' }, labels: ['办理时间', '受理时间', '办公时间', '工作时间', '服务时间', '办理时限', '承诺时限', '法定时限', '承诺办结时限'] },
  { id: 'phone', label: { zh: '咨询电话', en: 'phone' }, labels: ['咨询电话', '联系电话', '咨询方式', '监督电话', '投诉电话', '咨询投诉', '监督投诉'] },
  { id: 'procedure', label: { zh: '办理流程', en: 'procedure' }, labels: ['办理流程', '办理程序', '办事流程', '流程图', '审批流程', '办理步骤', '受理流程', '办理环节'] },
];

export const DEFAULT_GUIDE_TITLES = ['办事指南', '服务指南', '办事须知', '事项指南', '申办指南'];

/** Element ids found in a text. */
export function guideElementsIn(text: string, elements: GuideElement[]): string[] {
  return elements.filter((e) => keywordRegExp(e.labels).test(text)).map((e) => e.id);
}

/** A link drawn as an image (or with too little text to read): what it tells of its target. */
export interface ImageLink {
  url: string;
  /** Link target host and path, title, image file name, alt and nearby text, joined (lower-case for ASCII). */
  clue: string;
  file?: string;
  alt?: string;
  title?: string;
}

/** Words of a service entrance in image file names and host names (pinyin initials sites use). */
export const SERVICE_FILE_TOKENS = ['zwfw', 'bsdt', 'wsbs', 'ywtb', 'bszn', 'zxbs', 'wsbsdt', 'zwdt', 'banshi', 'bsfw', 'ggfw', 'bmfw'];
/** Host patterns of government service platforms (zwfw.*.gov.cn, *.zwfw.gov.cn, 政务服务网). */
export const SERVICE_HOSTS = [/(^|\.)zwfw\./, /\.zwfw\.gov\.cn$/, /(^|\.)(zwdt|ywtb|wsbs|bsdt|banshi)\./, /^(www\.)?gjzwfw\.gov\.cn$/];
/** Words of a consultation channel in image file names and host names. */
export const CHANNEL_FILE_TOKENS = ['hdjl', 'zmhd', 'ldxx', 'szxx', 'xzxx', 'qzxx', 'jzxx', 'zxzx', 'liuyan', 'hudong', 'zxts', 'wszx', 'xinxiang', 'mailbox'];
export const CHANNEL_HOSTS = [/(^|\.)(liuyan|hudong|hdjl|zmhd|12345)\./];

/**
 * Links whose visible text says too little (an image with an empty alt, a file name like zwfw.png): each with
 * the clues a reader uses instead — the target's host and path, `title`, the image file name and alt, and the
 * text right around the link.
 */
export function imageLinks($: CheerioAPI, base: string, max = 200): ImageLink[] {
  // Several checks ask for the same page's image links (interaction, services): found once per parsed page.
  let known = imageLinksOf.get($);
  if (!known) imageLinksOf.set($, (known = new Map()));
  const key = `${max}\u0000${base}`;
  let out = known.get(key);
  if (!out) known.set(key, (out = findImageLinks($, base, max)));
  return out;
}

const imageLinksOf = new WeakMap<CheerioAPI, Map<string, ImageLink[]>>();
const isImg = (n: AnyNode): boolean => (n as Element).name === 'img';

function findImageLinks($: CheerioAPI, base: string, max: number): ImageLink[] {
  const out: ImageLink[] = [];
  $('a[href]').each((_, node) => {
    if (out.length >= max) return false;
    // the DOM directly (what `.text()` and `.find('img').first()` read, without a selector per link)
    const text = DomUtils.textContent(node).replace(/\s+/g, '').trim();
    const imgEl = DomUtils.findOne(isImg, node.children, true);
    // Links drawn as an image, or with no text at all (a CSS background): text links are read by their text.
    if (text.length > 0 && !imgEl) return undefined;
    const a = $(node);
    const img = imgEl ? $(imgEl) : a.find('img').first();
    const href = (a.attr('href') ?? '').trim();
    if (!href || /^(#|javascript:|mailto:)/i.test(href)) return undefined;
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      return undefined;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    const src = img.attr('src') ?? '';
    const file = src ? decodeSafe(src.split(/[?#]/)[0].split('/').pop() ?? '') : undefined;
    const alt = img.attr('alt')?.trim() || undefined;
    const title = (a.attr('title') ?? img.attr('title'))?.trim() || undefined;
    // The text around the link counts only when it is a caption of this link alone (a short parent text, and the
    // parent holds no other link).
    const parent = a.parent();
    const around = parent.find('a').length === 1 ? parent.text().replace(/\s+/g, '') : '';
    const clue = [u.hostname, decodeSafe(u.pathname), title ?? '', file ?? '', alt ?? '', text, around.length <= 16 ? around : ''].join(' ');
    out.push({ url: u.href, clue, file, alt, title });
    return undefined;
  });
  return out;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when an image link's clues name a service entrance (or, with `channel`, a consultation channel). */
export function imageLinkMatches(l: ImageLink, words: RegExp, fileTokens: string[], hosts: RegExp[]): string | undefined {
  let host = '';
  try {
    host = new URL(l.url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const h = hosts.find((re) => re.test(host));
  if (h) return `host ${host}`;
  const name = (l.file ?? '').toLowerCase().replace(/\.[a-z0-9]+$/, '');
  const path = (() => {
    try {
      return new URL(l.url).pathname.toLowerCase();
    } catch {
      return '';
    }
  })();
  const tokenIn = (s: string) => fileTokens.find((t) => s.split(/[^a-z0-9]+/).some((x) => x === t || (x.startsWith(t) && /^\d*$/.test(x.slice(t.length)))));
  const ft = tokenIn(name);
  if (ft) return `image ${l.file}`;
  const pt = tokenIn(path);
  if (pt) return `path ${path}`;
  const w = words.exec(`${l.title ?? ''} ${l.alt ?? ''} ${l.clue}`);
  if (w) return `words ${w[0]}`;
  return undefined;
}
