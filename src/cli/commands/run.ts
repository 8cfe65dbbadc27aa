import type { Command } from 'commander';
import { DEFAULT_RUN_CONCURRENCY } from '../../run/defaults.js';
import { configFrom, dateArg, EXIT, intArg, langArg, listArg, UsageError, type CommonOptions } from '../common.js';

interface RunCliOptions extends Omit<CommonOptions, 'concurrency'> {
  quarter: string;
  asOf?: string;
  concurrency: number;
  siteConcurrency?: number;
  only?: string[];
  db: string;
  run?: string;
  checks?: string[];
  retryErrors?: boolean;
  siteTimeout?: number;
  progress?: boolean;
  evidenceDir?: string;
  redis?: string;
  wait?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('季度检查：检查名录中所有运作的网站和政务新媒体（本进程内，可中断续查）/ quarterly run over every operating site and account of the registry, in-process and resumable')
    .requiredOption('--quarter <quarter>', 'quarter, e.g. 2024Q2')
    .option('--as-of <date>', 'inspection date YYYY-MM-DD (default: today, Asia/Shanghai; a resumed run keeps its date)', dateArg)
    .option('--concurrency <n>', `sites checked at the same time (default ${DEFAULT_RUN_CONCURRENCY})`, intArg('--concurrency', 1), DEFAULT_RUN_CONCURRENCY)
    .option('--site-concurrency <n>', 'concurrent requests to one site (default: config gather.concurrency, 4)', intArg('--site-concurrency', 1))
    .option('--only <group|site>', 'only these groups (部门/地区), site ids, URLs or names (comma-separated, repeatable)', listArg)
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--run <id>', 'run id (default: the quarter, e.g. 2024Q2)')
    .option('--checks <ids>', 'only these checks (comma-separated)', listArg)
    .option('--retry-errors', 'check again the sites whose earlier attempt ended in an error')
    .option('--site-timeout <seconds>', 'longest time for one site before it is recorded as an error (default 1800)', intArg('--site-timeout', 1))
    .option('--evidence-dir <dir>', 'keep evidence files (screenshots of veto findings, with Chromium) in this folder')
    .option('--redis <url>', 'distributed run: queue the run on this Redis (redis://host:port) for `govcheck worker` processes')
    .option('--wait', 'with --redis: store the results as workers finish them, with progress, until the run is closed')
    .option('--no-progress', 'no progress display')
    .option('--lang <lang>', 'zh or en', langArg)
    .option('--max-pages <n>', 'pages to crawl per site at most', intArg('--max-pages', 1))
    .option('--max-depth <n>', 'link depth from the home page', intArg('--max-depth', 0))
    .option('--timeout <seconds>', 'per-request time limit in seconds (default 15)', intArg('--timeout', 1))
    .option('--config <file>', 'YAML config file (overrides config/defaults.yaml and rules.yaml)')
    .option('--groups <file>', 'table groups file (default config/groups.yaml)')
    .option('--allow-private-network', 'allow loopback/private addresses (tests, demo, intranet)')
    .option('--allow-network <cidr>', 'allow one private range (repeatable), others stay refused', (v: string, prev: string[] = []) => [...prev, v])
    .option('--resolve <host:address>', 'pin a host name to an address (repeatable; address - = does not resolve)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (o: RunCliOptions & { groups?: string }) => {
      const { formatRate } = await import('../../rollup/tables.js');
      const { loadGroups } = await import('../../registry/groups.js');
      const { progressReporter, formatDuration } = await import('../../run/progress.js');
      const { assertAsOf, defaultAsOf, parseQuarter, QuarterError } = await import('../../run/quarter.js');
      const { runQuarter, RunError } = await import('../../run/runner.js');
      const { finishRun, openDb } = await import('../../store/db.js');
      const { RedisCheckError } = await import('../../../queues/redis.js');
      const { runDistributed } = await import('../../../queues/run-command.js');
      let quarter;
      try {
        quarter = parseQuarter(o.quarter);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const config = await configFrom({ ...o, concurrency: o.siteConcurrency });
      const lang = o.lang ?? config.lang;
      let asOf = o.asOf;
      if (asOf) {
        try {
          assertAsOf(quarter, asOf);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      if (!asOf) {
        try {
          const d = defaultAsOf(quarter);
          asOf = d.asOf;
          if (d.warning) process.stderr.write(`govcheck: ${d.warning}\n`);
        } catch (e) {
          if (e instanceof QuarterError) throw new UsageError(e.message);
          throw e;
        }
      }
      const groups = loadGroups({ groupsFile: o.groups, configFile: o.config });
      if (o.wait && !o.redis) throw new UsageError('--wait goes with --redis URL');
      if (o.redis && o.evidenceDir) throw new UsageError('--evidence-dir is not available with --redis: workers run on other machines');
      const db = openDb(o.db);
      // What the in-process and the distributed run are both given.
      const plan = {
        quarter,
        asOf,
        asOfExplicit: !!o.asOf,
        runId: o.run,
        config,
        lang,
        only: o.only,
        checks: o.checks,
        retryErrors: o.retryErrors,
        siteTimeoutMs: o.siteTimeout ? o.siteTimeout * 1000 : undefined,
      };
      if (o.redis) {
        // Distributed run (queues/run-command.ts): same snapshot and sites, checked by `govcheck worker` processes.
        try {
          process.exitCode = await runDistributed({
            redisUrl: o.redis,
            wait: !!o.wait,
            db,
            dbFile: o.db,
            ...plan,
            progress: o.progress !== false,
            rateDecimals: groups.rateDecimals,
          });
        } catch (e) {
          if (e instanceof RunError || e instanceof RedisCheckError) throw new UsageError(e.message);
          throw e;
        } finally {
          db.close();
        }
        return;
      }
      const abort = new AbortController();
      const runId = o.run ?? quarter.id;
      const onSignal = (sig: NodeJS.Signals) => {
        // Finished sites are already stored; the ones in progress are checked again on the next run.
        abort.abort();
        try {
          finishRun(db, runId, 'interrupted');
          db.close();
        } catch {
          /* the database may be mid-write; the next run resumes all the same */
        }
        process.stderr.write(lang === 'zh' ? `\n已中断（${sig}）。已完成的结果已保存；再次运行同一命令将继续检查未完成的网站。\n` : `\ninterrupted (${sig}); finished results are stored; run the same command again to continue.\n`);
        process.exit(130);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runQuarter(db, {
          ...plan,
          concurrency: o.concurrency,
          evidenceDir: o.evidenceDir,
          onEvent: o.progress === false ? undefined : progressReporter({ lang }),
          signal: abort.signal,
        }).catch((e) => {
          if (e instanceof RunError) throw new UsageError(e.message);
          throw e;
        });
        // Summary by kind.
        const rows = db
          .prepare(
            `SELECT rs.kind, COUNT(*) AS planned, SUM(sr.outcome = 'checked') AS checked, SUM(sr.outcome = 'checked' AND sr.verdict = 'fail') AS failed, SUM(sr.outcome = 'error') AS errors
             FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id WHERE rs.run_id = ? AND rs.planned = 1 GROUP BY rs.kind`,
          )
          .all(summary.runId) as Array<{ kind: string; planned: number; checked: number | null; failed: number | null; errors: number | null }>;
        const zh = lang === 'zh';
        const out: string[] = [];
        out.push(
          zh
            ? `检查批次 ${summary.runId}（${quarter.id}，检查日期 ${summary.asOf}）${summary.status === 'done' ? '已完成' : '未完成'}，本次检查 ${summary.checkedNow} 个，用时 ${formatDuration(summary.durationMs, lang)}，抓取页面 ${summary.counts.pages} 个`
            : `run ${summary.runId} (${quarter.id}, as of ${summary.asOf}) ${summary.status}; ${summary.checkedNow} checked now in ${formatDuration(summary.durationMs, lang)}, ${summary.counts.pages} pages`,
        );
        for (const r of rows) {
          const what = r.kind === 'website' ? (zh ? '政府网站' : 'websites') : zh ? '政务新媒体' : 'accounts';
          const checked = r.checked ?? 0;
          const failed = r.failed ?? 0;
          out.push(
            zh
              ? `  ${what}：检查 ${checked} 个，不合格 ${failed} 个，不合格率 ${formatRate(failed, checked, groups.rateDecimals)}%${r.errors ? `，未能完成 ${r.errors} 个` : ''}`
              : `  ${what}: ${checked} checked, ${failed} failed, failure rate ${formatRate(failed, checked, groups.rateDecimals)}%${r.errors ? `, ${r.errors} could not be checked` : ''}`,
          );
        }
        out.push(zh ? `统计表：govcheck table --quarter ${quarter.id} --db ${o.db}` : `tables: govcheck table --quarter ${quarter.id} --db ${o.db}`);
        process.stdout.write(out.join('\n') + '\n');
        process.exitCode = summary.status === 'done' ? EXIT.pass : EXIT.error;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (db.open) db.close();
      }
    });
}
