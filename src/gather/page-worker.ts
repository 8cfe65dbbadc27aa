/**
 * A page worker thread (see page-pool.ts): receives a site's context once, then fetched pages, and answers
 * each with its PageArtifact (or the error that stopped it).
 */
import { parentPort } from 'node:worker_threads';
import type { CheckModule } from '../check-api/api.js';
import type { Collector } from './page-artifact.js';
import type { PoolSiteContext } from './page-pool.js';
import { processPage, type FetchedPage } from './process.js';

interface Ready {
  data: { site: PoolSiteContext['site']; asOf: string; siteHosts: Set<string> };
  collectors: Collector[];
}

const contexts = new Map<string, Promise<Ready>>();

/** This worker runs compiled (dist/src/gather); a check given as a TypeScript source is loaded from its build in dist/. */
const root = new URL('../../../', import.meta.url);
function loadable(source: string): string {
  if (!source.endsWith('.ts') || !source.startsWith(root.href)) return source;
  return new URL(`dist/${source.slice(root.href.length).replace(/\.ts$/, '.js')}`, root).href;
}

async function prepare(context: PoolSiteContext): Promise<Ready> {
  const collectors = await Promise.all(
    context.checks.map(async (c) => {
      const module = c.source ? ((await import(loadable(c.source))) as { default?: CheckModule }).default : undefined;
      if (!module || module.meta?.id !== c.id) throw new Error(`check ${c.id} not found in the worker`);
      return { module, options: c.options };
    }),
  );
  return { data: { site: context.site, asOf: context.asOf, siteHosts: new Set(context.siteHosts) }, collectors };
}

parentPort!.on('message', (m: { type: 'context'; key: string; context: PoolSiteContext } | { type: 'forget'; key: string } | { type: 'page'; id: number; key: string; page: FetchedPage }) => {
  if (m.type === 'context') {
    const ready = prepare(m.context);
    ready.catch(() => undefined);
    contexts.set(m.key, ready);
  } else if (m.type === 'forget') {
    contexts.delete(m.key);
  } else {
    const ready = contexts.get(m.key) ?? Promise.reject(new Error(`no context for site ${m.key}`));
    ready.then(
      (r) => {
        try {
          parentPort!.postMessage({ id: m.id, page: processPage(m.page, { ...r.data, collectors: r.collectors }) });
        } catch (e) {
          parentPort!.postMessage({ id: m.id, error: String((e as Error)?.stack ?? e) });
        }
      },
      // The worker could not set up the site's checks (say, a check missing from its build): the crawl's
      // thread processes the site's pages instead.
      (e: unknown) => parentPort!.postMessage({ id: m.id, error: String((e as Error)?.message ?? e), context: true }),
    );
  }
});
