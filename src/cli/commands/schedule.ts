import type { Command } from 'commander';
import { Option } from 'commander';
import type { connect } from '../../../queues/redis.js';
import type { ScheduleInfo } from '../../../queues/schedules.js';
import { configFrom, langArg, listArg, UsageError } from '../common.js';

async function withRedis<T>(flag: string | undefined, fn: (redis: ReturnType<typeof connect>) => Promise<T>): Promise<T> {
  const { checkRedis, connect, redisUrlFrom, RedisCheckError } = await import('../../../queues/redis.js');
  const { ScheduleError } = await import('../../../queues/schedules.js');
  const url = redisUrlFrom(flag);
  if (!url) throw new UsageError('give --redis redis://host:port (or set GOVCHECK_REDIS_URL)');
  try {
    await checkRedis(url);
  } catch (e) {
    if (e instanceof RedisCheckError) throw new UsageError(e.message);
    throw e;
  }
  const redis = connect(url);
  redis.on('error', () => undefined);
  try {
    return await fn(redis);
  } catch (e) {
    if (e instanceof ScheduleError) throw new UsageError(e.message);
    throw e;
  } finally {
    redis.disconnect();
  }
}

function show(list: ScheduleInfo[], format: string, lang: 'zh' | 'en'): string {
  if (format === 'json') return JSON.stringify(list, null, 2) + '\n';
  if (!list.length) return lang === 'zh' ? '没有定时任务\n' : 'no schedules\n';
  return (
    list
      .map((s) =>
        lang === 'zh' ? `${s.id}\t${s.job}\t${s.pattern ?? `每 ${s.every} 毫秒`}\t${s.timezone ?? ''}\t下次 ${s.next ?? '-'}` : `${s.id}\t${s.job}\t${s.pattern ?? `every ${s.every} ms`}\t${s.timezone ?? ''}\tnext ${s.next ?? '-'}`,
      )
      .join('\n') + '\n'
  );
}

export function register(program: Command): void {
  const cmd = program
    .command('schedule')
    .description('定时任务：季度检查与可访问性监测（BullMQ 定时器，由 govcheck collect 执行）/ schedules: the quarterly run and the availability probes (BullMQ job schedulers, run by govcheck collect)')
    .option('--redis <url>', 'Redis URL (default: env GOVCHECK_REDIS_URL)')
    .option('--quarterly <cron>', 'cron of the quarterly run (default config schedules.quarterlyRun: 0 2 1 1,4,7,10 *)')
    .option('--probes <cron>', 'cron of the availability probe rounds (default config schedules.probes: */30 * * * *; a 6th leading field = seconds)')
    .option('--tz <zone>', 'time zone of the cron patterns (default Asia/Shanghai)')
    .addOption(new Option('--only <which>', 'register only this schedule').choices(['quarterly', 'probes']))
    .option('--run-only <group|site>', 'the scheduled quarterly run checks only these groups or sites (comma-separated)', listArg)
    .option('--checks <ids>', 'the scheduled quarterly run runs only these checks', listArg)
    .option('--config <file>', 'YAML config file (schedules section)')
    .addOption(new Option('-f, --format <format>', 'output').choices(['text', 'json']).default('text'))
    .option('--lang <lang>', 'zh or en', langArg)
    .action(async (o: { redis?: string; quarterly?: string; probes?: string; tz?: string; only?: 'quarterly' | 'probes'; runOnly?: string[]; checks?: string[]; config?: string; format: string; lang?: 'zh' | 'en' }) => {
      const { registerSchedules } = await import('../../../queues/schedules.js');
      const config = await configFrom({ config: o.config });
      const list = await withRedis(o.redis, (redis) =>
        registerSchedules(redis, config, {
          quarterlyPattern: o.quarterly,
          probePattern: o.probes,
          timezone: o.tz,
          only: o.only ? [o.only] : undefined,
          run: { only: o.runOnly, checks: o.checks },
        }),
      );
      process.stdout.write(show(list, o.format, o.lang ?? config.lang));
    });

  cmd
    .command('list')
    .description('列出定时任务 / list the schedules')
    .option('--redis <url>', 'Redis URL (default: env GOVCHECK_REDIS_URL)')
    .addOption(new Option('-f, --format <format>', 'output').choices(['text', 'json']).default('text'))
    .option('--lang <lang>', 'zh or en', langArg)
    .action(async (o: { redis?: string; format: string; lang?: 'zh' | 'en' }) => {
      const { listSchedules } = await import('../../../queues/schedules.js');
      const list = await withRedis(o.redis ?? cmd.opts().redis, (redis) => listSchedules(redis));
      process.stdout.write(show(list, o.format, o.lang ?? 'zh'));
    });

  cmd
    .command('remove')
    .description('删除定时任务（all = 全部）/ remove schedules by id (all = every one)')
    .argument('<ids...>', 'schedule ids (govcheck-quarterly-run, govcheck-availability-probes) or all')
    .option('--redis <url>', 'Redis URL (default: env GOVCHECK_REDIS_URL)')
    .action(async (ids: string[], o: { redis?: string }) => {
      const { removeSchedules } = await import('../../../queues/schedules.js');
      const removed = await withRedis(o.redis ?? cmd.opts().redis, (redis) => removeSchedules(redis, ids));
      process.stdout.write(removed.join('\n') + (removed.length ? '\n' : ''));
    });
}
