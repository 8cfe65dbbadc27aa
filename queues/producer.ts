/**
 * The run producer: `govcheck run --redis URL` (and the scheduled run) prepares the run like the in-process run
 * (`prepareRun`), then adds it to Redis as one BullMQ flow (a `run` parent, a `site` child per pending site). Job ids
 * are deterministic, so adding a run twice adds nothing and a resume adds only what is missing.
 */
import { createHash } from 'node:crypto';
import { FlowProducer, Job, Queue, type FlowJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { prepareRun, type RunCounts, type RunOptions } from '../src/run/runner.js';
import { finishRun, type DB } from '../src/store/db.js';
import { JOB, QUEUE_PREFIX, RUNS_QUEUE, runJobId, siteJobId, SITES_QUEUE } from './names.js';
import { PAYLOAD_VERSION, type RunJobData, type RunJobOptions, type SiteJobData } from './payload.js';
import { quiet } from './redis.js';
import { BACKOFF_TYPE } from './retry.js';

/** What a queued run is started with: the in-process run's options without its in-process parts. */
export type EnqueueRunOptions = Pick<RunOptions, 'quarter' | 'asOf' | 'asOfExplicit' | 'runId' | 'config' | 'lang' | 'only' | 'checks' | 'retryErrors' | 'siteTimeoutMs'>;

export interface EnqueueSummary {
  runId: string;
  asOf: string;
  /** The run existed before (a resume). */
  resumed: boolean;
  counts: RunCounts;
  /** Planned sites without a result. */
  pending: number;
  /** Site jobs added now (pending sites that were not queued yet). */
  added: number;
  /** Pending sites whose job was already in Redis (queued, running, or finished but not stored yet). */
  alreadyQueued: number;
  /** The run had nothing left to check and was closed at once. */
  closed: boolean;
}

export function configHash(config: Config): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}

/** Adds a run (or what is missing of it) to Redis. `redis` is a connection of `connect()` (redis.ts). */
export async function enqueueRun(db: DB, redis: Redis, o: EnqueueRunOptions): Promise<EnqueueSummary> {
  // Created or resumed exactly like the in-process run (runQuarter): one prepareRun.
  const { runId, asOf, resumed, pending, counts, config } = await prepareRun(db, {
    ...o,
    options: { distributed: true, only: o.only ?? null, checks: o.checks ?? null },
  });
  const base = { runId, asOf, resumed, counts, pending: pending.length };
  if (!pending.length) {
    finishRun(db, runId, 'done');
    return { ...base, added: 0, alreadyQueued: 0, closed: true };
  }

  // The workers check with the run's config: the given one with the rules stored on the run (prepareRun).
  const hash = configHash(config);
  const options: RunJobOptions = { lang: o.lang, checks: o.checks, siteTimeoutMs: o.siteTimeoutMs, maxBackoffMs: o.config.queue.maxBackoffMs };
  const parentData: RunJobData = { v: PAYLOAD_VERSION, runId, quarter: o.quarter.id, asOf, config, configHash: hash, options, createdAt: new Date().toISOString() };

  // Which pending sites are in Redis already (one pipeline of EXISTS on the job keys).
  const ids = pending.map((p) => siteJobId(runId, p.site.id));
  const pipe = redis.pipeline();
  for (const id of ids) pipe.exists(`${QUEUE_PREFIX}:${SITES_QUEUE}:${id}`);
  const exists = ((await pipe.exec()) ?? []).map(([err, n]) => !err && n === 1);
  const alreadyQueued = exists.filter(Boolean).length;

  const runsQueue = quiet(new Queue(RUNS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX }));
  const flow = quiet(new FlowProducer({ connection: redis, prefix: QUEUE_PREFIX }));
  try {
    // A parent left from an earlier enqueue: give it the current config; a finished one is replaced.
    const parent = await Job.fromId<RunJobData>(runsQueue, runJobId(runId));
    if (parent) {
      const state = await parent.getState();
      if (state === 'completed' || state === 'failed') await parent.remove({ removeChildren: false });
      else await parent.updateData(parentData);
    }
    const children: FlowJob[] = pending.map(({ site, availability }, i) => {
      const data: SiteJobData = { v: PAYLOAD_VERSION, runId, site, asOf, options, availability, configHash: hash };
      return {
        name: JOB.site,
        queueName: SITES_QUEUE,
        data,
        opts: {
          jobId: ids[i],
          attempts: o.config.queue.attempts,
          backoff: { type: BACKOFF_TYPE, delay: o.config.queue.backoffMs },
          // Kept until the coordinator has stored the result in SQLite; it removes the job then.
          removeOnComplete: false,
          removeOnFail: false,
          // A site job that fails for good must not hold the run open: the coordinator records it as an error.
          ignoreDependencyOnFailure: true,
        },
      };
    });
    await flow.add({
      name: JOB.run,
      queueName: RUNS_QUEUE,
      data: parentData,
      opts: { jobId: runJobId(runId), removeOnComplete: true, removeOnFail: false },
      children,
    });
  } finally {
    await flow.close();
    await runsQueue.close();
  }
  return { ...base, added: pending.length - alreadyQueued, alreadyQueued, closed: false };
}
