import type { AnyNode, Document, Element } from 'domhandler';
import type { LinkRef, RefKind, SkipReason } from '../types.js';

/** File extensions inspectors count as attachments (附件). */
export const ATTACHMENT_EXTENSIONS = new Set([
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'wps', 'et', 'dps', 'ofd', 'ceb', 'caj',
  'zip', 'rar', '7z', 'tar', 'gz', 'csv', 'txt', 'rtf', 'odt', 'ods', 'apk', 'exe', 'dmg',
]);
/** Extensions that are never HTML pages (not crawled as pages, only verified). */
const RESOURCE_EXTENSIONS = new Set([
  'jpg', 'jpeg', 'png', 'gif', 'bmp', 'webp', 'svg', 'ico', 'tif', 'tiff', 'css', 'js', 'mjs', 'json', 'xml',
  'mp3', 'mp4', 'avi', 'flv', 'wmv', 'mov', 'webm', 'ogg', 'wav', 'swf', 'woff', 'woff2', 'ttf', 'eot', 'otf',
]);

export function extensionOf(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  const dot = last.lastIndexOf('.');
  return dot > 0 ? last.slice(dot + 1).toLowerCase() : '';
}

export function isAttachmentUrl(url: URL): boolean {
  return ATTACHMENT_EXTENSIONS.has(extensionOf(url));
}

export function isResourceUrl(url: URL): boolean {
  return RESOURCE_EXTENSIONS.has(extensionOf(url));
}

const SKIP_SCHEMES: Record<string, SkipReason> = {
  'mailto:': 'mailto',
  'tel:': 'tel',
  'javascript:': 'javascript',
  'data:': 'data',
  'sms:': 'sms',
};

/** Elements whose text is not visible page text. */
const INVISIBLE = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg', 'object', 'iframe', 'select']);
const BLOCK = new Set([
  'p', 'div', 'br', 'li', 'ul', 'ol', 'tr', 'td', 'th', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'section', 'article', 'header', 'footer', 'nav', 'aside', 'dd', 'dt', 'dl', 'form', 'blockquote', 'pre', 'hr', 'main', 'title',
]);

export interface Extracted {
  title: string;
  /** Visible text, block elements separated by newlines. */
  text: string;
  meta: Record<string, string>;
  links: LinkRef[];
  baseHref?: string;
}

export interface ExtractOptions {
  pageUrl: string;
  /** Hosts (URL.host, lower-case) that belong to the site. */
  siteHosts: ReadonlySet<string>;
}

function attr(el: Element, name: string): string | undefined {
  return el.attribs[name];
}

function textOf(node: AnyNode): string {
  if (node.type === 'text') return (node as unknown as { data: string }).data;
  if ('children' in node) return (node.children as AnyNode[]).map(textOf).join('');
  return '';
}

