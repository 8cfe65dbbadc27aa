import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { dateArg, intArg, langArg, UsageError } from '../common.js';

interface NoticeOptions {
  quarter?: string;
  run?: string;
  format: 'docx' | 'md';
  out?: string;
  previous?: string;
  db: string;
  config?: string;
  groups?: string;
  lang?: 'zh' | 'en';
  letters?: string | boolean;
  replyDays?: number;
  date?: string;
}

export function register(program: Command): void {
  program
    .command('notice')
    .description('季度检查情况通报（草稿）及提醒函 / draft of the quarterly notice with both attachment tables, and reminder letters per unit')
    .option('--quarter <quarter>', 'quarter, e.g. 2024Q2 (its latest run)')
    .option('--run <id>', 'a run id instead of --quarter')
    .addOption(new Option('-f, --format <format>', 'docx or md').choices(['docx', 'md']).default('docx'))
    .option('-o, --out <file>', 'output file (docx default: 检查情况通报-草稿-<quarter>.docx; md default: stdout)')
    .option('--previous <runId>', 'compare with this run (default: the latest run of the previous quarter)')
    .option('--letters [dir]', '也为每个有问题的主办单位写一份提醒函（DOCX）/ also write one reminder letter (DOCX) per owner unit with problems, into this folder (default: 提醒函-<quarter> beside the notice)')
    .option('--reply-days <n>', 'letters: reply window in working days (default: config letters.replyDays, 15)', intArg('--reply-days', 1))
    .option('--date <date>', "letters: the letters' date YYYY-MM-DD (default: the date they were first issued, else today in China)", dateArg)
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--config <file>', 'YAML config file (rules, letters, calendar)')
    .option('--groups <file>', 'table groups file (default config/groups.yaml)')
    .option('--lang <lang>', 'zh or en', langArg)
    .action(async (o: NoticeOptions) => {
      const { noticeBlocks, noticeDocx, noticeMarkdown } = await import('../../report/notice.js');
      const { loadReport } = await import('../report-options.js');
      if (!o.letters && (o.replyDays !== undefined || o.date)) throw new UsageError('--reply-days and --date are for the letters: add --letters');
      const { report: r, lang, config } = loadReport(o);
      const zh = lang === 'zh';
      const out = o.format === 'docx' ? (o.out ?? `${zh ? '检查情况通报-草稿' : 'notice-draft'}-${r.quarter.id}.docx`) : o.out;
      let letterCount: number | undefined;
      if (o.letters) {
        const { issueLetters, LetterError, lettersDirName } = await import('../../report/letters.js');
        const { openDb } = await import('../../store/db.js');
        const { todayInShanghai } = await import('../../china-time.js');
        const dir = typeof o.letters === 'string' ? o.letters : path.join(out ? path.dirname(out) : '.', lettersDirName(r.quarter.id, lang));
        const db = openDb(o.db);
        try {
          const { letters, warnings } = await issueLetters(db, r, {
            dir,
            lang,
            issuer: config.letters.issuer,
            numberPrefix: config.letters.numberPrefix,
            replyDays: o.replyDays ?? config.letters.replyDays,
            replyDaysExplicit: o.replyDays !== undefined,
            date: o.date,
            today: todayInShanghai(),
            calendar: config.calendar,
          });
          for (const w of warnings) process.stderr.write(`govcheck: ${w}\n`);
          for (const l of letters) process.stderr.write(`${path.join(dir, l.file)}  ${l.letterNo}  ${zh ? '反馈期限' : 'reply by'} ${l.replyBy}\n`);
          if (!letters.length) process.stderr.write(zh ? '本季度没有需要发函的单位。\n' : 'No unit needs a letter this quarter.\n');
          letterCount = letters.length;
        } catch (e) {
          if (e instanceof LetterError) throw new UsageError(e.message);
          throw e;
        } finally {
          db.close();
        }
      }
      const blocks = noticeBlocks({ quarter: r.quarter, runId: r.run.id, asOf: r.run.as_of, lang, tables: r.tables, failing: r.failing, categories: r.categories, changes: r.changes, letters: letterCount });
      if (o.format === 'md') {
        const md = noticeMarkdown(blocks, r.quarter, lang);
        if (out) {
          writeFileSync(out, md);
          process.stderr.write(`${out}\n`);
        } else process.stdout.write(md);
        return;
      }
      writeFileSync(out!, await noticeDocx(blocks, r.quarter, lang));
      process.stderr.write(`${out}\n`);
    });
}
