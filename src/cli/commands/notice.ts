import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { langArg } from '../common.js';

export function register(program: Command): void {
  program
    .command('notice')
    .description('季度检查情况通报（草稿）/ draft of the quarterly notice with both attachment tables')
    .option('--quarter <quarter>', 'quarter, e.g. 2024Q2 (its latest run)')
    .option('--run <id>', 'a run id instead of --quarter')
    .addOption(new Option('-f, --format <format>', 'docx or md').choices(['docx', 'md']).default('docx'))
    .option('-o, --out <file>', 'output file (docx default: 检查情况通报-草稿-<quarter>.docx; md default: stdout)')
    .option('--previous <runId>', 'compare with this run (default: the latest run of the previous quarter)')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--config <file>', 'YAML config file (rules)')
    .option('--groups <file>', 'table groups file (default config/groups.yaml)')
    .option('--lang <lang>', 'zh or en', langArg)
    .action(async (o: { quarter?: string; run?: string; format: 'docx' | 'md'; out?: string; previous?: string; db: string; config?: string; groups?: string; lang?: 'zh' | 'en' }) => {
      const { noticeBlocks, noticeDocx, noticeMarkdown } = await import('../../report/notice.js');
      const { loadReport } = await import('../report-options.js');
      const { report: r, lang } = loadReport(o);
      const blocks = noticeBlocks({ quarter: r.quarter, runId: r.run.id, asOf: r.run.as_of, lang, tables: r.tables, failing: r.failing, categories: r.categories, changes: r.changes });
      if (o.format === 'md') {
        const md = noticeMarkdown(blocks, r.quarter, lang);
        if (o.out) {
          writeFileSync(o.out, md);
          process.stderr.write(`${o.out}\n`);
        } else process.stdout.write(md);
        return;
      }
      const out = o.out ?? `${lang === 'zh' ? '检查情况通报-草稿' : 'notice-draft'}-${r.quarter.id}.docx`;
      writeFileSync(out, await noticeDocx(blocks, r.quarter, lang));
      process.stderr.write(`${out}\n`);
    });
}
