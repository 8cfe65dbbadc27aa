/**
 * Re-checks through the BullMQ queue (`govcheck serve --redis URL`): the same `Rechecker` interface as
 * `InProcessRechecker`, but the site is checked by a `govcheck worker`, like every site of a distributed run. Notes:
 * docs/modules.md.
 */
import { FlowProducer, Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { configHash } from '../../queues/producer.js';
import { JOB, QUEUE_PREFIX, RUNS_QUEUE, SITES_QUEUE } from '../../queues/names.js';
import { PAYLOAD_VERSION, type RunJobData, type SiteJobData } from '../../queues/payload.js';
import { connect, quiet } from '../../queues/redis.js';
import type { Config } from '../config.js';
import { persistSiteJob, type SiteJobResult } from '../run/job.js';
import { siteAvailability } from '../run/runner.js';
import type { DB } from '../store/db.js';
import { runRules } from '../store/reviews.js';
import type { RecheckRequest, RecheckStatus, Rechecker } from './recheck.js';

export interface QueueRecheckerOptions {
  redisUrl: string;
  config: Config;
}

const enc = encodeURIComponent;

export class QueueRechecker implements Rechecker {
  readonly via = 'queue';
  private connection?: Redis;
  private sites?: Queue;
  private runs?: Queue;
  private flow?: FlowProducer;
  /** (run, site) → the latest re-check job submitted by this server. */
  private readonly jobs = new Map<string, { jobId: string; submittedAt: string; stored?: RecheckStatus }>();

  constructor(
    private readonly db: DB,
    private readonly o: QueueRecheckerOptions,
  ) {}

  private open(): { sites: Queue; runs: Queue; flow: FlowProducer } {
    if (!this.connection) {
      this.connection = connect(this.o.redisUrl);
      this.connection.on('error', () => undefined);
      this.sites = quiet(new Queue(SITES_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
      this.runs = quiet(new Queue(RUNS_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
      this.flow = quiet(new FlowProducer({ connection: this.connection, prefix: QUEUE_PREFIX }));
    }
    return { sites: this.sites!, runs: this.runs!, flow: this.flow! };
  }

  private key(runId: string, siteId: string): string {
    return `${runId}\u001f${siteId}`;
  }

  async submit(req: RecheckRequest): Promise<RecheckStatus> {
    const cur = await this.status(req.runId, req.site.id);
    if (cur && (cur.state === 'queued' || cur.state === 'running')) return cur;
    const { flow } = this.open();
    const config: Config = { ...this.o.config, rules: runRules(this.db, req.runId) };
    const hash = configHash(config);
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const jobId = `recheck|${enc(req.runId)}|${enc(req.site.id)}|${stamp}`;
    const options = { checks: req.checks };
    const parent: RunJobData = { v: PAYLOAD_VERSION, runId: req.runId, quarter: '', asOf: req.asOf, config, configHash: hash, options, createdAt: new Date().toISOString() };
    const data: SiteJobData = { v: PAYLOAD_VERSION, runId: req.runId, site: req.site, asOf: req.asOf, options, availability: siteAvailability(this.db, req.site, req.asOf, this.o.config), configHash: hash };
    await flow.add({
      name: JOB.recheck,
      queueName: RUNS_QUEUE,
      data: parent,
      opts: { jobId: `${jobId}|run`, removeOnComplete: true, removeOnFail: true },
      children: [
        {
          name: JOB.site,
          queueName: SITES_QUEUE,
          data,
          opts: { jobId, attempts: this.o.config.queue.attempts, backoff: { type: 'fixed', delay: this.o.config.queue.backoffMs }, removeOnComplete: false, removeOnFail: false, ignoreDependencyOnFailure: true },
        },
      ],
    });
    const submittedAt = new Date().toISOString();
    this.jobs.set(this.key(req.runId, req.site.id), { jobId, submittedAt });
    return { state: 'queued', via: this.via, jobId, submittedAt };
  }

  async status(runId: string, siteId: string): Promise<RecheckStatus | undefined> {
    const j = this.jobs.get(this.key(runId, siteId));
    if (!j) return undefined;
    if (j.stored) return j.stored;
    const { sites } = this.open();
    const job = await Job.fromId<SiteJobData, SiteJobResult>(sites, j.jobId);
    const base = { via: this.via, jobId: j.jobId, submittedAt: j.submittedAt };
    const stored = (): RecheckStatus => {
      const row = this.db.prepare(`SELECT verdict, score, outcome, finished_at, error_message FROM site_results WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as
        | { verdict: 'pass' | 'fail'; score: number; outcome: string; finished_at: string; error_message: string | null }
        | undefined;
      return row && row.finished_at >= j.submittedAt
        ? { ...base, state: row.outcome === 'error' ? 'failed' : 'done', verdict: row.verdict, score: row.score, finishedAt: row.finished_at, error: row.error_message ?? undefined }
        : { ...base, state: 'failed', error: 'the re-check job is gone from Redis without a stored result' };
    };
    // Gone: govcheck collect stored the result and removed the job.
    if (!job) return (j.stored = stored());
    const state = await job.getState();
    if (state === 'completed') {
      // Read again: a job that completed after it was fetched carries no return value in the first copy.
      const r = ((await Job.fromId<SiteJobData, SiteJobResult>(sites, j.jobId)) ?? job).returnvalue;
      if (r && r.result?.site?.id === siteId && (r.outcome === 'checked' || r.outcome === 'error')) persistSiteJob(this.db, runId, r);
      await job.remove().catch(() => undefined);
      return (j.stored = stored());
    }
    if (state === 'failed') return (j.stored = { ...base, state: 'failed', error: job.failedReason ?? 'failed', finishedAt: new Date(job.finishedOn ?? Date.now()).toISOString() });
    return { ...base, state: state === 'active' ? 'running' : 'queued' };
  }

  async close(): Promise<void> {
    await this.flow?.close();
    await this.sites?.close();
    await this.runs?.close();
    await this.connection?.quit().catch(() => undefined);
  }
}
