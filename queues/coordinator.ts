/**
 * The coordinator, next to the SQLite store (`govcheck collect --redis URL --db FILE`, and `govcheck run --redis URL
 * --wait` for its own run). Notes: docs/modules.md.
 */
import { DelayedError, Queue, QueueEvents, WaitingChildrenError, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Lang } from '../src/check-api/api.js';
import type { Config } from '../src/config.js';
import { todayInShanghai } from '../src/china-time.js';
import { classifyError } from '../src/net/errors.js';
import { listRegistry } from '../src/registry/store.js';
import { persistSiteJob, type JobOutcome, type SiteJobResult } from '../src/run/job.js';
import { parseQuarter, previousQuarter } from '../src/run/quarter.js';
import { getRun, runCounts, type RunCounts } from '../src/run/runner.js';
import { finishRun, type DB } from '../src/store/db.js';
import { saveProbes, type ProbeRecord } from '../src/store/probes.js';
import type { SiteRef } from '../src/types.js';
import { JOB, probeJobId, PROBES_QUEUE, QUEUE_PREFIX, RUNS_QUEUE, siteJobId, SITES_QUEUE } from './names.js';
import { PAYLOAD_VERSION, type ProbeJobData, type QuarterlyRunJobData, type RunJobData, type SiteJobData } from './payload.js';
import { enqueueRun, type EnqueueSummary } from './producer.js';
import { connect, quiet } from './redis.js';

export type CoordinatorEvent =
  | { type: 'site-stored'; runId: string; site: SiteRef; outcome: JobOutcome; verdict: 'pass' | 'fail'; pages: number; counts: RunCounts }
  | { type: 'run-closed'; runId: string; status: 'done' | 'interrupted'; counts: RunCounts }
  | { type: 'run-started'; summary: EnqueueSummary; quarter: string }
  | { type: 'probe-round'; round: string; sites: number; jobs: number }
  | { type: 'probes-stored'; round: string; rows: number; failed: number };

export interface CoordinatorOptions {
  redisUrl: string;
  db: DB;
  /** Config of the runs this coordinator starts (scheduled quarterly runs) and of the probe rounds. */
  config: Config;
  lang?: Lang;
  /** Sweep at least this often (ms). */
  sweepIntervalMs?: number;
  /** Also work the coordinator queue (close runs, scheduled jobs); false = only store results. */
  coordinate?: boolean;
  onEvent?: (e: CoordinatorEvent) => void;
  log?: (line: string) => void;
}

const PAGE = 100;

export class Coordinator {
  private connection!: Redis;
  private sites!: Queue;
  private probes!: Queue;
  private runs!: Queue;
  private events: QueueEvents[] = [];
  private eventConnections: Redis[] = [];
  private coordinator?: Worker;
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<number> = Promise.resolve(0);
  private sweepAgain = false;
  private sweepRunning = false;
  private closed = false;
  private readonly counts = new Map<string, RunCounts>();
  private readonly unknownRuns = new Set<string>();
  private lastError = 0;
  /** Finished jobs stored by this coordinator so far. */
  storedCount = 0;
  private readonly log: (line: string) => void;

