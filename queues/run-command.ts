/**
 * `govcheck run --quarter Q --redis URL [--wait]`: the distributed form of the quarterly run. Checks Redis, adds the
 * run to the queues (producer.ts) and, with --wait, stores the results as they come (coordinator.ts) with the same
 * progress display as the in-process run, until the run is closed. Notes: docs/modules.md.
 */
import type { Lang } from '../src/check-api/api.js';
import type { Config } from '../src/config.js';
import { formatRate } from '../src/rollup/tables.js';
import { formatDuration, progressReporter } from '../src/run/progress.js';
import type { Quarter } from '../src/run/quarter.js';
import { getRun, runCounts, type RunEvent } from '../src/run/runner.js';
import type { DB } from '../src/store/db.js';
import { Coordinator } from './coordinator.js';
import { enqueueRun } from './producer.js';
import { checkRedis, connect, safeRedisUrl } from './redis.js';

export interface DistributedRunOptions {
  redisUrl: string;
  wait: boolean;
  db: DB;
  dbFile: string;
  quarter: Quarter;
  asOf: string;
  asOfExplicit: boolean;
  runId?: string;
  config: Config;
  lang: Lang;
  only?: string[];
  checks?: string[];
  retryErrors?: boolean;
  siteTimeoutMs?: number;
  progress: boolean;
  rateDecimals: number;
  /** How often --wait looks at the run's status (ms). */
  pollMs?: number;
}

/** Runs the command; resolves with the exit code (0 queued / done, 2 interrupted). Errors: RedisCheckError, RunError. */
export async function runDistributed(o: DistributedRunOptions): Promise<number> {
  const zh = o.lang === 'zh';
  const info = await checkRedis(o.redisUrl);
  for (const w of info.warnings) process.stderr.write(`govcheck: ${w}\n`);
  const redis = connect(o.redisUrl);
  redis.on('error', () => undefined);
  const started = Date.now();
  let summary;
  try {
    summary = await enqueueRun(o.db, redis, {
      quarter: o.quarter,
      asOf: o.asOf,
      asOfExplicit: o.asOfExplicit,
      runId: o.runId,
      config: o.config,
      lang: o.lang,
      only: o.only,
      checks: o.checks,
      retryErrors: o.retryErrors,
      siteTimeoutMs: o.siteTimeoutMs,
    });
  } finally {
    redis.disconnect();
  }
  const { runId } = summary;
  process.stderr.write(
    zh
      ? `检查批次 ${runId} 已加入队列（Redis ${safeRedisUrl(o.redisUrl)}）：待检查 ${summary.pending} 个，新加入 ${summary.added} 个，已在队列中 ${summary.alreadyQueued} 个\n`
      : `run ${runId} queued on Redis ${safeRedisUrl(o.redisUrl)}: ${summary.pending} to check, ${summary.added} site jobs added, ${summary.alreadyQueued} already queued\n`,
  );
  if (!o.wait || summary.closed) {
    const out = summary.closed
      ? zh
        ? `检查批次 ${runId} 没有待检查的网站，已完成。统计表：govcheck table --run ${runId} --db ${o.dbFile}`
        : `run ${runId} has nothing left to check and is done. tables: govcheck table --run ${runId} --db ${o.dbFile}`
      : zh
        ? `检查批次 ${runId} 已加入队列。启动检查进程：govcheck worker --redis URL；保存结果：govcheck collect --redis URL --db ${o.dbFile}（或加 --wait 再次运行本命令）`
        : `run ${runId} is queued. Start workers: govcheck worker --redis URL; store results: govcheck collect --redis URL --db ${o.dbFile} (or run this command again with --wait)`;
    process.stdout.write(out + '\n');
    return 0;
  }

  const report = o.progress ? progressReporter({ lang: o.lang }) : undefined;
  report?.({ type: 'start', runId, asOf: summary.asOf, counts: { ...summary.counts }, pending: summary.pending, resumed: summary.resumed });
  let pages = 0;
  const collector = await Coordinator.start({
    redisUrl: o.redisUrl,
    db: o.db,
    config: o.config,
    lang: o.lang,
    onEvent: (e) => {
      if (e.type === 'site-stored' && e.runId === runId) {
        pages += e.pages;
        const ev: RunEvent = { type: 'site-done', site: e.site, outcome: e.outcome, verdict: e.verdict, pages: e.pages, counts: { ...e.counts, pages } };
        report?.(ev);
      }
    },
  });
  let stop: (() => void) | undefined;
  const interrupted = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    stop = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  });
  // The run is closed by whichever coordinator handles its parent job (this one, or a `govcheck collect`).
  let poll: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => {
    poll = setInterval(() => {
      const r = getRun(o.db, runId);
      if (r && r.status !== 'running') resolve();
    }, o.pollMs ?? 500);
  });
  const first = await Promise.race([closed.then(() => undefined), interrupted]);
  clearInterval(poll);
  stop?.();
  await collector.close();
  if (first) {
    process.stderr.write(
      zh
        ? `\n已停止等待（${first}）。检查批次 ${runId} 仍在队列中由检查进程继续；govcheck collect 保存结果，或再次运行本命令（加 --wait）继续等待。\n`
        : `\nstopped waiting (${first}); run ${runId} goes on in the workers; govcheck collect stores its results, or run this command again with --wait.\n`,
    );
    return 130;
  }
  const run = getRun(o.db, runId)!;
  const counts = { ...runCounts(o.db, runId), pages };
  const status = run.status === 'done' ? 'done' : 'interrupted';
  report?.({ type: 'end', counts, status, durationMs: Date.now() - started });
  const rows = o.db
    .prepare(
      `SELECT rs.kind, COUNT(*) AS planned, SUM(sr.outcome = 'checked') AS checked, SUM(sr.outcome = 'checked' AND sr.verdict = 'fail') AS failed, SUM(sr.outcome = 'error') AS errors
       FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id WHERE rs.run_id = ? AND rs.planned = 1 GROUP BY rs.kind`,
    )
    .all(runId) as Array<{ kind: string; planned: number; checked: number | null; failed: number | null; errors: number | null }>;
  const out: string[] = [
    zh
      ? `检查批次 ${runId}（${o.quarter.id}，检查日期 ${summary.asOf}，分布式）${status === 'done' ? '已完成' : '未完成'}，用时 ${formatDuration(Date.now() - started, o.lang)}`
      : `run ${runId} (${o.quarter.id}, as of ${summary.asOf}, distributed) ${status} in ${formatDuration(Date.now() - started, o.lang)}`,
  ];
  for (const r of rows) {
    const what = r.kind === 'website' ? (zh ? '政府网站' : 'websites') : zh ? '政务新媒体' : 'accounts';
    const checked = r.checked ?? 0;
    const failed = r.failed ?? 0;
    out.push(
      zh
        ? `  ${what}：检查 ${checked} 个，不合格 ${failed} 个，不合格率 ${formatRate(failed, checked, o.rateDecimals)}%${r.errors ? `，未能完成 ${r.errors} 个` : ''}`
        : `  ${what}: ${checked} checked, ${failed} failed, failure rate ${formatRate(failed, checked, o.rateDecimals)}%${r.errors ? `, ${r.errors} could not be checked` : ''}`,
    );
  }
  out.push(zh ? `统计表：govcheck table --run ${runId} --db ${o.dbFile}` : `tables: govcheck table --run ${runId} --db ${o.dbFile}`);
  process.stdout.write(out.join('\n') + '\n');
  return status === 'done' ? 0 : 2;
}
