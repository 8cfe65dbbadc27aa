/**
 * `govcheck demo`: the main job end to end on the embedded default (no Redis). Notes: docs/modules.md.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, intArg, langArg, UsageError } from '../common.js';

/** The demo's inspection date: the fixture's newest items are from late June 2024. */
export const DEMO_QUARTER = '2024Q2';
export const DEMO_AS_OF = '2024-07-01';

export function register(program: Command): void {
  program
    .command('demo')
    .description('演示：在本机启动示例省（数十个网站和政务新媒体账号），完成一次季度检查并生成统计表和通报 / serve the fixture province on 127.0.0.1, run a quarter, print the tables and write the reports')
    .option('--out <dir>', 'folder for the reports and the database', './govcheck-demo')
    .option('--lang <lang>', 'zh or en', langArg)
    .option('--concurrency <n>', 'sites checked at the same time', intArg('--concurrency', 1), 4)
    .option('--no-progress', 'no progress display')
    .action(async (o: { out: string; lang?: 'zh' | 'en'; concurrency: number; progress?: boolean }) => {
      const { loadConfig } = await import('../../config.js');
      const { importRegistryFile, loadGroups } = await import('../../registry/index.js');
      const { writeReportBundle } = await import('../../report/bundle.js');
      const { failingText } = await import('../../report/lists.js');
      const { tableText } = await import('../../report/tables.js');
      const { quarterReport } = await import('../../rollup/index.js');
      const { progressReporter } = await import('../../run/progress.js');
      const { parseQuarter } = await import('../../run/quarter.js');
      const { runQuarter } = await import('../../run/runner.js');
      const { openDb } = await import('../../store/db.js');
      const { serveProvince } = await import('../../../tests/fixtures/province.js');
      const lang = o.lang ?? loadConfig(undefined, { allowPrivateNetwork: true }).lang;
      const zh = lang === 'zh';
      const out = path.resolve(o.out);
      // Never write into a folder that holds something else.
      if (existsSync(out) && !existsSync(path.join(out, 'govcheck-demo.db')) && readdirSync(out).length) {
        throw new UsageError(`${out} exists and is not a demo folder; choose another with --out`);
      }
      mkdirSync(out, { recursive: true });
      // Each demo starts afresh: the province's ports are new every time.
      const dbFile = path.join(out, 'govcheck-demo.db');
      for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });

      // Three websites are served under host names (one dual-stack with IPv6 working, one IPv4 only, one whose IPv6
      // address refuses): the run resolves them by the province's host overrides, never by DNS.
      const province = await serveProvince({ asOf: DEMO_AS_OF, named: true });
      const db = openDb(dbFile);
      try {
        const config = loadConfig(undefined, {
          allowPrivateNetwork: true,
          browser: { loopbackOnly: true },
          hosts: province.hosts,
          letters: { issuer: { zh: '示例省人民政府办公厅', en: 'General Office of the 示例省 Provincial Government' } },
        });
        const regFile = path.join(out, zh ? '名录-示例省.csv' : 'registry.csv');
        writeFileSync(regFile, province.registryCsv());
        const groups = loadGroups();
        const imported = await importRegistryFile(db, regFile, { groups });
        if (!imported.ok) throw new Error(`demo registry invalid: ${JSON.stringify(imported.errors)}`);
        const web = imported.entries.filter((e) => e.kind === 'website').length;
        process.stderr.write(
          zh
            ? `govcheck 演示：示例省已在本机 127.0.0.1 启动（一个网站另有 [::1]），名录 ${imported.entries.length} 条（网站 ${web} 个，政务新媒体账号 ${imported.entries.length - web} 个）已导入：${regFile}\n`
            : `govcheck demo: the fixture province is up on 127.0.0.1 (one website also on [::1]); registry of ${imported.entries.length} entries (${web} websites, ${imported.entries.length - web} accounts) imported from ${regFile}\n`,
        );
        // W-V1 is judged on a week of visits: the demo replays the week before its date (real visits, stamped
        // at their scheduled times), as `govcheck schedule`'s probe rounds would have recorded it.
        const { probeWeek } = await import('../../../tests/fixtures/probe-week.js');
        const visits = await probeWeek(
          db,
          imported.entries.filter((e) => e.kind === 'website' && e.status !== 'closed').map((e) => ({ id: e.id, url: e.url })),
          { asOf: DEMO_AS_OF, config },
        );
        process.stderr.write(zh ? `govcheck 演示：已回放检查日前一周的可访问性监测（${visits} 次访问）\n` : `govcheck demo: replayed the monitoring week before the inspection date (${visits} visits)\n`);
        const quarter = parseQuarter(DEMO_QUARTER);
        await runQuarter(db, {
          quarter,
          asOf: DEMO_AS_OF,
          config,
          lang,
          concurrency: o.concurrency,
          onEvent: o.progress === false ? undefined : progressReporter({ lang, intervalMs: 5_000 }),
        });
        const report = quarterReport(db, { quarter: quarter.id }, config.rules, groups);
        // Reminder letters (提醒函) to every owner unit with problems, dated on the inspection date, beside
        // the notice; issued first so the 整改清单 carries their numbers.
        const { issueLetters, lettersDirName } = await import('../../report/letters.js');
        const lettersDir = path.join(out, lettersDirName(quarter.id, lang));
        rmSync(lettersDir, { recursive: true, force: true });
        const { letters } = await issueLetters(db, report, {
          dir: lettersDir,
          lang,
          issuer: config.letters.issuer,
          numberPrefix: config.letters.numberPrefix,
          replyDays: config.letters.replyDays,
          date: DEMO_AS_OF,
          today: DEMO_AS_OF,
          calendar: config.calendar,
        });
        const files = await writeReportBundle(out, report, lang, { letters: letters.length });
        files.push(...letters.map((l) => path.join(lettersDir, l.file)));
        process.stdout.write(
          [
            tableText(report.tables.website, quarter, lang),
            '',
            tableText(report.tables.newmedia, quarter, lang),
            '',
            failingText(report.failing, undefined, lang),
            '',
            zh ? `报告已写入 ${out}：` : `reports written to ${out}:`,
            ...files.map((f) => `  ${path.relative(out, f)}`),
            zh ? `  数据库：${path.basename(dbFile)}（可用 govcheck table/notice --db ${dbFile} --quarter ${quarter.id} 再次生成）` : `  database: ${path.basename(dbFile)} (govcheck table/notice --db ${dbFile} --quarter ${quarter.id})`,
          ].join('\n') + '\n',
        );
        process.exitCode = EXIT.pass;
      } finally {
        db.close();
        await province.close();
      }
    });
}
