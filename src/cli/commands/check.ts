import type { Command } from 'commander';
import { Option } from 'commander';
import type { SiteRef } from '../../types.js';
import path from 'node:path';
import { configFrom, dateArg, EXIT, intArg, langArg, listArg, UsageError, type CommonOptions } from '../common.js';

interface CheckOptions extends CommonOptions {
  format: 'text' | 'json';
  db: string;
  store: boolean;
  checks?: string[];
  asOf?: string;
  run?: string;
  render?: 'html' | 'browser';
  screenshots?: string | boolean;
  platform?: string;
}

export function register(program: Command): void {
  program
    .command('check')
    .description('检查单个网站并给出结论 / check one site now and print the verdict with evidence')
    .argument('<url>', 'site URL (home page)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--lang <lang>', 'output language: zh or en', langArg)
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--no-store', 'do not store the result')
    .option('--checks <ids>', 'only these checks (comma-separated)', listArg)
    .option('--as-of <date>', 'inspection date YYYY-MM-DD (default: today, Asia/Shanghai)', dateArg)
    .option('--run <id>', 'run id to store the result under (default: adhoc-<as-of>)')
    .option('--max-pages <n>', 'pages to crawl at most', intArg('--max-pages', 1))
    .option('--max-depth <n>', 'link depth from the home page', intArg('--max-depth', 0))
    .option('--concurrency <n>', 'concurrent requests to the site', intArg('--concurrency', 1))
    .option('--timeout <seconds>', 'per-request time limit in seconds (default 15)', intArg('--timeout', 1))
    .option('--config <file>', 'YAML config file (overrides config/defaults.yaml and rules.yaml)')
    .option('--allow-private-network', 'allow loopback/private addresses (tests, demo, intranet)')
    .option('--allow-network <cidr>', 'allow one private range (repeatable), others stay refused', (v: string, prev: string[] = []) => [...prev, v])
    .option('--resolve <host:address>', 'pin a host name to an address (repeatable; address - = does not resolve)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--engine <engine>', 'HTML crawler: http (lean, default) or crawlee (CheerioCrawler)').choices(['http', 'crawlee']))
    .addOption(new Option('--render <mode>', 'gather the website with the HTML crawler or in Chromium (script-built pages)').choices(['html', 'browser']))
    .option('--screenshots [dir]', 'save screenshots of veto, display and menu findings (default dir ./govcheck-evidence/<run>)')
    .option('--platform <id>', 'the URL is a new-media account source (feed or page) of this platform (config/platforms/<id>.yaml)')
    .action(async (url: string, o: CheckOptions) => {
      const { loadChecks } = await import('../../check-api/registry.js');
      const { todayInShanghai } = await import('../../china-time.js');
      const { siteResultJson, siteResultText } = await import('../../report/site.js');
      const { checkSite } = await import('../../site-check.js');
      const { outcomeOf } = await import('../../run/outcome.js');
      const { entryId } = await import('../../registry/validate.js');
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new UsageError(`not a valid URL: ${url}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`only http and https URLs can be checked: ${url}`);
      const config = await configFrom(o);
      const lang = o.lang ?? config.lang;
      const asOf = o.asOf ?? todayInShanghai();
      // Open the store first: an unusable database is an error before any crawling.
      // (the store and the job module are loaded only when storing: --no-store needs neither)
      const store = o.store ? { ...(await import('../../store/db.js')), ...(await import('../../run/job.js')) } : undefined;
      const db = store ? store.openDb(o.db) : undefined;
      // The registry import's site id (host, path, query), so a URL checked on demand is the same site as its registry entry.
      let site: SiteRef = { id: entryId('website', parsed), url: parsed.href, kind: 'website' };
      if (o.platform) {
        const { loadPlatforms } = await import('../../newmedia/platforms.js');
        const known = loadPlatforms(config.newmedia.platformsDir);
        if (!known.has(o.platform)) throw new UsageError(`unknown platform ${o.platform}; known: ${[...known.keys()].join(', ')}`);
        site = { ...site, kind: 'newmedia', platform: o.platform, source: parsed.href, render: o.render === 'browser' ? 'browser' : undefined };
      }
      const evidenceDir = o.screenshots ? path.resolve(typeof o.screenshots === 'string' ? o.screenshots : path.join('govcheck-evidence', o.run ?? `adhoc-${asOf}`)) : undefined;
      const result = await checkSite(site, { config, asOf, checks: o.checks, lang, render: o.render, evidenceDir });
      const outcome = outcomeOf(result);
      if (store && db) {
        const runId = o.run ?? `adhoc-${asOf}`;
        store.ensureRun(db, { id: runId, kind: 'adhoc', asOf, rules: config.rules });
        store.persistSiteJob(db, runId, { result, outcome });
        db.close();
      }
      if (outcome === 'error') {
        // Not inspected (the account's source could not be read, or no page of the website answered and no
        // probe series decides W-V1): no verdict, exit 2 with the reason.
        const reason = `${result.error?.kind ?? 'unknown'}: ${(result.error?.message ?? '').split('\n')[0]}`;
        const hint =
          site.kind === 'website' && result.error?.kind !== 'private_address_blocked'
            ? lang === 'en'
              ? '; one failed visit does not decide W-V1 (a week of probe rounds does: govcheck schedule)'
              : '；一次访问失败不足以判定站点无法访问（W-V1 需一周监测：govcheck schedule）'
            : '';
        process.stderr.write(lang === 'en' ? `govcheck: could not check ${parsed.href} (not inspected, no verdict): ${reason}${hint}\n` : `govcheck: 未能完成检查 ${parsed.href}（未检查，无结论）: ${reason}${hint}\n`);
        process.exitCode = EXIT.error;
        return;
      }
      if (o.format === 'json') {
        process.stdout.write(JSON.stringify(siteResultJson(result, lang), null, 2) + '\n');
      } else {
        const titles = Object.fromEntries((await loadChecks()).map((c) => [c.meta.id, c.meta.title]));
        process.stdout.write(siteResultText(result, lang, config.rules, titles) + '\n');
      }
      process.exitCode = result.verdict === 'pass' ? EXIT.pass : EXIT.fail;
    });
}
