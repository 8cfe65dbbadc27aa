/**
 * Schedules, registered from this one place (`govcheck schedule`): the quarterly run and the availability probe
 * rounds, two BullMQ job schedulers on the coordinator queue (govcheck-runs) worked by `govcheck collect`.
 * Defaults and behaviour: docs/distributed.md and docs/modules.md.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { JOB, QUEUE_PREFIX, RUNS_QUEUE, SCHEDULER } from './names.js';
import { PAYLOAD_VERSION, type ProbeRoundJobData, type QuarterlyRunJobData } from './payload.js';
import { quiet } from './redis.js';

export interface ScheduleOptions {
  /** Cron of the quarterly run (default config schedules.quarterlyRun). */
  quarterlyPattern?: string;
  /** Cron of the probe rounds (default config schedules.probes); may have a seconds field. */
  probePattern?: string;
  timezone?: string;
  /** Register only these: 'quarterly', 'probes' (default both). */
  only?: Array<'quarterly' | 'probes'>;
  /** Options of the scheduled quarterly run. */
  run?: Omit<QuarterlyRunJobData, 'v'>;
}

export interface ScheduleInfo {
  id: string;
  job: string;
  pattern?: string;
  every?: number;
  timezone?: string;
  /** Next fire time (ISO), when known. */
  next?: string;
  iterations?: number;
}

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

function runsQueue(redis: Redis): Queue {
  return quiet(new Queue(RUNS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX }));
}

/** Registers (or updates) the schedules; returns them as stored. */
export async function registerSchedules(redis: Redis, config: Config, o: ScheduleOptions = {}): Promise<ScheduleInfo[]> {
  const tz = o.timezone ?? config.schedules.timezone;
  const which = o.only?.length ? o.only : ['quarterly', 'probes'];
  const q = runsQueue(redis);
  try {
    const wanted: Array<[string, string, string, unknown]> = [];
    if (which.includes('quarterly')) {
      const data: QuarterlyRunJobData = { v: PAYLOAD_VERSION, ...o.run };
      wanted.push([SCHEDULER.quarterlyRun, o.quarterlyPattern ?? config.schedules.quarterlyRun, JOB.quarterlyRun, data]);
    }
    if (which.includes('probes')) {
      const data: ProbeRoundJobData = { v: PAYLOAD_VERSION };
      wanted.push([SCHEDULER.probes, o.probePattern ?? config.schedules.probes, JOB.probeRound, data]);
    }
    for (const [id, pattern, name, data] of wanted) {
      try {
        await q.upsertJobScheduler(id, { pattern, tz }, { name, data, opts: { removeOnComplete: 100, removeOnFail: 100 } });
      } catch (e) {
        throw new ScheduleError(`schedule ${id}: ${(e as Error).message} (pattern "${pattern}", time zone ${tz})`);
      }
    }
    return await listSchedulesOn(q);
  } finally {
    await q.close();
  }
}

async function listSchedulesOn(q: Queue): Promise<ScheduleInfo[]> {
  const all = await q.getJobSchedulers(0, -1, true);
  return all.map((s) => ({
    id: s.key,
    job: s.name,
    pattern: s.pattern ?? undefined,
    every: s.every ?? undefined,
    timezone: s.tz ?? undefined,
    next: s.next ? new Date(s.next).toISOString() : undefined,
    iterations: s.iterationCount,
  }));
}

export async function listSchedules(redis: Redis): Promise<ScheduleInfo[]> {
  const q = runsQueue(redis);
  try {
    return await listSchedulesOn(q);
  } finally {
    await q.close();
  }
}

/** Removes schedules by id ('all' = every govcheck schedule); returns the ids removed. */
export async function removeSchedules(redis: Redis, ids: string[]): Promise<string[]> {
  const q = runsQueue(redis);
  try {
    const existing = (await listSchedulesOn(q)).map((s) => s.id);
    const targets = ids.includes('all') ? existing : ids;
    const unknown = targets.filter((id) => !existing.includes(id));
    if (unknown.length) throw new ScheduleError(`no schedule ${unknown.join(', ')}; registered: ${existing.join(', ') || 'none'}`);
    for (const id of targets) await q.removeJobScheduler(id);
    return targets;
  } finally {
    await q.close();
  }
}
