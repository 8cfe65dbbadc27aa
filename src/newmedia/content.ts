/**
 * Normalising a post's body (an HTML fragment from a feed or from a rendered page) into what the checks read: plain
 * text (block elements on their own lines, for typos and privacy-leaks), media with their kind (images also from the
 * lazy-loading attributes platforms use: data-src, data-original…), and the links a reader can follow.
 */
import * as cheerio from 'cheerio';
import type { AnyNode } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { processHtml } from '../check-api/pages.js';
import type { AccountPost } from '../types.js';

export type Media = AccountPost['media'][number];

const LAZY_ATTRS = ['data-src', 'data-original', 'data-lazy-src', 'data-url', 'src'];

/** Absolute http(s) URL, or undefined for data:, javascript:, empty or malformed values. */
export function absoluteUrl(raw: string | undefined | null, base: string | undefined): string | undefined {
  const v = (raw ?? '').trim();
  if (!v || /^(data|javascript|mailto|tel|blob|about):/i.test(v) || v.startsWith('#')) return undefined;
  try {
    const u = new URL(v, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    return u.href;
  } catch {
    return undefined;
  }
}

export function mediaKindFromType(type: string | undefined, url?: string): Media['kind'] | undefined {
  const t = (type ?? '').toLowerCase();
  if (t.startsWith('image') || t === 'photo') return 'image';
  if (t.startsWith('video')) return 'video';
  if (t.startsWith('audio')) return 'audio';
  const ext = url ? /\.([a-z0-9]{2,5})(?:$|[?#])/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() : undefined;
  if (!ext) return undefined;
  if (['jpg', 'jpeg', 'png', 'gif', 'webp', 'bmp', 'svg', 'avif'].includes(ext)) return 'image';
  if (['mp4', 'webm', 'mov', 'm3u8', 'flv', 'avi', 'wmv'].includes(ext)) return 'video';
  if (['mp3', 'm4a', 'aac', 'wav', 'ogg', 'amr'].includes(ext)) return 'audio';
  return undefined;
}

export interface BodyContent {
  text: string;
  media: Media[];
  links: string[];
}

/** Text, media and links of an HTML fragment (a feed item's content, a rendered post's body). */
export function contentFromHtml(html: string, baseUrl: string | undefined): BodyContent {
  const dom = parseDocument(`<div>${html}</div>`, { decodeEntities: true });
  const base = baseUrl ?? 'http://invalid.invalid/';
  const extracted = processHtml(dom, base);
  const $ = cheerio.load(dom as unknown as AnyNode, {}, false);
  const media: Media[] = [];
  const seen = new Set<string>();
  const push = (url: string | undefined, kind: Media['kind']) => {
    if (!url || seen.has(url)) return;
    seen.add(url);
    media.push({ url, kind });
  };
  $('img').each((_, el) => {
    const attrs = (el as unknown as { attribs: Record<string, string> }).attribs;
    const raw = LAZY_ATTRS.map((a) => attrs[a]).find((v) => v && !/^data:/i.test(v.trim()));
    push(absoluteUrl(raw, baseUrl), 'image');
  });
  $('video, audio').each((_, el) => {
    const $el = $(el);
    const kind = (el as unknown as { name: string }).name === 'audio' ? 'audio' : 'video';
    push(absoluteUrl($el.attr('src') ?? $el.attr('data-src'), baseUrl), kind);
    $el.find('source').each((__, s) => push(absoluteUrl($(s).attr('src'), baseUrl), kind));
    if ($el.attr('poster')) push(absoluteUrl($el.attr('poster'), baseUrl), 'image');
  });
  $('iframe[src], embed[src]').each((_, el) => {
    const url = absoluteUrl($(el).attr('src'), baseUrl);
    if (url) push(url, mediaKindFromType(undefined, url) ?? 'video');
  });
  const links: string[] = [];
  for (const l of extracted.links) {
    if (!l.url || l.skipped || l.malformed) continue;
    if (l.element !== 'a' && l.element !== 'area') continue;
    if (!baseUrl && l.url.startsWith(base)) continue; // relative link with nothing to resolve it against
    if (!links.includes(l.url)) links.push(l.url);
  }
  return { text: collapseWhitespace(extracted.text), media, links };
}

/** Collapses runs of blank lines and spaces; keeps line breaks between blocks. */
export function collapseWhitespace(s: string): string {
  return s
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0\u3000]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** Plain text of a string that may hold HTML (a feed title or summary). */
export function plainText(s: string | undefined): string {
  if (!s) return '';
  if (!/[<&]/.test(s)) return s.trim();
  return collapseWhitespace(processHtml(parseDocument(`<div>${s}</div>`, { decodeEntities: true }), 'http://invalid.invalid/').text);
}
