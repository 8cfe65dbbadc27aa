/** Helpers for the freshness, interaction and services check tests: offline artifacts and real crawls. */
import type { CheckModule } from '../../src/check-api/api.js';
import { loadConfig } from '../../src/config.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { CheckResult, SiteArtifacts } from '../../src/types.js';
import { page, type Routes } from '../fixtures/site.js';

/** Offline pages live on a loopback port nothing listens on: a stray request fails at once, nothing leaves the machine. */
export const ORIGIN = 'http://127.0.0.1:9';
export const SITE = '示例市人民政府';
export const config = loadConfig();

export function html(title: string, body: string, meta?: Record<string, string>): string {
  return page({ siteName: SITE, title: `${title}_${SITE}`, body, meta });
}

export interface OfflinePageSpec {
  path: string;
  html: string;
  status?: number;
  depth?: number;
}

function withOptions(mod: CheckModule, opts: Record<string, unknown>) {
  return { module: mod, options: (mod.meta.options as { parse(v: unknown): unknown }).parse(opts) };
}

/** Runs one check on HTML pages (the first is the home page) without any network. */
export async function runOffline(mod: CheckModule, pages: OfflinePageSpec[], opts: Record<string, unknown> = {}, asOf = '2024-07-01'): Promise<CheckResult & { artifacts: SiteArtifacts }> {
  const c = withOptions(mod, opts);
  const artifacts = artifactsFromHtml(
    pages.map((p) => ({ url: `${ORIGIN}${p.path}`, html: p.html, status: p.status, depth: p.depth })),
    { asOf, collectors: [c] },
  );
  const http = new HttpClient({ networkPolicy: true, retries: 0, timeoutMs: 2000 });
  try {
    const [r] = await runChecks(artifacts, [c], { config, http });
    return { ...r, artifacts };
  } finally {
    await http.close();
  }
}

/** Crawls a served site once and runs the given checks on it, as `govcheck check` does. */
export async function runServed(mods: CheckModule[], origin: string, asOf: string, opts: Record<string, Record<string, unknown>> = {}, gather: { maxPages?: number; maxDepth?: number } = {}): Promise<Record<string, CheckResult>> {
  const checks = mods.map((m) => withOptions(m, opts[m.meta.id] ?? {}));
  const artifacts = await gatherSite({ id: 'fixture', url: `${origin}/`, kind: 'website' }, { networkPolicy: true, ...gather }, checks, asOf);
  const http = new HttpClient({ networkPolicy: true, retries: 0, timeoutMs: 5000 });
  try {
    const results = await runChecks(artifacts, checks, { config, http });
    return Object.fromEntries(results.map((r) => [r.id, r]));
  } finally {
    await http.close();
  }
}

export type { Routes };
