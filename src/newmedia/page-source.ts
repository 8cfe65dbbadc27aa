/**
 * The `page` source adapter: an account's public profile or article-list page rendered in real Chromium (the lists
 * of these platforms are built by script), read with the platform's selectors from config/platforms/<id>.yaml: posts
 * (title, date, URL, body, media, links) and menus with their targets. Notes: docs/modules.md.
 */
import * as cheerio from 'cheerio';
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { Page } from 'playwright-core';
import { bounded, classifyBrowserError, settle, type BrowserSession } from '../browser/launcher.js';
import type { AccountArtifact, AccountMenu, AccountPost, FetchErrorInfo } from '../types.js';
import { absoluteUrl, contentFromHtml, plainText } from './content.js';
import { parseSourceDate } from './dates.js';
import { newestFirst } from './feed.js';
import type { Platform } from './platforms.js';

export interface PageAdapterOptions {
  platform: Platform;
  maxPosts: number;
  /** Time for one page (list or post) to load and render. */
  timeoutMs: number;
  /** Where to save a screenshot of the rendered account page (evidence), when wanted. */
  screenshotPath?: string;
  /** Post pages rendered at once (browser tabs). */
  concurrency?: number;
}

/** A CSS path from the document root to an element, re-usable on a new rendering of the same page. */
export function cssPath(el: Element): string {
  const parts: string[] = [];
  let cur: Element | null = el;
  while (cur && cur.type === 'tag') {
    const name = cur.name.toLowerCase();
    const id = cur.attribs?.id;
    if (id && /^[A-Za-z][\w-]*$/.test(id)) {
      parts.unshift(`${name}#${id}`);
      break;
    }
    const parent = cur.parent as Element | null;
    if (!parent || parent.type !== 'tag') {
      parts.unshift(name);
      break;
    }
    const same = (parent.children as AnyNode[]).filter((c) => c.type === 'tag' && (c as Element).name.toLowerCase() === name);
    parts.unshift(same.length > 1 ? `${name}:nth-of-type(${same.indexOf(cur) + 1})` : name);
    cur = parent;
  }
  return parts.join(' > ');
}

/** Matches of a selector union, without elements nested inside another match. */
function outermost($: CheerioAPI, selector: string): Element[] {
  let all: Element[];
  try {
    all = $(selector).toArray() as Element[];
  } catch {
    return [];
  }
  const set = new Set(all);
  return all.filter(
    (el) =>
      !$(el)
        .parents()
        .toArray()
        .some((p) => set.has(p as Element)),
  );
}

function first(_$: CheerioAPI, scope: Cheerio<Element>, selector: string | undefined): Cheerio<Element> | undefined {
  if (!selector) return undefined;
  try {
    const found = scope.find(selector).first();
    return found.length ? (found as Cheerio<Element>) : undefined;
  } catch {
    return undefined;
  }
}

function dateOf($el: Cheerio<Element> | undefined, attr: string | undefined): string | undefined {
  if (!$el) return undefined;
  const fromAttr = (attr && $el.attr(attr)) || $el.attr('datetime') || $el.attr('data-time') || $el.attr('title');
  const text = $el.text().replace(/\s+/g, ' ').trim();
  if (fromAttr && parseSourceDate(fromAttr).iso) return fromAttr;
  return text || fromAttr || undefined;
}

