/**
 * The worker (`govcheck worker --redis URL --concurrency N`): takes `site` jobs from the govcheck-sites queue and
 * availability `probe` jobs from govcheck-probes (a BullMQ worker each), on any machine. Notes: docs/modules.md.
 */
import { Job, Queue, UnrecoverableError, WaitingError, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import os from 'node:os';
import { BrowserSession } from '../src/browser/launcher.js';
import { networkPolicy, type Config } from '../src/config.js';
import { httpClientFor, type HttpClient } from '../src/net/http.js';
import { classifyError } from '../src/net/errors.js';
import { executeSiteJob, type SiteJobResult } from '../src/run/job.js';
import { WorkerMetrics } from './metrics.js';
import { JOB, PROBES_QUEUE, QUEUE_PREFIX, RUNS_QUEUE, SITES_QUEUE } from './names.js';
import { assertPayload, PayloadError, type ProbeJobData, type ProbeJobReturn, type RunJobData, type SiteJobData } from './payload.js';
import { probeBatch } from './probe.js';
import { connect, quiet } from './redis.js';
import { backoffStrategy, retryable, TransientSiteError } from './retry.js';

export interface WorkerOptions {
  redisUrl: string;
  /** Site jobs checked at the same time by this process. */
  concurrency: number;
  /** Probe jobs handled at the same time (default 1). */
  probeConcurrency?: number;
  /** BullMQ lock of a job in progress (renewed at half of it); a dead worker's job is taken back after it. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs. */
  stalledIntervalMs?: number;
  /** Times a job may stall before it fails for good (recorded as an error of the site). */
  maxStalledCount?: number;
  /** Allow runs whose config lets checks reach private addresses (tests, intranets). */
  allowPrivateNetwork?: boolean;
  /** After a stop signal: how long jobs in progress may take to finish before they are released (config queue.drainSeconds). */
  drainTimeoutMs?: number;
  /** After the drain: time to release jobs and close before `stop()` gives up (Redis unreachable) and resolves 'timeout'. */
  closeGraceMs?: number;
  /** Queue errors (Redis away) are logged once, then at most once per this interval with a count. */
  errorLogIntervalMs?: number;
  /** Worker name shown in Bull Board (default host:pid). */
  name?: string;
  /** Expose Prometheus metrics on this port (0 = any free port). */
  metricsPort?: number;
  metricsHost?: string;
  log?: (line: string) => void;
}

import { WORKER_DEFAULTS } from './worker-defaults.js';
export { WORKER_DEFAULTS };

/** How a stop ended: closed cleanly, or given up after the drain and close time (Redis unreachable). */
export type StopResult = 'clean' | 'timeout';

/**
 * Repeated errors (Redis away: each command and reconnection fails, many a second) logged with backoff:
 * the first one at once, then at most one line per interval saying how many came meanwhile.
 */
export class ThrottledErrorLog {
  private last = -Infinity;
  private suppressed = 0;
  private total = 0;
  constructor(
    private readonly log: (line: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}
  report(e: unknown): void {
    this.total++;
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed ? ` (${this.suppressed} more since the last report, ${this.total} in all)` : '';
    this.last = t;
    this.suppressed = 0;
    this.log(`queue error: ${String((e as Error)?.message ?? e).split('\n')[0]}${more}`);
  }
  get count(): number {
    return this.total;
  }
}

interface RunContext {
  runId: string;
  hash: string;
  config: Config;
  http: HttpClient;
  inUse: number;
  lastUsed: number;
}

interface Active {
  job: BullJob;
  startedAt: number;
  release: () => void;
  released: Promise<'release'>;
}

const IDLE_RUN_MS = 10 * 60_000;

export class SiteWorker {
  readonly metrics = new WorkerMetrics();
  metricsPort?: number;
  private worker!: Worker;
  private probeWorker!: Worker;
  private probesQueue!: Queue;
  private connection!: Redis;
  private runsQueue!: Queue;
  private sitesQueue!: Queue;
  private readonly runs = new Map<string, RunContext>();
  private readonly active = new Map<string, Active>();
  private stopping?: Promise<StopResult>;
  private errors!: ThrottledErrorLog;
  private releaseAllAt?: number;
  private sweeper?: NodeJS.Timeout;
  private metricsServer?: { close(): Promise<void> };
  private readonly log: (line: string) => void;

  private constructor(private readonly o: WorkerOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`govcheck worker: ${l}\n`));
  }

  static async start(o: WorkerOptions): Promise<SiteWorker> {
    const w = new SiteWorker(o);
    await w.init();
    return w;
  }

  private async init(): Promise<void> {
    const o = this.o;
    this.connection = connect(o.redisUrl);
    this.connection.on('error', () => {
      /* ioredis reconnects; BullMQ reports lasting trouble through the worker's 'error' event */
    });
    this.runsQueue = quiet(new Queue(RUNS_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
    this.sitesQueue = quiet(new Queue(SITES_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
    this.probesQueue = quiet(new Queue(PROBES_QUEUE, { connection: this.connection, prefix: QUEUE_PREFIX }));
    this.metrics.watch(this.sitesQueue);
    this.metrics.watch(this.probesQueue);
    this.metrics.watch(this.runsQueue);
    if (o.metricsPort !== undefined) {
      const m = await this.metrics.serve(o.metricsPort, o.metricsHost);
      this.metricsPort = m.port;
      this.metricsServer = m;
    }
    this.errors = new ThrottledErrorLog(this.log, o.errorLogIntervalMs ?? WORKER_DEFAULTS.errorLogIntervalMs);
    const common = {
      connection: this.connection,
      prefix: QUEUE_PREFIX,
      lockDuration: o.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
      stalledInterval: o.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
      maxStalledCount: o.maxStalledCount ?? WORKER_DEFAULTS.maxStalledCount,
      name: o.name ?? `${os.hostname()}:${process.pid}`,
      settings: { backoffStrategy },
      autorun: true,
    };
    this.worker = new Worker(SITES_QUEUE, (job, token) => this.process(job, token), { ...common, concurrency: Math.max(1, o.concurrency) });
    this.probeWorker = new Worker(PROBES_QUEUE, (job, token) => this.process(job, token), { ...common, concurrency: Math.max(1, o.probeConcurrency ?? 1) });
    for (const w of [this.worker, this.probeWorker]) {
      // Redis going away shows up here many times a second: logged with backoff and a count.
      w.on('error', (e) => this.errors.report(e));
      w.on('failed', (job, err) => {
        if (!job) return;
        const willRetry = job.attemptsMade < (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError) && err.name !== 'UnrecoverableError';
        this.metrics.jobs.inc({ job: job.name, result: willRetry ? 'retried' : 'failed' });
        if (!willRetry) this.log(`${job.name} job ${job.id} failed: ${err.message}`);
      });
    }
    await Promise.all([this.worker.waitUntilReady(), this.probeWorker.waitUntilReady()]);
    this.sweeper = setInterval(() => this.closeIdleRuns(), 60_000);
    this.sweeper.unref();
  }

  private async process(job: BullJob, token?: string): Promise<SiteJobResult | ProbeJobReturn> {
    const t0 = Date.now();
    this.metrics.active.inc({ job: job.name });
    // Registered before any await: a stop signal from now on sees this job as in progress.
    let release!: () => void;
    const released = new Promise<'release'>((r) => (release = () => r('release')));
    this.active.set(job.id!, { job, startedAt: t0, release, released });
    if (this.releaseAllAt !== undefined) release();
    try {
      if (job.name === JOB.site) return await this.site(job as BullJob<SiteJobData>, token);
      if (job.name === JOB.probe) return await this.probe(job as BullJob<ProbeJobData>, token);
      throw new UnrecoverableError(`unknown job ${job.name} in ${job.queueName}`);
    } catch (e) {
      if (e instanceof PayloadError) throw new UnrecoverableError(e.message);
      throw e;
    } finally {
      this.active.delete(job.id!);
      this.metrics.active.dec({ job: job.name });
      this.metrics.duration.observe({ job: job.name }, (Date.now() - t0) / 1000);
    }
  }

  /** Runs the work unless the worker releases the job first (stop signal); a released job goes back to the queue. */
  private async guarded<T>(job: BullJob, token: string | undefined, work: Promise<T>): Promise<T> {
    const entry = this.active.get(job.id!)!;
    const r = await Promise.race([work, entry.released]);
    // A result finished after a signal that libraries also reacted to may be truncated: release it.
    const tainted = this.releaseAllAt !== undefined && entry.startedAt <= this.releaseAllAt;
    if (r === 'release' || tainted) {
      work.catch(() => undefined);
      await job.moveToWait(token);
      this.metrics.jobs.inc({ job: job.name, result: 'released' });
      this.log(`released ${job.name} job ${job.id} back to the queue`);
      throw new WaitingError();
    }
    return r as T;
  }

  private assertPolicy(config: Pick<Config, 'allowPrivateNetwork' | 'allowNetworks'>): void {
    const policy = networkPolicy(config as Config);
    if (policy !== false && !this.o.allowPrivateNetwork) {
      throw new UnrecoverableError(`this run lets checks reach private addresses (${policy === true ? 'allowPrivateNetwork' : `allowNetworks ${policy.join(', ')}`}) but this worker was started without --allow-private-network`);
    }
  }

  private async runContext(job: BullJob<SiteJobData>): Promise<RunContext> {
    const data = job.data;
    const cached = this.runs.get(data.runId);
    if (cached && cached.hash === data.configHash) return cached;
    const parentId = job.parent?.id;
    if (!parentId) throw new UnrecoverableError(`site job ${job.id} has no run (parent job)`);
    const parent = await Job.fromId<RunJobData>(this.runsQueue, parentId);
    // Gone parent: it may be on its way back (a resume replaces a finished one); another try will tell.
    if (!parent) throw new Error(`the run job ${parentId} of site job ${job.id} is not in Redis`);
    assertPayload(parent.data, 'run');
    if (cached && cached.hash === parent.data.configHash) return cached;
    const config = parent.data.config;
    const ctx: RunContext = {
      runId: data.runId,
      hash: parent.data.configHash,
      config,
      http: httpClientFor(config),
      inUse: 0,
      lastUsed: Date.now(),
    };
    if (cached && cached.inUse === 0) await cached.http.close();
    this.runs.set(data.runId, ctx);
    return ctx;
  }

  private async site(job: BullJob<SiteJobData>, token?: string): Promise<SiteJobResult> {
    assertPayload(job.data, 'site');
    const data = job.data;
    const ctx = await this.runContext(job);
    this.assertPolicy(ctx.config);
    ctx.inUse++;
    ctx.lastUsed = Date.now();
    try {
      const r = await this.guarded(
        job,
        token,
        executeSiteJob(
          { runId: data.runId, site: data.site, asOf: data.asOf, availability: data.availability },
          { config: ctx.config, http: ctx.http, lang: data.options.lang, checks: data.options.checks, siteTimeoutMs: data.options.siteTimeoutMs },
        ),
      );
      this.metrics.pages.inc(r.result.stats.pages);
      const err = r.result.error;
      if (r.outcome === 'error' && err && retryable(err) && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
        throw new TransientSiteError(`site check of ${data.site.id} ended with ${err.kind}: ${err.message}`, err.kind);
      }
      this.metrics.jobs.inc({ job: JOB.site, result: r.outcome });
      return r;
    } finally {
      ctx.inUse--;
      ctx.lastUsed = Date.now();
    }
  }

  private async probe(job: BullJob<ProbeJobData>, token?: string): Promise<ProbeJobReturn> {
    assertPayload(job.data, 'probe');
    this.assertPolicy({ allowPrivateNetwork: job.data.net.allowPrivateNetwork, allowNetworks: job.data.net.allowNetworks });
    const rows = await this.guarded(job, token, probeBatch(job.data));
    for (const r of rows) this.metrics.probes.inc({ ok: String(r.ok) });
    this.metrics.jobs.inc({ job: JOB.probe, result: 'probed' });
    return rows;
  }

  private closeIdleRuns(): void {
    const now = Date.now();
    for (const [id, ctx] of this.runs) {
      if (ctx.inUse === 0 && now - ctx.lastUsed > IDLE_RUN_MS) {
        this.runs.delete(id);
        void ctx.http.close();
      }
    }
  }

  /** Jobs in progress. */
  get activeJobs(): number {
    return this.active.size;
  }

  /** Releases every job in progress back to the queue. */
  private releaseAll(): void {
    this.releaseAllAt ??= Date.now();
    for (const a of this.active.values()) a.release();
  }

  /** The longest time the current stop may take (set by stop()). */
  stopBoundMs?: number;

  /** Queue errors seen so far (Redis away). */
  get queueErrors(): number {
    return this.errors.count;
  }

  /**
   * Stops taking jobs and drains: jobs in progress finish within the drain time, else are released. The
   * whole stop is bounded: when the worker cannot close within the drain time plus `closeGraceMs` (Redis
   * unreachable: releasing and closing need it), it disconnects and resolves 'timeout' — jobs it held come
   * back through the stalled-job check of another worker. `signal` names the stop signal, if any (see the
   * file comment on libraries' own signal handlers). A second call releases every job at once.
   */
  stop(signal?: NodeJS.Signals): Promise<StopResult> {
    if (this.stopping) {
      this.releaseAll(); // a second signal: do not wait any longer
      return this.stopping;
    }
    const drainMs = this.o.drainTimeoutMs ?? WORKER_DEFAULTS.drainTimeoutMs;
    // Nothing in progress: nothing to drain, only the close (which needs Redis) is waited for.
    const boundMs = (this.active.size ? drainMs : 0) + (this.o.closeGraceMs ?? WORKER_DEFAULTS.closeGraceMs);
    this.stopBoundMs = boundMs;
    const cut = signal === 'SIGINT' ? 'Crawlee (gather.engine: crawlee) pauses running crawls and Playwright exits on SIGINT' : signal === 'SIGTERM' && BrowserSession.running > 0 ? 'Playwright closes its browsers on SIGTERM' : undefined;
    if (cut && this.active.size) {
      this.log(`${signal}: ${cut}, so the checks in progress may be cut short; releasing ${this.active.size} job(s)`);
      this.releaseAll();
    } else if (this.active.size) {
      this.log(`${signal ?? 'stop'}: finishing ${this.active.size} job(s) in progress (at most ${Math.round(drainMs / 1000)} s)`);
    }
    const timer = setTimeout(() => this.releaseAll(), drainMs);
    timer.unref();
    const closing = (async (): Promise<StopResult> => {
      try {
        await Promise.all([this.worker.close(), this.probeWorker.close()]);
      } finally {
        clearTimeout(timer);
        if (this.sweeper) clearInterval(this.sweeper);
        await Promise.allSettled([...this.runs.values()].map((c) => c.http.close()));
        this.runs.clear();
        await Promise.allSettled([this.runsQueue.close(), this.sitesQueue.close(), this.probesQueue.close(), this.metricsServer?.close()]);
        this.connection.disconnect();
      }
      return 'clean';
    })();
    let bound: NodeJS.Timeout | undefined;
    const deadline = new Promise<StopResult>((resolve) => {
      bound = setTimeout(() => {
        // Closing waits for Redis, which does not answer: stop trying (no more reconnection attempts).
        this.connection.disconnect();
        void this.metricsServer?.close().catch(() => undefined);
        resolve('timeout');
      }, boundMs);
      bound.unref();
    });
    closing.catch(() => undefined);
    this.stopping = Promise.race([closing, deadline]).finally(() => clearTimeout(bound));
    return this.stopping;
  }

  /** The classified kind of a thrown value (for logs). */
  static kindOf(e: unknown): string {
    return classifyError(e).kind;
  }
}
