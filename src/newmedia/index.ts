/**
 * Gathering a new-media account: the source adapter is chosen from the registry fields (the `source` URL, the
 * `platform` and its file in config/platforms/, `render: browser`) and, for `adapter: auto`, from what the source
 * serves (a feed → `feed`; an HTML page → `page`, rendered in Chromium). Notes: docs/modules.md.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserSession } from '../browser/launcher.js';
import type { Config } from '../config.js';
import type { FetchedBody, HttpClient } from '../net/http.js';
import type { AccountArtifact, FetchErrorInfo, SiteArtifacts, SiteRef } from '../types.js';
import { accountFromFeed, decodeFeed, FeedFormatError, looksLikeFeed } from './feed.js';
import { accountFromPage } from './page-source.js';
import { platformFor } from './platforms.js';

export interface AccountGatherContext {
  config: Config;
  http: HttpClient;
  asOf: string;
  /** Launches (or returns) the run's browser; only called when a page must be rendered. */
  getBrowser: () => Promise<BrowserSession>;
  /** Where evidence files go (a screenshot of a rendered account page). */
  evidenceDir?: string;
}

import { safeName } from './safe-name.js';

export { safeName };

function charsetOf(contentType: string | undefined): string | undefined {
  return /charset\s*=\s*["']?([^;"'\s]+)/i.exec(contentType ?? '')?.[1];
}

export async function gatherAccount(site: SiteRef, c: AccountGatherContext): Promise<SiteArtifacts> {
  const started = Date.now();
  const sourceRaw = site.source ?? site.url;
  const finish = (account: AccountArtifact, pagesRendered = 0): SiteArtifacts => {
    const targets = new Set<string>();
    for (const p of account.posts) {
      if (p.url) targets.add(p.url);
      for (const m of p.media) targets.add(m.url);
      for (const l of p.links) targets.add(l);
    }
    let host = '';
    try {
      host = new URL(account.sourceUrl).host;
    } catch {
      /* malformed source: reported as the account's error */
    }
    return {
      site,
      startUrl: account.sourceUrl,
      pages: [],
      stats: { pages: pagesRendered, links: targets.size, durationMs: Date.now() - started, skippedByLimit: 0, errors: account.error ? 1 : 0 },
      asOf: c.asOf,
      siteHosts: host ? [host] : [],
      account,
    };
  };
  const bare = (error: FetchErrorInfo, sourceKind: AccountArtifact['sourceKind'] = 'feed'): AccountArtifact => ({
    platform: site.platform ?? 'generic',
    sourceKind,
    sourceUrl: sourceRaw,
    fetchedAt: new Date().toISOString(),
    posts: [],
    menus: [],
    error,
  });

  let sourceUrl: string;
  try {
    const u = new URL(sourceRaw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return finish(bare({ kind: 'unsupported_scheme', message: `unsupported source scheme ${u.protocol}` }));
    sourceUrl = u.href;
  } catch {
    return finish(bare({ kind: 'malformed_url', message: `invalid source URL: ${sourceRaw}` }));
  }
  const { platform, fallback } = platformFor(site.platform, c.config.newmedia.platformsDir);
  const { maxPosts, maxBytes } = c.config.newmedia;

  let adapter: 'feed' | 'page' | undefined = site.render === 'browser' ? 'page' : platform.adapter === 'auto' ? undefined : platform.adapter;
  let fetched: FetchedBody | undefined;
  if (adapter !== 'page') {
    fetched = await c.http.fetchBody(sourceUrl, {
      maxBytes,
      headers: { accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5' },
    });
    if (fetched.error || fetched.status === null || fetched.status >= 400) {
      const error = fetched.error ?? { kind: 'http_error' as const, status: fetched.status ?? undefined, message: `HTTP ${fetched.status}` };
      return finish({ ...bare(error), sourceUrl, platform: platform.id });
    }
    if (!adapter) {
      const head = (fetched.body ?? Buffer.alloc(0)).subarray(0, 1024).toString('latin1');
      adapter = looksLikeFeed(fetched.headers['content-type'], head) ? 'feed' : 'page';
    }
  }

  if (adapter === 'feed') {
    const body = fetched!.body ?? Buffer.alloc(0);
    const decoded = decodeFeed(body, charsetOf(fetched!.headers['content-type']));
    try {
      const account = accountFromFeed(decoded.text, { sourceUrl: fetched!.finalUrl || sourceUrl, platform: platform.id, fetchedAt: Date.now(), maxPosts });
      account.sourceUrl = sourceUrl;
      if (fallback && site.platform) account.platform = site.platform;
      return finish(account);
    } catch (e) {
      if (!(e instanceof FeedFormatError)) throw e;
      return finish({ ...bare({ kind: 'decode_error', message: e.message }), sourceUrl, platform: platform.id });
    }
  }

  let browser: BrowserSession;
  try {
    browser = await c.getBrowser();
  } catch (e) {
    return finish({ ...bare({ kind: 'unknown', message: `browser unavailable: ${String((e as Error)?.message ?? e).split('\n')[0]}` }, 'page'), sourceUrl, platform: platform.id });
  }
  let screenshotPath: string | undefined;
  if (c.evidenceDir) {
    const dir = path.join(c.evidenceDir, safeName(site.id));
    mkdirSync(dir, { recursive: true });
    screenshotPath = path.join(dir, 'account.png');
  }
  const { account, pagesRendered } = await accountFromPage(browser, sourceUrl, { platform, maxPosts, timeoutMs: c.config.browser.pageTimeoutMs, screenshotPath, concurrency: c.config.browser.concurrency });
  if (fallback && site.platform) account.platform = site.platform;
  return finish(account, pagesRendered);
}
