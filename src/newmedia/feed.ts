/**
 * The `feed` source adapter: RSS (0.9x, 2.0, RDF 1.0), Atom and JSON Feed, as self-hosted bridges such as RSSHub
 * publish them for WeChat, Weibo, Douyin and the rest, parsed with feedsmith. Notes: docs/modules.md.
 */
import iconv from 'iconv-lite';
import { parseFeed } from 'feedsmith';
import { canonicalEncoding } from '../check-api/pages.js';
import type { AccountArtifact, AccountPost } from '../types.js';
import { absoluteUrl, contentFromHtml, mediaKindFromType, plainText, type Media } from './content.js';
import { parseSourceDate } from './dates.js';

export interface DecodedFeed {
  text: string;
  encoding: string;
  /** What the feed declared, when it was not what decoded it cleanly. */
  mismatch?: { declared: string; used: string };
}

function replacementRatio(s: string): number {
  if (!s.length) return 0;
  let n = 0;
  for (let i = s.indexOf('\uFFFD'); i !== -1; i = s.indexOf('\uFFFD', i + 1)) n++;
  return n / s.length;
}

function decodeAs(buf: Buffer, enc: string): string | undefined {
  if (enc === 'utf-8') return new TextDecoder('utf-8').decode(buf);
  return iconv.encodingExists(enc) ? iconv.decode(buf, enc) : undefined;
}

/** Decodes a feed body: BOM, header charset, XML declaration, then UTF-8 / GB18030, keeping the cleanest. */
export function decodeFeed(buf: Buffer, headerCharset?: string): DecodedFeed {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: buf.subarray(3).toString('utf8'), encoding: 'utf-8' };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { text: iconv.decode(buf.subarray(2), 'utf-16le'), encoding: 'utf-16le' };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { text: iconv.decode(buf.subarray(2), 'utf-16be'), encoding: 'utf-16be' };
  const head = buf.subarray(0, 512).toString('latin1');
  const xmlDeclared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1];
  const declared = canonicalEncoding(headerCharset) ?? canonicalEncoding(xmlDeclared);
  const candidates = [declared ?? 'utf-8', 'utf-8', 'gb18030'].filter((e, i, a) => a.indexOf(e) === i);
  let best: { text: string; encoding: string; ratio: number } | undefined;
  for (const enc of candidates) {
    const text = decodeAs(buf, enc);
    if (text === undefined) continue;
    const ratio = replacementRatio(text);
    if (!best || ratio < best.ratio) best = { text, encoding: enc, ratio };
    if (ratio === 0) break;
  }
  const out: DecodedFeed = best ? { text: best.text, encoding: best.encoding } : { text: buf.toString('utf8'), encoding: 'utf-8' };
  if (declared && out.encoding !== declared) out.mismatch = { declared, used: out.encoding };
  return out;
}

/** True when a body looks like a feed (for choosing the adapter by content). */
export function looksLikeFeed(contentType: string | undefined, head: string): boolean {
  const t = (contentType ?? '').toLowerCase();
  if (/(rss|atom|feed)\+(xml|json)|application\/xml|text\/xml|application\/json/.test(t)) return true;
  const s = head
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 600);
  if (/^<\?xml/i.test(s) || /^<(rss|feed|rdf:RDF)\b/i.test(s)) return !/^<!doctype html|<html/i.test(s);
  return /^\{[\s\S]*"version"\s*:\s*"https?:\/\/jsonfeed\.org/i.test(s);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
/** A string from a plain value or an Atom text construct ({ value }). */
const str = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  const o = obj(v);
  if (o && typeof o.value === 'string') return o.value;
  return undefined;
};

export interface FeedParseOptions {
  /** The feed's own URL (base for relative links). */
  sourceUrl: string;
  platform: string;
  /** When the feed was fetched (epoch ms): relative dates and plausibility are judged from it. */
  fetchedAt: number;
  maxPosts: number;
}

export class FeedFormatError extends Error {}

/** Parses a decoded feed into the account artifact (posts newest first). Throws FeedFormatError when it is no feed. */
export function accountFromFeed(text: string, o: FeedParseOptions): AccountArtifact {
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(text) as { format: string; feed: unknown };
  } catch (e) {
    throw new FeedFormatError(`not a readable RSS, Atom or JSON feed: ${(e as Error).message}`);
  }
  const feed = obj(parsed.feed) ?? {};
  const items = arr(parsed.format === 'atom' ? feed.entries : feed.items);
  const feedLink = parsed.format === 'atom' ? atomLink(feed.links) : parsed.format === 'json' ? str(feed.home_page_url) : str(feed.link);
  const base = absoluteUrl(feedLink, o.sourceUrl) ?? o.sourceUrl;
  const posts = items.map((it, i) => itemToPost(obj(it) ?? {}, parsed.format, base, o.fetchedAt, i));
  return {
    platform: o.platform,
    sourceKind: 'feed',
    sourceUrl: o.sourceUrl,
    name: plainText(str(feed.title)) || undefined,
    fetchedAt: new Date(o.fetchedAt).toISOString(),
    format: parsed.format,
    posts: newestFirst(posts).slice(0, o.maxPosts),
    menus: [],
    menusExtracted: false,
  };
}

