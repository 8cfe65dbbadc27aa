import type { Command } from 'commander';
import { configFrom, langArg, type CommonOptions, UsageError } from '../common.js';

interface CollectCliOptions extends CommonOptions {
  redis?: string;
  db: string;
  once?: boolean;
  coordinate?: boolean;
}

export function register(program: Command): void {
  program
    .command('collect')
    .description("协调进程：把检查进程的结果存入数据库、结束检查批次、启动定时任务 / coordinator: stores the workers' results in SQLite, closes runs, starts scheduled runs and probe rounds")
    .option('--redis <url>', 'Redis URL, redis://host:port[/db] (default: env GOVCHECK_REDIS_URL)')
    .option('--db <file>', 'SQLite database file (every coordinator of one Redis must use the same file)', './govcheck.db')
    .option('--once', 'store what is finished now, then exit')
    .option('--no-coordinate', 'only store results (do not close runs or start scheduled jobs)')
    .option('--config <file>', 'YAML config file: used by scheduled runs and probe rounds')
    .option('--lang <lang>', 'zh or en (scheduled runs)', langArg)
    .option('--allow-private-network', 'scheduled runs and probes may reach loopback/private addresses (tests, intranets)')
    .option('--allow-network <cidr>', 'allow one private range (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--resolve <host:address>', 'pin a host name to an address (repeatable; address - = does not resolve)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (o: CollectCliOptions) => {
      const { Coordinator } = await import('../../../queues/coordinator.js');
      const { checkRedis, redisUrlFrom, RedisCheckError, safeRedisUrl } = await import('../../../queues/redis.js');
      const { openDb } = await import('../../store/db.js');
      const url = redisUrlFrom(o.redis);
      if (!url) throw new UsageError('give --redis redis://host:port (or set GOVCHECK_REDIS_URL)');
      const config = await configFrom(o);
      try {
        const info = await checkRedis(url);
        for (const w of info.warnings) process.stderr.write(`govcheck collect: ${w}\n`);
      } catch (e) {
        if (e instanceof RedisCheckError) throw new UsageError(e.message);
        throw e;
      }
      const db = openDb(o.db);
      const log = (l: string) => process.stderr.write(`govcheck collect: ${l}\n`);
      const collector = await Coordinator.start({
        redisUrl: url,
        db,
        config,
        lang: o.lang ?? config.lang,
        coordinate: o.once ? false : o.coordinate !== false,
        log,
        onEvent: (e) => {
          if (e.type === 'run-closed') log(`run ${e.runId} closed: ${e.status}, ${e.counts.done}/${e.counts.total} sites, ${e.counts.failed} failed, ${e.counts.errors} not checked`);
          else if (e.type === 'run-started') log(`scheduled run ${e.summary.runId} of ${e.quarter} queued: ${e.summary.added} site jobs`);
          else if (e.type === 'probe-round') log(`probe round ${e.round}: ${e.sites} websites in ${e.jobs} jobs`);
        },
      });
      if (o.once) {
        await collector.sweep();
        const n = collector.storedCount;
        await collector.close();
        db.close();
        process.stdout.write(`${n}\n`);
        return;
      }
      log(`ready (Redis ${safeRedisUrl(url)}, database ${o.db})`);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await collector.close();
      db.close();
      log('stopped');
      process.exit(0);
    });
}