/** Posts of a rendered list page. */
export function postsFromHtml(html: string, pageUrl: string, platform: Platform, fetchedAt: number): { posts: AccountPost[]; name?: string; menus: AccountMenu[]; menusExtracted: boolean } {
  const rules = platform.page;
  if (!rules) return { posts: [], menus: [], menusExtracted: false };
  const $ = cheerio.load(html);
  const posts: AccountPost[] = [];
  outermost($, rules.posts.item).forEach((el, i) => {
    const $item = $(el) as Cheerio<Element>;
    const $title = first($, $item, rules.posts.title);
    const $body = first($, $item, rules.posts.body);
    const $link = first($, $item, rules.posts.url);
    const url = absoluteUrl($link?.attr('href') ?? $link?.attr('data-href') ?? $item.attr('data-url'), pageUrl);
    const bodyHtml = $body ? ($body.html() ?? '') : ($item.html() ?? '');
    const content = contentFromHtml(bodyHtml, pageUrl);
    const rawDate = dateOf(first($, $item, rules.posts.date), rules.posts.dateAttr);
    const date = parseSourceDate(rawDate, fetchedAt);
    const post: AccountPost = {
      id: $item.attr('data-id') ?? $item.attr('id') ?? url ?? `post-${i + 1}`,
      title: plainText($title?.text() ?? ''),
      url,
      text: content.text,
      media: content.media,
      links: content.links.filter((l) => l !== url),
      selector: cssPath(el),
    };
    if (date.iso) post.publishedAt = date.iso;
    if (rawDate !== undefined) post.dateRaw = rawDate;
    if (date.problem && rawDate) post.dateProblem = date.problem;
    posts.push(post);
  });
  const name = rules.accountName
    ? first($, $.root() as unknown as Cheerio<Element>, rules.accountName)
        ?.text()
        .trim() || undefined
    : undefined;
  const menus = rules.menus ? menusFromHtml($, rules.menus, pageUrl) : [];
  return { posts, name, menus, menusExtracted: Boolean(rules.menus) };
}

function menusFromHtml($: CheerioAPI, rules: NonNullable<NonNullable<Platform['page']>['menus']>, pageUrl: string): AccountMenu[] {
  const one = (el: Element, depth: number): AccountMenu => {
    const $el = $(el) as Cheerio<Element>;
    const $children = depth === 0 && rules.children ? ($el.find(rules.children) as Cheerio<Element>) : undefined;
    const childSet = new Set($children?.toArray() ?? []);
    const own = (sel: string | undefined) => {
      if (!sel) return undefined;
      try {
        const found = ($el.find(sel).toArray() as Element[]).filter((x) => ![...childSet].some((c) => c === x || $(x).parents().toArray().includes(c)));
        return found.length ? ($(found[0]) as Cheerio<Element>) : undefined;
      } catch {
        return undefined;
      }
    };
    const $label = own(rules.label);
    let labelText: string;
    if ($label) labelText = $label.text();
    else {
      const $copy = $el.clone();
      if (rules.children) $copy.find(rules.children).remove();
      labelText = $copy.text();
    }
    const label = labelText.replace(/\s+/g, ' ').trim();
    const $link = own(rules.link) ?? ($el.is('a') ? $el : own('a'));
    const rawTarget = $link?.attr('href') ?? $link?.attr('data-href') ?? $link?.attr('data-url') ?? $el.attr('data-href');
    const menu: AccountMenu = { label: label || ($label?.attr('title') ?? '') };
    const url = absoluteUrl(rawTarget, pageUrl);
    if (url) menu.url = url;
    else if (rawTarget !== undefined) menu.raw = rawTarget;
    if ($children && $children.length) menu.children = ($children.toArray() as Element[]).map((c) => one(c, depth + 1));
    return menu;
  };
  return outermost($, rules.item).map((el) => one(el, 0));
}

/** Reads a post's own rendered page into the post (full text, media, links); keeps the list's data when the page gives less. */
function mergePostPage(post: AccountPost, html: string, pageUrl: string, platform: Platform, fetchedAt: number): void {
  const rules = platform.page?.post;
  const $ = cheerio.load(html);
  const root = $.root() as unknown as Cheerio<Element>;
  const $body = first($, root, rules?.body);
  const content = contentFromHtml($body ? ($body.html() ?? '') : ($('body').html() ?? ''), pageUrl);
  if (content.text || content.media.length || !$body) {
    post.text = content.text;
    const media = [...content.media];
    for (const m of post.media) if (!media.some((x) => x.url === m.url)) media.push(m);
    post.media = media;
    post.links = [...new Set([...content.links, ...post.links])].filter((l) => l !== post.url);
  }
  const title = plainText(first($, root, rules?.title)?.text());
  if (title && !post.title) post.title = title;
  if (!post.publishedAt) {
    const raw = dateOf(first($, root, rules?.date), rules?.dateAttr);
    const d = parseSourceDate(raw, fetchedAt);
    if (d.iso) {
      post.publishedAt = d.iso;
      post.dateRaw = raw;
      delete post.dateProblem;
    }
  }
}