/** Sorts posts newest first; undated ones keep their source order after the dated ones. */
export function newestFirst(posts: AccountPost[]): AccountPost[] {
  return posts
    .map((p, i) => ({ p, i, t: p.publishedAt ? Date.parse(p.publishedAt) : -Infinity }))
    .sort((a, b) => b.t - a.t || a.i - b.i)
    .map((x) => x.p);
}

function atomLink(links: unknown): string | undefined {
  const list = arr(links).map(obj).filter(Boolean) as Obj[];
  const alt = list.find((l) => !l.rel || l.rel === 'alternate') ?? list[0];
  return alt ? str(alt.href) : undefined;
}

function itemToPost(it: Obj, format: string, base: string, fetchedAt: number, index: number): AccountPost {
  let title: string | undefined;
  let link: string | undefined;
  let html = '';
  let rawDate: unknown;
  let id: string | undefined;
  const extraMedia: Array<{ url?: string; type?: string; medium?: string }> = [];
  if (format === 'json') {
    title = str(it.title);
    link = str(it.url) ?? str(it.external_url);
    html = str(it.content_html) ?? escapeText(str(it.content_text)) ?? str(it.summary) ?? '';
    rawDate = it.date_published ?? it.date_modified;
    id = str(it.id);
    for (const key of ['image', 'banner_image']) if (str(it[key])) extraMedia.push({ url: str(it[key]), type: 'image' });
    for (const a of arr(it.attachments).map(obj)) if (a) extraMedia.push({ url: str(a.url), type: str(a.mime_type) });
  } else if (format === 'atom') {
    title = str(it.title);
    link = atomLink(it.links);
    html = str(it.content) ?? str(it.summary) ?? '';
    if (obj(it.content)?.type === 'text') html = escapeText(html) ?? '';
    rawDate = it.published ?? it.updated ?? obj(it.dc)?.date;
    id = str(it.id);
    for (const l of arr(it.links).map(obj)) if (l && l.rel === 'enclosure') extraMedia.push({ url: str(l.href), type: str(l.type) });
  } else {
    title = str(it.title);
    link = str(it.link) ?? (obj(it.guid)?.isPermaLink !== false ? str(it.guid) : undefined);
    html = str(obj(it.content)?.encoded) ?? str(it.description) ?? '';
    rawDate = it.pubDate ?? obj(it.dc)?.date ?? obj(it.dcterms)?.created;
    id = str(it.guid) ?? link;
    for (const e of arr(it.enclosures ?? it.enclosure).map(obj)) if (e) extraMedia.push({ url: str(e.url), type: str(e.type) });
  }
  const media = obj(it.media);
  if (media) {
    const contents = [...arr(media.contents), ...arr(obj(media.group)?.contents), ...arr(media.thumbnails)];
    for (const c of contents.map(obj)) if (c) extraMedia.push({ url: str(c.url), type: str(c.type), medium: str(c.medium) ?? (media.thumbnails && arr(media.thumbnails).includes(c) ? 'image' : undefined) });
  }
  const url = absoluteUrl(link, base);
  const body = contentFromHtml(html, url ?? base);
  const all: Media[] = [...body.media];
  for (const m of extraMedia) {
    const u = absoluteUrl(m.url, url ?? base);
    if (!u || all.some((x) => x.url === u)) continue;
    const kind = mediaKindFromType(m.medium ?? m.type, u);
    all.push({ url: u, kind: kind ?? 'image' });
  }
  const date = parseSourceDate(typeof rawDate === 'string' ? rawDate.trim() : rawDate, fetchedAt);
  const rawText = typeof rawDate === 'string' ? rawDate : rawDate === undefined || rawDate === null ? undefined : String(rawDate);
  const post: AccountPost = {
    id: id ?? url ?? `item-${index + 1}`,
    title: plainText(title),
    url,
    text: body.text,
    media: all,
    links: body.links.filter((l) => l !== url),
  };
  if (date.iso) post.publishedAt = date.iso;
  if (rawText !== undefined) post.dateRaw = rawText;
  if (date.problem && rawText !== undefined && rawText.trim() !== '') post.dateProblem = date.problem;
  return post;
}

function escapeText(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .split(/\n+/)
    .map((l) => `<p>${l}</p>`)
    .join('');
}
