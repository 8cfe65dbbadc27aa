/**
 * Distributed runs through BullMQ on Redis. See names.ts (queues, job ids), producer.ts (the run flow),
 * worker.ts (`govcheck worker`), collector.ts (`govcheck collect`: stores results, closes runs, starts
 * scheduled jobs), schedules.ts (`govcheck schedule`), redis.ts (connection and start-up checks),
 * metrics.ts (Prometheus) and docs/distributed.md "Distributed runs with Redis".
 */
import { Queue } from 'bullmq';
import { queueNames, QUEUE_PREFIX } from './names.js';
import { connect, quiet } from './redis.js';

export * from './names.js';
export * from './payload.js';
export * from './redis.js';
export { enqueueRun, type EnqueueRunOptions, type EnqueueSummary } from './producer.js';
export { SiteWorker, WORKER_DEFAULTS, type WorkerOptions } from './worker.js';
export { Collector, type CollectorEvent, type CollectorOptions } from './collector.js';
export { registerSchedules, listSchedules, removeSchedules, ScheduleError, type ScheduleInfo, type ScheduleOptions } from './schedules.js';

/**
 * The govcheck queues as BullMQ Queue instances on one connection (for Bull Board: wrap each in a
 * BullMQAdapter). `close()` closes them and the connection.
 */
export function openQueues(redisUrl: string): { queues: Queue[]; close(): Promise<void> } {
  const connection = connect(redisUrl);
  connection.on('error', () => undefined);
  const queues = queueNames().map((n) => quiet(new Queue(n, { connection, prefix: QUEUE_PREFIX })));
  return {
    queues,
    close: async () => {
      await Promise.allSettled(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}
