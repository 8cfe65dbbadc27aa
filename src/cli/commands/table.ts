import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { langArg } from '../common.js';

interface TableOptions {
  quarter?: string;
  run?: string;
  previous?: string;
  kind: 'website' | 'newmedia' | 'all';
  format: 'text' | 'md' | 'csv' | 'xlsx' | 'json';
  view: 'table' | 'failing' | 'fixes' | 'changes';
  out?: string;
  db: string;
  config?: string;
  groups?: string;
  lang?: 'zh' | 'en';
}

export function register(program: Command): void {
  program
    .command('table')
    .description('通报附件统计表、不合格名单、整改清单、问题环比 / the notice tables, failing list, problems to fix per owner, quarter over quarter')
    .option('--quarter <quarter>', 'quarter, e.g. 2024Q2 (its latest run)')
    .option('--run <id>', 'a run id instead of --quarter')
    .addOption(new Option('--kind <kind>', 'website (附件1), newmedia (附件2) or all').choices(['website', 'newmedia', 'all']).default('all'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'md', 'csv', 'xlsx', 'json']).default('text'))
    .addOption(new Option('--view <view>', 'table (统计表), failing (不合格名单), fixes (整改清单), changes (环比)').choices(['table', 'failing', 'fixes', 'changes']).default('table'))
    .option('--previous <runId>', 'compare with this run (default: the latest run of the previous quarter)')
    .option('-o, --out <file>', 'write to this file (xlsx: default file name in the current folder)')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--config <file>', 'YAML config file (rules)')
    .option('--groups <file>', 'table groups file (default config/groups.yaml)')
    .option('--lang <lang>', 'zh or en', langArg)
    .action(async (o: TableOptions) => {
      const { RollupError } = await import('../../rollup/data.js');
      const { changesCsv, changesMarkdown, changesText, failingCsv, failingMarkdown, failingText, fixCsv, fixMarkdown, fixText, listsXlsx } = await import('../../report/lists.js');
      const { tableJson, tableMarkdown, tablesCsv, tableText, tableXlsx } = await import('../../report/tables.js');
      const { loadReport } = await import('../report-options.js');
      const { report: r, lang } = loadReport(o, (rep) => {
        if (o.view === 'changes' && !rep.changes) throw new RollupError(`no run of the previous quarter to compare with; give --previous RUN`);
      });
      const kinds = o.kind === 'all' ? (['website', 'newmedia'] as const) : ([o.kind] as const);
      const kindFilter = o.kind === 'all' ? undefined : o.kind;
      const failing = r.failing.filter((f) => !kindFilter || f.site.kind === kindFilter);
      const fixes = r.fixes.map((ow) => ({ ...ow, sites: ow.sites.filter((s) => !kindFilter || s.site.kind === kindFilter) })).filter((ow) => ow.sites.length);
      const changes = r.changes && { ...r.changes, sites: r.changes.sites.filter((s) => !kindFilter || s.site.kind === kindFilter) };
      let body: string | Buffer;
      if (o.format === 'xlsx') {
        body =
          o.view === 'table'
            ? await tableXlsx(
                kinds.map((k) => r.tables[k]),
                r.quarter,
                lang,
              )
            : await listsXlsx(o.view === 'failing' ? { failing } : o.view === 'fixes' ? { fixes } : { changes }, lang, kindFilter);
      } else if (o.view === 'table') {
        if (o.format === 'json') body = JSON.stringify(o.kind === 'all' ? Object.fromEntries(kinds.map((k) => [k, tableJson(r.tables[k], r.quarter, lang)])) : tableJson(r.tables[kinds[0]], r.quarter, lang), null, 2) + '\n';
        // Both tables in one CSV: one BOM, a blank line between them.
        else if (o.format === 'csv')
          body = tablesCsv(
            kinds.map((k) => r.tables[k]),
            lang,
          );
        else if (o.format === 'md') body = kinds.map((k) => tableMarkdown(r.tables[k], r.quarter, lang)).join('\n');
        else body = kinds.map((k) => tableText(r.tables[k], r.quarter, lang)).join('\n\n') + '\n';
      } else if (o.view === 'failing') {
        if (o.format === 'json') body = JSON.stringify(failing, null, 2) + '\n';
        else if (o.format === 'csv') body = failingCsv(failing, lang);
        else if (o.format === 'md') body = failingMarkdown(failing, kindFilter, lang);
        else body = failingText(failing, kindFilter, lang) + '\n';
      } else if (o.view === 'fixes') {
        if (o.format === 'json') body = JSON.stringify(fixes, null, 2) + '\n';
        else if (o.format === 'csv') body = fixCsv(fixes, lang);
        else if (o.format === 'md') body = fixMarkdown(fixes, lang);
        else body = fixText(fixes, lang);
      } else {
        if (o.format === 'json') body = JSON.stringify(changes, null, 2) + '\n';
        else if (o.format === 'csv') body = changesCsv(changes!, lang);
        else if (o.format === 'md') body = changesMarkdown(changes!, lang);
        else body = changesText(changes!, lang) + '\n';
      }
      const out = o.out ?? (o.format === 'xlsx' ? `${o.view === 'table' ? (lang === 'zh' ? '检查情况统计表' : 'tables') : o.view}-${r.quarter.id}.xlsx` : undefined);
      if (out) {
        writeFileSync(out, body);
        process.stderr.write(`${out}\n`);
      } else process.stdout.write(body);
    });
}