/** Renders a page within a hard bound (a page whose script never yields cannot hold the run). */
function render(session: BrowserSession, page: Page, url: string, timeoutMs: number, waitFor: string | undefined): Promise<{ html: string; status: number | null; finalUrl: string }> {
  return bounded(renderUnbounded(session, page, url, timeoutMs, waitFor), timeoutMs + 2_000, `rendering ${url}`);
}

async function renderUnbounded(session: BrowserSession, page: Page, url: string, timeoutMs: number, waitFor: string | undefined): Promise<{ html: string; status: number | null; finalUrl: string }> {
  const deadline = Date.now() + timeoutMs;
  const response = await session.goto(page, url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  const status = response?.status() ?? null;
  if (waitFor && (status === null || status < 400)) {
    await page.waitForSelector(waitFor, { state: 'attached', timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
  }
  await settle(page, Math.min(deadline, Date.now() + 3_000));
  return { html: await page.content(), status, finalUrl: page.url() };
}

/** Renders an account's page and reads it into the account artifact. Never throws for site problems. */
export async function accountFromPage(session: BrowserSession, sourceUrl: string, o: PageAdapterOptions): Promise<{ account: AccountArtifact; pagesRendered: number }> {
  const fetchedAt = Date.now();
  const account: AccountArtifact = {
    platform: o.platform.id,
    sourceKind: 'page',
    sourceUrl,
    fetchedAt: new Date(fetchedAt).toISOString(),
    posts: [],
    menus: [],
    menusExtracted: false,
  };
  if (!o.platform.page) {
    account.error = { kind: 'unknown', message: `platform ${o.platform.id} has no page rules (config/platforms/${o.platform.id}.yaml): its accounts can only be read from a feed` };
    return { account, pagesRendered: 0 };
  }
  let pagesRendered = 0;
  await session.withPage(async (page, context) => {
    let rendered: Awaited<ReturnType<typeof render>>;
    try {
      rendered = await render(session, page, sourceUrl, o.timeoutMs, o.platform.page!.waitFor);
      pagesRendered++;
    } catch (e) {
      account.error = classifyBrowserError(e);
      return;
    }
    if (rendered.status !== null && rendered.status >= 400) {
      account.error = { kind: 'http_error', status: rendered.status, message: `HTTP ${rendered.status}` } satisfies FetchErrorInfo;
      return;
    }
    if (o.screenshotPath) {
      await bounded(page.screenshot({ path: o.screenshotPath, fullPage: true, timeout: o.timeoutMs }), o.timeoutMs + 2_000, 'screenshot').then(
        () => (account.screenshot = o.screenshotPath),
        () => undefined,
      );
    }
    const got = postsFromHtml(rendered.html, rendered.finalUrl, o.platform, fetchedAt);
    account.name = got.name;
    account.menus = got.menus;
    account.menusExtracted = got.menusExtracted;
    account.posts = newestFirst(got.posts).slice(0, o.maxPosts);
    const open = o.platform.page!.post?.open ?? 0;
    const queue = account.posts.filter((p) => p.url).slice(0, open);
    const worker = async (first: Page) => {
      let tab = first;
      for (let post = queue.shift(); post; post = queue.shift()) {
        try {
          const r = await render(session, tab, post.url!, o.timeoutMs, o.platform.page!.post?.waitFor);
          pagesRendered++;
          if (r.status !== null && r.status >= 400) continue; // the display check probes the post URL itself
          mergePostPage(post, r.html, r.finalUrl, o.platform, fetchedAt);
        } catch (e) {
          // A post page that does not render is the display check's finding (it probes post URLs).
          // A tab stuck in a script is replaced.
          if (classifyBrowserError(e).kind === 'timeout') {
            void tab.close().catch(() => undefined);
            tab = await context.newPage();
          }
        }
      }
    };
    const extra = await Promise.all(Array.from({ length: Math.max(0, Math.min((o.concurrency ?? 2) - 1, queue.length - 1)) }, () => context.newPage()));
    await Promise.all([worker(page), ...extra.map(worker)]);
  });
  return { account, pagesRendered };
}
