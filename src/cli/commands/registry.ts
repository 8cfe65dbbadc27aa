import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { EXIT, langArg, UsageError } from '../common.js';

interface Base {
  db: string;
  groups?: string;
  config?: string;
  lang: 'zh' | 'en';
}

export function register(program: Command): void {
  const reg = program.command('registry').description('网站和政务新媒体名录：导入、列出、导出 / the registry of websites and new-media accounts');

  reg
    .command('import')
    .description('导入名录文件（CSV、XLSX 或 YAML，中文或英文表头）；有任何错误行则不导入 / import a registry file; nothing is imported when a row is invalid')
    .argument('<file>', 'registry file (.csv, .xlsx, .yaml)')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--groups <file>', 'table groups file (default config/groups.yaml)')
    .option('--config <file>', 'YAML config file (may hold a groups: section)')
    .option('--replace', 'the file is the whole registry: entries it does not list are taken out (their history is kept)')
    .option('--dry-run', 'validate only')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'xlsx', 'yaml']))
    .option('--lang <lang>', 'zh or en', langArg, 'zh' as const)
    .action(async (file: string, o: Base & { replace?: boolean; dryRun?: boolean; format?: 'csv' | 'xlsx' | 'yaml' }) => {
      const { formatRowError, importRegistryFile, loadGroups, RegistryFileError } = await import('../../registry/index.js');
      const { openDb } = await import('../../store/db.js');
      const groups = loadGroups({ groupsFile: o.groups, configFile: o.config });
      const db = o.dryRun ? undefined : openDb(o.db);
      try {
        let out;
        try {
          out = await importRegistryFile(db, file, { groups, mode: o.replace ? 'replace' : 'merge', dryRun: o.dryRun, format: o.format });
        } catch (e) {
          if (e instanceof RegistryFileError) throw new UsageError(e.message);
          throw e;
        }
        for (const w of out.warnings) process.stderr.write(`${file}: ${w[o.lang]}\n`);
        if (!out.ok) {
          for (const e of out.errors) process.stderr.write(`${file}:${e.line ? `${e.line}:` : ''} ${formatRowError(e, o.lang)}\n`);
          process.stderr.write(o.lang === 'zh' ? `名录有 ${out.errors.length} 处错误，未导入任何记录。\n` : `${out.errors.length} error(s) in the registry; nothing was imported.\n`);
          process.exitCode = EXIT.error;
          return;
        }
        const s = out.summary;
        const web = out.entries.filter((e) => e.kind === 'website').length;
        const nm = out.entries.length - web;
        if (o.dryRun) {
          process.stdout.write(o.lang === 'zh' ? `名录有效：网站 ${web} 个，政务新媒体 ${nm} 个（未导入，--dry-run）\n` : `registry valid: ${web} websites, ${nm} accounts (not imported: --dry-run)\n`);
        } else {
          process.stdout.write(
            o.lang === 'zh'
              ? `已导入 ${s.rows} 条（网站 ${web} 个，政务新媒体 ${nm} 个）：新增 ${s.added}，更新 ${s.updated}，未变 ${s.unchanged}${o.replace ? `，移出 ${s.removed}` : ''}\n`
              : `imported ${s.rows} entries (${web} websites, ${nm} accounts): ${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged${o.replace ? `, ${s.removed} removed` : ''}\n`,
          );
        }
      } finally {
        db?.close();
      }
    });

  reg
    .command('list')
    .description('列出名录 / list the registry')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .addOption(new Option('--kind <kind>', 'website or newmedia').choices(['website', 'newmedia']))
    .option('--group <group>', 'only this 部门/地区')
    .addOption(new Option('--status <status>', 'operating or closed').choices(['operating', 'closed']))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'csv']).default('text'))
    .option('--lang <lang>', 'zh or en', langArg, 'zh' as const)
    .action(async (o: Base & { kind?: 'website' | 'newmedia'; group?: string; status?: 'operating' | 'closed'; format: string }) => {
      const { registryCsv } = await import('../../registry/export.js');
      const { KIND_LABEL, listRegistry, platformLabel, STATUS_LABEL } = await import('../../registry/index.js');
      const { textGrid } = await import('../../report/tables.js');
      const { openDb } = await import('../../store/db.js');
      const db = openDb(o.db);
      try {
        const sites = listRegistry(db, { kind: o.kind, group: o.group, status: o.status });
        if (o.format === 'json') process.stdout.write(JSON.stringify(sites, null, 2) + '\n');
        else if (o.format === 'csv') process.stdout.write(registryCsv(sites, o.lang));
        else {
          const zh = o.lang === 'zh';
          const headers = zh ? ['序号', '类型', '部门/地区', '名称', '平台', '网址', '状态'] : ['id', 'kind', 'group', 'name', 'platform', 'url', 'status'];
          process.stdout.write(
            textGrid(
              headers,
              sites.map((s) => [s.seq ?? '', KIND_LABEL[s.kind][o.lang], s.group ?? '', s.name ?? '', platformLabel(s.platform, o.lang), s.url, STATUS_LABEL[s.status][o.lang]]),
              99,
            ) + `\n${zh ? `共 ${sites.length} 条` : `${sites.length} entries`}\n`,
          );
        }
      } finally {
        db.close();
      }
    });

  reg
    .command('export')
    .description('导出名录（可再导入）/ export the registry (imports back unchanged)')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .addOption(new Option('-f, --format <format>', 'csv (UTF-8 with BOM), xlsx or yaml').choices(['csv', 'xlsx', 'yaml']).default('csv'))
    .option('-o, --out <file>', 'output file (xlsx needs one; others default to stdout)')
    .option('--lang <lang>', 'header language: zh or en', langArg, 'zh' as const)
    .action(async (o: Base & { format: 'csv' | 'xlsx' | 'yaml'; out?: string }) => {
      const { registryCsv, registryXlsx, registryYaml } = await import('../../registry/export.js');
      const { listRegistry } = await import('../../registry/index.js');
      const { openDb } = await import('../../store/db.js');
      const db = openDb(o.db);
      try {
        const sites = listRegistry(db);
        const body = o.format === 'csv' ? registryCsv(sites, o.lang) : o.format === 'yaml' ? registryYaml(sites, o.lang) : await registryXlsx(sites, o.lang);
        if (o.out) {
          writeFileSync(o.out, body);
          process.stderr.write(`${o.out}\n`);
        } else if (o.format === 'xlsx') throw new UsageError('--format xlsx needs --out FILE');
        else process.stdout.write(body);
      } finally {
        db.close();
      }
    });

  reg
    .command('log')
    .description('导入记录 / the import log')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .action(async (o: Base) => {
      const { importLog } = await import('../../registry/index.js');
      const { textGrid } = await import('../../report/tables.js');
      const { openDb } = await import('../../store/db.js');
      const db = openDb(o.db);
      try {
        const rows = importLog(db);
        process.stdout.write(
          textGrid(
            ['id', 'imported_at', 'file', 'format', 'mode', 'rows', 'added', 'updated', 'unchanged', 'removed'],
            rows.map((r) => [r.id, r.imported_at, r.file, r.format, r.mode, r.rows, r.added, r.updated, r.unchanged, r.removed]),
            5,
          ) + '\n',
        );
      } finally {
        db.close();
      }
    });
}