const URL_IN_CSS = /url\(\s*(['"]?)([^'")]+?)\1\s*\)/gi;

function looksLikeMistypedScheme(raw: string): string | undefined {
  if (/^(https?)[;：:]?\/\/?[^/]/i.test(raw) && !/^https?:\/\/[^/]/i.test(raw)) return 'mistyped scheme';
  if (/^https?:\/{3,}/i.test(raw)) return 'too many slashes after scheme';
  if (/%(?![0-9a-fA-F]{2})/.test(raw)) return 'bad percent-encoding';
  return undefined;
}

/**
 * One walk over the parsed document: title, visible text, standard meta tags, and every outgoing
 * reference with its element, attribute, selector and text, resolved against <base href>.
 */
export function extractPage(doc: Document, opts: ExtractOptions): Extracted {
  const meta: Record<string, string> = {};
  const links: LinkRef[] = [];
  const textParts: string[] = [];
  let title = '';
  let baseHref: string | undefined;

  // <base href> applies to every URL in the document, wherever it stands; the first one with href wins.
  const findBase = (n: AnyNode): boolean => {
    if (n.type === 'tag' && (n as Element).name === 'base' && attr(n as Element, 'href') !== undefined) {
      baseHref = attr(n as Element, 'href');
      return true;
    }
    if ('children' in n) for (const c of n.children as AnyNode[]) if (findBase(c)) return true;
    return false;
  };
  findBase(doc);
  let base = opts.pageUrl;
  if (baseHref !== undefined && baseHref.trim() !== '') {
    try {
      base = new URL(baseHref.trim(), opts.pageUrl).href;
    } catch {
      /* an invalid base href is ignored, as browsers do */
    }
  }

  const add = (el: Element, selector: string, attribute: string, raw: string, kind: RefKind, text: string) => {
    const trimmed = raw.trim();
    const ref: LinkRef = { url: null, raw, element: el.name, attribute, selector, text: text.trim().replace(/\s+/g, ' ').slice(0, 200), kind, attachment: false, internal: false };
    const lower = trimmed.toLowerCase();
    if (trimmed === '' && (attribute === 'href' || attribute === 'src')) {
      // An empty href points at the page itself: nothing to verify.
      ref.skipped = 'fragment';
      links.push(ref);
      return;
    }
    if (trimmed.startsWith('#')) {
      ref.skipped = 'fragment';
      ref.fragment = trimmed.slice(1);
      links.push(ref);
      return;
    }
    const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(lower)?.[1];
    if (scheme && SKIP_SCHEMES[scheme]) {
      ref.skipped = SKIP_SCHEMES[scheme];
      links.push(ref);
      return;
    }
    if (scheme && scheme !== 'http:' && scheme !== 'https:' && !/^https?[;：]/i.test(lower)) {
      ref.skipped = 'other_scheme';
      links.push(ref);
      return;
    }
    const bad = looksLikeMistypedScheme(trimmed);
    if (bad) {
      ref.malformed = bad;
      links.push(ref);
      return;
    }
    let u: URL;
    try {
      u = new URL(trimmed, base);
    } catch {
      ref.malformed = 'not a valid URL';
      links.push(ref);
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      ref.skipped = 'other_scheme';
      links.push(ref);
      return;
    }
    if (u.hash) ref.fragment = decodeURIComponentSafe(u.hash.slice(1));
    u.hash = '';
    ref.url = u.href;
    ref.internal = opts.siteHosts.has(u.host.toLowerCase());
    ref.attachment = isAttachmentUrl(u) || (el.name === 'a' && attr(el, 'download') !== undefined);
    if (ref.attachment && (kind === 'page' || kind === 'other')) ref.kind = 'attachment';
    links.push(ref);
  };

  const addSrcset = (el: Element, selector: string, value: string, kind: RefKind, text: string) => {
    for (const candidate of value.split(/,\s+|,(?=\S+\s)/)) {
      const url = candidate.trim().split(/\s+/)[0];
      if (url) add(el, selector, 'srcset', url, kind, text);
    }
  };

  const addCss = (el: Element, selector: string, css: string, attribute: string) => {
    for (const m of css.matchAll(URL_IN_CSS)) {
      const v = m[2].trim();
      if (v && !v.startsWith('data:')) add(el, selector, attribute, v, 'image', '');
    }
  };

  const walk = (node: AnyNode, path: string, hidden: boolean) => {
    if (!('children' in node)) return;
    const counts = new Map<string, number>();
    for (const child of node.children as AnyNode[]) {
      if (child.type === 'text') {
        if (!hidden) textParts.push((child as unknown as { data: string }).data);
        continue;
      }
      if (child.type !== 'tag' && child.type !== 'script' && child.type !== 'style') continue;
      const el = child as Element;
      const name = el.name.toLowerCase();
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      const id = attr(el, 'id');
      const selector = id && /^[A-Za-z][\w-]*$/.test(id) ? `${name}#${id}` : `${path ? path + ' > ' : ''}${name}:nth-of-type(${n})`;
      const elText = () => textOf(el) || attr(el, 'title') || attr(el, 'alt') || '';
      switch (name) {
        case 'a':
        case 'area': {
          const href = attr(el, 'href');
          if (href !== undefined) add(el, selector, 'href', href, 'page', elText());
          break;
        }
        case 'link': {
          const href = attr(el, 'href');
          const rel = (attr(el, 'rel') ?? '').toLowerCase();
          if (href !== undefined && !/\b(dns-prefetch|preconnect)\b/.test(rel)) {
            const kind: RefKind = /stylesheet/.test(rel) ? 'style' : /icon/.test(rel) ? 'image' : /canonical|alternate|prev|next/.test(rel) ? 'page' : 'other';
            add(el, selector, 'href', href, kind, '');
          }
          break;
        }
        case 'img':
        case 'input': {
          if (name === 'input' && (attr(el, 'type') ?? '').toLowerCase() !== 'image') break;
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'image', attr(el, 'alt') ?? '');
          const srcset = attr(el, 'srcset');
          if (srcset) addSrcset(el, selector, srcset, 'image', attr(el, 'alt') ?? '');
          break;
        }
        case 'source': {
          const parentName = el.parent && el.parent.type === 'tag' ? (el.parent as Element).name.toLowerCase() : '';
          const kind: RefKind = parentName === 'picture' ? 'image' : 'media';
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, kind, '');
          const srcset = attr(el, 'srcset');
          if (srcset) addSrcset(el, selector, srcset, kind, '');
          break;
        }
        case 'video':
        case 'audio':
        case 'track': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'media', '');
          const poster = attr(el, 'poster');
          if (poster) add(el, selector, 'poster', poster, 'image', '');
          break;
        }
        case 'script': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'script', '');
          break;
        }
        case 'iframe':
        case 'frame': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'frame', attr(el, 'title') ?? '');
          break;
        }
        case 'embed': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'object', '');
          break;
        }
        case 'object': {
          const data = attr(el, 'data');
          if (data !== undefined) add(el, selector, 'data', data, 'object', '');
          break;
        }
        case 'meta': {
          const httpEquiv = (attr(el, 'http-equiv') ?? '').toLowerCase();
          const content = attr(el, 'content') ?? '';
          if (httpEquiv === 'refresh') {
            const m = /^\s*\d*(?:\.\d+)?\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.+?)\1\s*$/i.exec(content);
            if (m && m[2] && /url\s*=|[;,]/i.test(content)) add(el, selector, 'content', m[2], 'page', '');
          }
          const key = (attr(el, 'name') ?? attr(el, 'property') ?? (httpEquiv ? `http-equiv:${httpEquiv}` : '')).toLowerCase();
          if (key && !(key in meta)) meta[key] = content;
          break;
        }
        case 'title': {
          if (!title) title = textOf(el).trim().replace(/\s+/g, ' ');
          break;
        }
        case 'style': {
          addCss(el, selector, textOf(el), 'url()');
          break;
        }
        default:
          break;
      }
      const style = attr(el, 'style');
      if (style && style.includes('url(')) addCss(el, selector, style, 'style url()');
      const background = attr(el, 'background');
      if (background) add(el, selector, 'background', background, 'image', '');
      const childHidden = hidden || INVISIBLE.has(name);
      const block = BLOCK.has(name);
      if (block && !hidden) textParts.push('\n');
      walk(el, id && /^[A-Za-z][\w-]*$/.test(id) ? `${name}#${id}` : selector, childHidden);
      if (block && !hidden) textParts.push('\n');
    }
  };
  walk(doc, '', false);

  const text = textParts
    .join('')
    .replace(/[ \t\r\f\v\u00a0\u3000]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
  return { title, text, meta, links, baseHref };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