  private constructor(private readonly o: CoordinatorOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`govcheck collect: ${l}\n`));
  }

  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(o);
    await c.init();
    return c;
  }

  private async init(): Promise<void> {
    const o = this.o;
    this.connection = connect(o.redisUrl);
    this.connection.on('error', () => undefined);
    this.sites = quiet(new Queue(SITES_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
    this.probes = quiet(new Queue(PROBES_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
    this.runs = quiet(new Queue(RUNS_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
    for (const name of [SITES_QUEUE, PROBES_QUEUE]) {
      const conn = this.connection.duplicate();
      conn.on('error', () => undefined);
      this.eventConnections.push(conn);
      const ev = new QueueEvents(name, { connection: conn, prefix: QUEUE_PREFIX });
      ev.on('error', () => undefined);
      ev.on('completed', () => this.trigger());
      ev.on('failed', () => this.trigger());
      this.events.push(ev);
    }
    await Promise.all(this.events.map((e) => e.waitUntilReady()));
    if (o.coordinate !== false) {
      this.coordinator = new Worker(RUNS_QUEUE, (job, token) => this.coordinate(job, token), {
        connection: this.connection,
        prefix: QUEUE_PREFIX,
        concurrency: 1,
        // Closing a big run stores what is left first: give it time before its lock is considered lost.
        lockDuration: 120_000,
      });
      this.coordinator.on('error', (e) => this.error(e));
      this.coordinator.on('failed', (job, err) => job && this.log(`${job.name} job ${job.id} failed: ${err.message}`));
      await this.coordinator.waitUntilReady();
    }
    this.timer = setInterval(() => this.trigger(), o.sweepIntervalMs ?? 2000);
    this.trigger();
  }

  private error(e: unknown): void {
    if (Date.now() - this.lastError > 10_000) {
      this.lastError = Date.now();
      this.log(`queue error: ${String((e as Error)?.message ?? e)}`);
    }
  }

  private trigger(): void {
    if (this.closed) return;
    if (this.sweepRunning) {
      this.sweepAgain = true;
      return;
    }
    void this.sweep().catch((e) => this.error(e));
  }

  /** Stores every finished job now in Redis and removes it; resolves with the number stored. One sweep at a time. */
  sweep(): Promise<number> {
    this.sweeping = this.sweeping
      .catch(() => 0)
      .then(async () => {
        this.sweepRunning = true;
        let total = 0;
        try {
          do {
            this.sweepAgain = false;
            total += await this.sweepOnce();
          } while (this.sweepAgain && !this.closed);
        } finally {
          this.sweepRunning = false;
        }
        return total;
      });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    let stored = 0;
    for (const queue of [this.sites, this.probes]) {
      for (const state of ['completed', 'failed'] as const) {
        let skip = 0;
        for (;;) {
          if (this.closed) return stored;
          const jobs = (await queue.getJobs([state], skip, skip + PAGE - 1, true)).filter(Boolean);
          if (!jobs.length) break;
          for (const job of jobs) {
            if (this.store(job, state)) {
              stored++;
              this.storedCount++;
              // Stored: now it may leave Redis. If it cannot (yet), the next sweep stores it again, harmlessly.
              const removed = await job.remove({ removeChildren: false }).then(
                () => true,
                () => false,
              );
              if (!removed) skip++;
            } else skip++;
          }
        }
      }
    }
    return stored;
  }

  /** Stores one finished job in SQLite; false when it is not for this database (left in Redis). */
  private store(job: BullJob, state: 'completed' | 'failed'): boolean {
    if (job.name === JOB.site) {
      const data = job.data as SiteJobData;
      if (!this.knowsRun(data.runId)) return false;
      if (state === 'completed') {
        const r = job.returnvalue as SiteJobResult | null;
        if (r && r.result?.site?.id === data.site.id && (r.outcome === 'checked' || r.outcome === 'error')) {
          this.persist(data.runId, r);
          return true;
        }
        return this.storeFailure(data, job, `the worker returned no usable result for ${data.site.id}`);
      }
      return this.storeFailure(data, job, job.failedReason ?? 'unknown failure');
    }
    if (job.name === JOB.probe) {
      const data = job.data as ProbeJobData;
      if (state === 'completed') {
        const rows = (job.returnvalue ?? []) as ProbeRecord[];
        saveProbes(this.o.db, rows);
        this.o.onEvent?.({ type: 'probes-stored', round: data.round, rows: rows.length, failed: rows.filter((r) => !r.ok).length });
      } else {
        // A probe job that failed is the worker's failure, not the sites': no visits are recorded.
        this.log(`probe job ${job.id} failed (${job.failedReason}); its ${data.sites?.length ?? 0} visits are not recorded`);
      }
      return true;
    }
    this.log(`unknown job ${job.name} (${job.id}) removed`);
    return true;
  }

  private knowsRun(runId: string): boolean {
    if (getRun(this.o.db, runId)) return true;
    if (!this.unknownRuns.has(runId)) {
      this.unknownRuns.add(runId);
      this.log(`results of run ${runId} are in Redis but this database has no such run: left for the coordinator of the right database`);
    }
    return false;
  }

  /** A site job that ended without a result: the site is recorded as not checked, with the reason (unless it already has a result). */
  private storeFailure(data: SiteJobData, job: BullJob, reason: string): boolean {
    const prior = this.o.db.prepare(`SELECT outcome FROM site_results WHERE run_id = ? AND site_id = ?`).get(data.runId, data.site.id) as { outcome: string } | undefined;
    if (prior?.outcome === 'checked') return true;
    const kind = classifyError(new Error(reason)).kind;
    const startedAt = new Date(job.processedOn ?? job.timestamp).toISOString();
    const finishedAt = new Date(job.finishedOn ?? Date.now()).toISOString();
    this.persist(data.runId, {
      outcome: 'error',
      result: {
        site: data.site,
        url: data.site.url,
        asOf: data.asOf,
        startedAt,
        finishedAt,
        verdict: 'fail',
        score: 0,
        decidedBy: [],
        checks: [],
        stats: { pages: 0, links: 0, durationMs: Date.parse(finishedAt) - Date.parse(startedAt), skippedByLimit: 0, errors: 1 },
        error: { kind, message: `site job failed after ${job.attemptsMade} tries: ${reason}`.slice(0, 2000) },
      },
    });
    return true;
  }

  private persist(runId: string, r: SiteJobResult): void {
    const db = this.o.db;
    const prior = db.prepare(`SELECT outcome, verdict FROM site_results WHERE run_id = ? AND site_id = ?`).get(runId, r.result.site.id) as { outcome: string; verdict: string } | undefined;
    persistSiteJob(db, runId, r);
    let c = this.counts.get(runId);
    if (!c) {
      c = runCounts(db, runId);
      this.counts.set(runId, c);
    } else {
      const planned = db.prepare(`SELECT planned FROM run_sites WHERE run_id = ? AND site_id = ?`).get(runId, r.result.site.id) as { planned: number } | undefined;
      if (planned?.planned === 1) {
        const bump = (row: { outcome: string; verdict: string }, d: number) => {
          if (row.outcome === 'error') c!.errors += d;
          else if (row.verdict === 'pass') c!.passed += d;
          else c!.failed += d;
        };
        if (prior) bump(prior, -1);
        else c.done++;
        bump({ outcome: r.outcome, verdict: r.result.verdict }, 1);
      }
    }
    c.pages += r.result.stats.pages;
    this.o.onEvent?.({ type: 'site-stored', runId, site: r.result.site, outcome: r.outcome, verdict: r.result.verdict, pages: r.result.stats.pages, counts: { ...c } });
  }

  // ---- the coordinator queue ----

  private async coordinate(job: BullJob, token?: string): Promise<unknown> {
    if (job.name === JOB.run) return this.closeRun(job as BullJob<RunJobData>, token!);
    if (job.name === JOB.quarterlyRun) return this.scheduledRun(job as BullJob<QuarterlyRunJobData>);
    if (job.name === JOB.probeRound) return this.probeRound(job);
    // A re-check from the review server (src/server/recheck-queue.ts): store its site job; the run stays as it is.
    if (job.name === JOB.recheck) return { stored: await this.sweep() };
    throw new Error(`unknown job ${job.name} in ${RUNS_QUEUE}`);
  }

  private missing(runId: string): SiteRef[] {
    const rows = this.o.db
      .prepare(
        `SELECT rs.site_json FROM run_sites rs LEFT JOIN site_results sr ON sr.run_id = rs.run_id AND sr.site_id = rs.site_id
         WHERE rs.run_id = ? AND rs.planned = 1 AND sr.site_id IS NULL ORDER BY rs.rowid`,
      )
      .all(runId) as Array<{ site_json: string }>;
    return rows.map((r) => JSON.parse(r.site_json) as SiteRef);
  }

  /** Every site job of the run has finished: store what is left and close the run. */
  private async closeRun(job: BullJob<RunJobData>, token: string): Promise<unknown> {
    const { runId } = job.data;
    if (!getRun(this.o.db, runId)) {
      // Not this database's run: try again later (the right coordinator may take it meanwhile).
      this.knowsRun(runId);
      await job.moveToDelayed(Date.now() + 60_000, token);
      throw new DelayedError();
    }
    await this.sweep();
    let missing = this.missing(runId);
    if (missing.length) {
      // Sites added to the run after this job became ready (a resume): wait for them.
      if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
      // Finished site jobs that are no longer in Redis on their own: the parent keeps their results and failures.
      const key = (siteId: string) => `${QUEUE_PREFIX}:${SITES_QUEUE}:${siteJobId(runId, siteId)}`;
      const bySite = new Map(missing.map((s) => [key(s.id), s]));
      const values = (await job.getChildrenValues()) as Record<string, SiteJobResult>;
      for (const [k, v] of Object.entries(values)) {
        const site = bySite.get(k);
        if (site && v?.result?.site?.id === site.id) {
          this.persist(runId, v);
          bySite.delete(k);
        }
      }
      const failures = await job.getIgnoredChildrenFailures();
      for (const [k, reason] of Object.entries(failures)) {
        const site = bySite.get(k);
        if (!site) continue;
        const stub = { processedOn: undefined, timestamp: Date.now(), finishedOn: Date.now(), attemptsMade: 0 } as unknown as BullJob;
        this.storeFailure({ v: PAYLOAD_VERSION, runId, site, asOf: job.data.asOf, options: {}, configHash: job.data.configHash }, stub, String(reason));
        bySite.delete(k);
      }
      missing = this.missing(runId);
    }
    const status = missing.length ? 'interrupted' : 'done';
    finishRun(this.o.db, runId, status);
    const counts = { ...runCounts(this.o.db, runId), pages: this.counts.get(runId)?.pages ?? 0 };
    this.counts.delete(runId);
    if (missing.length) this.log(`run ${runId} closed with ${missing.length} site(s) without a result; run it again to add them`);
    this.o.onEvent?.({ type: 'run-closed', runId, status, counts });
    return { runId, status, counts };
  }

  /** The scheduled quarterly run: the quarter that just ended, as of today (Asia/Shanghai). */
  private async scheduledRun(job: BullJob<QuarterlyRunJobData>): Promise<unknown> {
    const today = todayInShanghai();
    const current = parseQuarter(`${today.slice(0, 4)}Q${Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1}`);
    const quarter = previousQuarter(current);
    const d = (job.data ?? {}) as QuarterlyRunJobData;
    const summary = await enqueueRun(this.o.db, this.connection, {
      quarter,
      asOf: today,
      config: this.o.config,
      lang: this.o.lang,
      only: d.only,
      checks: d.checks,
      siteTimeoutMs: d.siteTimeoutMs,
    });
    this.log(`scheduled run ${summary.runId} (${quarter.id}, as of ${summary.asOf}): ${summary.added} site job(s) added`);
    this.o.onEvent?.({ type: 'run-started', summary, quarter: quarter.id });
    return summary;
  }

  /** One probe round: every operating website, in batches, on govcheck-probes. */
  private async probeRound(job: BullJob): Promise<unknown> {
    const round = job.id ?? `round-${job.timestamp}`;
    const cfg = this.o.config;
    const keepFrom = new Date(Date.now() - cfg.probes.keepDays * 86_400_000).toISOString();
    this.o.db.prepare(`DELETE FROM availability_probes WHERE probed_at < ?`).run(keepFrom);
    const sites = listRegistry(this.o.db, { status: 'operating', kind: 'website' }).map((s) => ({ id: s.id, url: s.url }));
    const net: ProbeJobData['net'] = { allowPrivateNetwork: cfg.allowPrivateNetwork, allowNetworks: cfg.allowNetworks, hosts: cfg.hosts, timeoutMs: cfg.probes.timeoutMs };
    const jobs = [];
    for (let i = 0; i * cfg.probes.batchSize < sites.length; i++) {
      const data: ProbeJobData = { v: PAYLOAD_VERSION, round, sites: sites.slice(i * cfg.probes.batchSize, (i + 1) * cfg.probes.batchSize), net };
      jobs.push({ name: JOB.probe, data, opts: { jobId: probeJobId(round, i), attempts: 1, removeOnComplete: false, removeOnFail: false } });
    }
    if (jobs.length) await this.probes.addBulk(jobs);
    this.o.onEvent?.({ type: 'probe-round', round, sites: sites.length, jobs: jobs.length });
    return { round, sites: sites.length, jobs: jobs.length };
  }

  /** The queues this coordinator reads (for inspection). */
  get queues(): Queue[] {
    return [this.sites, this.probes, this.runs];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.coordinator?.close();
    await this.sweeping.catch(() => undefined);
    await Promise.allSettled(this.events.map((e) => e.close()));
    await Promise.allSettled([this.sites.close(), this.probes.close(), this.runs.close()]);
    for (const c of this.eventConnections) c.disconnect();
    this.connection.disconnect();
  }
}
