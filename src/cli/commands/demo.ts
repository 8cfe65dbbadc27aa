import type { Command } from 'commander';
import { loadChecks } from '../../checks/registry.js';
import { loadConfig } from '../../config.js';
import { siteResultText } from '../../report/site.js';
import { checkSite } from '../../site-check.js';
import { ensureRun, openDb, saveSiteResult } from '../../store/db.js';
import { externalRoutes, generateSite, serve } from '../../../tests/fixtures/site.js';
import { EXIT, langArg, siteIdFromUrl } from '../common.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('演示：在本机启动示例政府网站并检查 / serve a fixture government site on 127.0.0.1 and check it')
    .option('--lang <lang>', 'zh or en', langArg)
    .option('--db <file>', 'SQLite database file', './govcheck-demo.db')
    .action(async (o: { lang?: 'zh' | 'en'; db: string }) => {
      const config = loadConfig(undefined, { allowPrivateNetwork: true });
      const lang = o.lang ?? config.lang;
      const ext = await serve(externalRoutes());
      const fixture = generateSite({ externalOrigin: ext.origin });
      const site = await serve(fixture.routes);
      try {
        const url = `${site.origin}/`;
        process.stderr.write(`govcheck demo: ${fixture.name} at ${url}\n`);
        const asOf = '2024-07-01';
        const result = await checkSite({ id: siteIdFromUrl(url), url, kind: 'website', name: fixture.name }, { config, asOf, lang });
        const db = openDb(o.db);
        ensureRun(db, { id: `demo-${asOf}`, kind: 'adhoc', asOf });
        saveSiteResult(db, `demo-${asOf}`, result);
        db.close();
        const titles = Object.fromEntries((await loadChecks()).map((c) => [c.meta.id, c.meta.title]));
        process.stdout.write(siteResultText(result, lang, config.rules, titles) + '\n');
        process.stderr.write(`govcheck demo: result stored in ${o.db}\n`);
        process.exitCode = EXIT.pass;
      } finally {
        await site.close();
        await ext.close();
      }
    });
}
