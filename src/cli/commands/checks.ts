import type { Command } from 'commander';
import type { z } from 'zod';
import { langArg } from '../common.js';

export function register(program: Command): void {
  program
    .command('checks')
    .description('列出所有检查项 / list the available checks with their rules and options')
    .option('--lang <lang>', 'zh or en', langArg, 'zh' as const)
    .option('--json', 'machine-readable')
    .action(async (o: { lang: 'zh' | 'en'; json?: boolean }) => {
      const { loadChecks } = await import('../../check-api/registry.js');
      const checks = await loadChecks();
      const rows = checks.map((c) => ({
        id: c.meta.id,
        title: c.meta.title[o.lang],
        scope: c.meta.scope,
        rules: c.meta.rules,
        defaultEnabled: c.meta.defaultEnabled !== false,
        description: c.meta.description[o.lang],
        options: (c.meta.options as z.ZodType).parse({}),
      }));
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.id}  ${r.title}  [${r.scope.join(',')}] ${r.rules.join(' ')}${r.defaultEnabled ? '' : ' (off by default)'}\n    ${r.description}\n    options: ${JSON.stringify(r.options)}\n`);
      }
    });
}
