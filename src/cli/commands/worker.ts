import type { Command } from 'commander';
import { WORKER_DEFAULTS } from '../../../queues/worker-defaults.js';
import { EXIT, intArg, UsageError } from '../common.js';

interface WorkerCliOptions {
  redis?: string;
  concurrency: number;
  probeConcurrency: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalled: number;
  drainTimeout?: number;
  config?: string;
  metricsPort?: number;
  metricsHost: string;
  allowPrivateNetwork?: boolean;
  name?: string;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('检查进程：从 Redis 队列领取网站检查和可访问性监测任务 / worker: takes site checks and availability probes from the Redis queues')
    .option('--redis <url>', 'Redis URL, redis://host:port[/db] (default: env GOVCHECK_REDIS_URL)')
    .option('--concurrency <n>', 'sites checked at the same time by this process', intArg('--concurrency', 1), 2)
    .option('--probe-concurrency <n>', 'availability probe jobs at the same time', intArg('--probe-concurrency', 1), 1)
    .option('--lock-duration <seconds>', "lock of a job in progress; a dead worker's job is taken back after it", intArg('--lock-duration', 1), WORKER_DEFAULTS.lockDurationMs / 1000)
    .option('--stalled-interval <seconds>', 'how often to look for jobs of dead workers', intArg('--stalled-interval', 1), WORKER_DEFAULTS.stalledIntervalMs / 1000)
    .option('--max-stalled <n>', 'times a job may be taken back before it fails (recorded as not checked)', intArg('--max-stalled', 0), WORKER_DEFAULTS.maxStalledCount)
    .option('--drain-timeout <seconds>', `on SIGTERM/SIGINT: time for jobs in progress to finish before they are released (default: config queue.drainSeconds, ${WORKER_DEFAULTS.drainTimeoutMs / 1000})`, intArg('--drain-timeout', 0))
    .option('--config <file>', 'YAML config file (queue.drainSeconds; runs bring their own config)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics', intArg('--metrics-port', 0))
    .option('--metrics-host <host>', 'address the metrics endpoint listens on', '0.0.0.0')
    .option('--allow-private-network', 'take runs whose config allows loopback/private addresses (tests, intranets)')
    .option('--name <name>', 'worker name shown in Bull Board (default host:pid)')
    .action(async (o: WorkerCliOptions) => {
      const { checkRedis, redisUrlFrom, RedisCheckError, safeRedisUrl } = await import('../../../queues/redis.js');
      const { SiteWorker } = await import('../../../queues/worker.js');
      const { loadConfig } = await import('../../config.js');
      const drainSeconds = o.drainTimeout ?? loadConfig(o.config).queue.drainSeconds;
      const url = redisUrlFrom(o.redis);
      if (!url) throw new UsageError('give --redis redis://host:port (or set GOVCHECK_REDIS_URL)');
      try {
        const info = await checkRedis(url);
        for (const w of info.warnings) process.stderr.write(`govcheck worker: ${w}\n`);
      } catch (e) {
        if (e instanceof RedisCheckError) throw new UsageError(e.message);
        throw e;
      }
      const worker = await SiteWorker.start({
        redisUrl: url,
        concurrency: o.concurrency,
        probeConcurrency: o.probeConcurrency,
        lockDurationMs: o.lockDuration * 1000,
        stalledIntervalMs: o.stalledInterval * 1000,
        maxStalledCount: o.maxStalled,
        drainTimeoutMs: drainSeconds * 1000,
        metricsPort: o.metricsPort,
        metricsHost: o.metricsHost,
        allowPrivateNetwork: o.allowPrivateNetwork,
        name: o.name,
      });
      const graceSeconds = WORKER_DEFAULTS.closeGraceMs / 1000;
      const result = await new Promise<'clean' | 'timeout' | 'error'>((resolve) => {
        let signalled = false;
        const onSignal = (sig: NodeJS.Signals) => {
          if (signalled) {
            // A second signal: exit now. Jobs this worker held come back through another worker's stalled-job check.
            process.stderr.write(`govcheck worker: second ${sig}: exiting now without waiting for jobs or Redis\n`);
            process.exit(EXIT.error);
          }
          signalled = true;
          process.stderr.write(`govcheck worker: ${sig}: stopping (no new jobs; exits within ${drainSeconds + graceSeconds} s, at once on a second signal)\n`);
          worker.stop(sig).then(resolve, (e) => {
            process.stderr.write(`govcheck worker: ${String((e as Error)?.message ?? e).split('\n')[0]}\n`);
            resolve('error');
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        process.stderr.write(`govcheck worker: ready (pid ${process.pid}, Redis ${safeRedisUrl(url)}, concurrency ${o.concurrency}${worker.metricsPort !== undefined ? `, metrics on port ${worker.metricsPort}` : ''})\n`);
      });
      if (result === 'timeout') {
        process.stderr.write(
          `govcheck worker: could not stop cleanly within ${Math.round((worker.stopBoundMs ?? 0) / 1000)} s: Redis at ${safeRedisUrl(url)} is unreachable (${worker.queueErrors} connection errors); jobs in progress come back through the stalled-job check\n`,
        );
        process.exit(EXIT.error);
      }
      process.stderr.write('govcheck worker: stopped\n');
      if (result === 'error') process.exit(EXIT.error);
      // Libraries may keep handles open (crawler timers, browser pipes): the worker is done, so exit.
      process.exit(0);
    });
}
