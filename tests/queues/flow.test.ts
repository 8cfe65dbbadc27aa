/**
 * The run flow on a real redis-server, worker and coordinator in this process: idempotent enqueueing, results stored
 * once in SQLite before leaving Redis, transient failures retried with backoff, permanent ones recorded at once, and a
 * worker that may not reach private addresses refusing such a run with a recorded reason.
 */
import { Job, Queue } from 'bullmq';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Coordinator, type CoordinatorEvent } from '../../queues/coordinator.js';
import { JOB, QUEUE_PREFIX, RUNS_QUEUE, runJobId, siteJobId, SITES_QUEUE } from '../../queues/names.js';
import type { RunJobData, SiteJobData } from '../../queues/payload.js';
import { enqueueRun } from '../../queues/producer.js';
import { connect } from '../../queues/redis.js';
import { backoffDelay, BACKOFF_TYPE } from '../../queues/retry.js';
import { SiteWorker } from '../../queues/worker.js';
import { loadConfig } from '../../src/config.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { getRun, runCounts } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { generateSite, serve, type Served } from '../fixtures/site.js';
import { CLI, runCli, tmpDir } from '../helpers.js';
import { importRegistry, redisForFile, trackChild, until } from './harness.js';

const redis = await redisForFile();
const tmp = tmpDir('govcheck-flow-');
const conn = connect(redis.url);
const servers: Served[] = [];
afterAll(async () => {
  conn.disconnect();
  await Promise.all(servers.map((s) => s.close()));
  tmp.cleanup();
});

const quarter = parseQuarter('2024Q2');
const asOf = '2024-07-01';

describe('job ids and backoff', () => {
  it('makes one id per (run, site) without ":" (BullMQ 6 refuses it in custom ids)', () => {
    expect(siteJobId('2024Q2', '127.0.0.1:8080')).toBe('2024Q2|127.0.0.1%3A8080');
    expect(siteJobId('a|b', 'c')).not.toBe(siteJobId('a', 'b|c'));
    expect(siteJobId('run:1', 'nm:wechat:x.cn/a?b=1')).not.toContain(':');
    expect(runJobId('2024Q2')).toBe('run|2024Q2');
  });

  it('waits exponentially with jitter, capped, and not at all after a permanent error', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    expect(backoffDelay(1, 1000, 60_000, undefined, lo)).toBe(500);
    expect(backoffDelay(1, 1000, 60_000, undefined, hi)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, undefined, lo)).toBe(2000);
    expect(backoffDelay(3, 1000, 60_000, undefined, hi)).toBe(4000);
    expect(backoffDelay(12, 1000, 60_000, undefined, hi)).toBe(60_000);
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND x.gov.cn'), { code: 'ENOTFOUND' });
    expect(backoffDelay(1, 1000, 60_000, dns)).toBe(-1);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(backoffDelay(1, 1000, 60_000, reset)).toBeGreaterThan(0);
  });
});

describe('run flow', () => {
  const db = openDb(path.join(tmp.dir, 'flow.db'));
  afterAll(() => db.close());
  const config = loadConfig(undefined, { allowPrivateNetwork: true, queue: { backoffMs: 200, attempts: 3 }, hosts: { 'gone.example.gov.cn': null } });

  it('adds a parent per run and a child per site, and adding it again adds nothing', async () => {
    // Sites first (no server yet: nothing is checked in this test).
    const a = await serve(generateSite({ name: '甲市测试网站', articlesPerColumn: 2, gbk: false, planted: false, newest: '2024-06-28' }).routes);
    const b = await serve(generateSite({ name: '乙市测试网站', articlesPerColumn: 2, gbk: false, planted: false, newest: '2024-05-01', seed: 2 }).routes);
    servers.push(a, b);
    const csv = ['名称,网址,部门/地区', `甲市测试网站,${a.origin}/,甲市`, `乙市测试网站,${b.origin}/,乙市`, '已不存在的网站,http://gone.example.gov.cn/,丙市'].join('\n');
    await importRegistry(db, tmp.dir, Buffer.from(csv));

    const first = await enqueueRun(db, conn, { quarter, asOf, asOfExplicit: true, runId: 'flow', config });
    expect(first).toMatchObject({ runId: 'flow', pending: 3, added: 3, alreadyQueued: 0, closed: false, resumed: false });
    const again = await enqueueRun(db, conn, { quarter, asOf, asOfExplicit: true, runId: 'flow', config });
    expect(again).toMatchObject({ pending: 3, added: 0, alreadyQueued: 3, resumed: true });

    const sites = new Queue(SITES_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
    const runs = new Queue(RUNS_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
    try {
      expect(await sites.getJobCounts('waiting', 'active', 'delayed')).toEqual({ waiting: 3, active: 0, delayed: 0 });
      expect(await runs.getJobCounts('waiting-children', 'waiting')).toEqual({ 'waiting-children': 1, waiting: 0 });
      const parent = await Job.fromId<RunJobData>(runs, runJobId('flow'));
      expect(parent?.name).toBe(JOB.run);
      expect(parent?.data.config.allowPrivateNetwork).toBe(true);
      expect(parent?.data.asOf).toBe(asOf);
      expect((await parent!.getDependenciesCount()).unprocessed).toBe(3);
      const child = await Job.fromId<SiteJobData>(sites, siteJobId('flow', new URL(a.origin).host));
      expect(child?.data.site.url).toBe(`${a.origin}/`);
      expect(child?.opts).toMatchObject({ attempts: 3, backoff: { type: BACKOFF_TYPE, delay: 200 } });
      expect(child?.parent?.id).toBe(runJobId('flow'));
      // An inspection date other than the run's is refused, as for the in-process run.
      await expect(enqueueRun(db, conn, { quarter, asOf: '2024-07-02', asOfExplicit: true, runId: 'flow', config })).rejects.toThrow(/started as of 2024-07-01/);
    } finally {
      await sites.close();
      await runs.close();
    }
  });

  it('workers check the sites, the coordinator stores each result once and closes the run', async () => {
    const events: CoordinatorEvent[] = [];
    const collector = await Coordinator.start({ redisUrl: redis.url, db, config, onEvent: (e) => events.push(e), sweepIntervalMs: 300 });
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 2, allowPrivateNetwork: true, log: () => undefined });
    try {
      await until(() => getRun(db, 'flow')?.status === 'done', 90_000, 'run flow to close');
      const rows = db.prepare(`SELECT site_id, outcome, verdict, error_kind FROM site_results WHERE run_id = 'flow' ORDER BY site_id`).all() as Array<Record<string, string>>;
      expect(rows).toHaveLength(3);
      // The unresolvable site (no probe series: one visit decides nothing) is recorded as not inspected
      // (dns_error), listed apart — not a lost or retried job.
      const gone = rows.find((r) => r.site_id === 'gone.example.gov.cn')!;
      expect(gone).toMatchObject({ outcome: 'error', error_kind: 'dns_error' });
      expect(rows.filter((r) => r.outcome === 'checked')).toHaveLength(2);
      expect(runCounts(db, 'flow')).toMatchObject({ total: 3, done: 3, errors: 1 });
      expect(events.filter((e) => e.type === 'site-stored')).toHaveLength(3);
      expect(events.find((e) => e.type === 'run-closed')).toMatchObject({ runId: 'flow', status: 'done' });
      const metrics = await worker.metrics.registry.getSingleMetricAsString('govcheck_worker_jobs_total');
      expect(metrics).toContain('govcheck_worker_jobs_total{job="site",result="checked"} 2');
      expect(metrics).toContain('govcheck_worker_jobs_total{job="site",result="error"} 1');
      expect(metrics).not.toContain('result="retried"');
      // Stored results left Redis; the closed run's parent is gone too.
      const sites = new Queue(SITES_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
      const runs = new Queue(RUNS_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
      expect(await sites.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0 });
      expect(await Job.fromId(runs, runJobId('flow'))).toBeUndefined();
      await sites.close();
      await runs.close();
      // Enqueueing the finished run again adds nothing and keeps it done.
      const again = await enqueueRun(db, conn, { quarter, asOf, runId: 'flow', config });
      expect(again).toMatchObject({ pending: 0, added: 0, closed: true });
      expect(getRun(db, 'flow')?.status).toBe('done');
    } finally {
      await worker.stop();
      await collector.close();
    }
  });

  it('retries a site check that ran out of time, with backoff, and stores the later result', async () => {
    let homeHits = 0;
    const site = generateSite({ name: '丁市测试网站', articlesPerColumn: 2, gbk: false, planted: false, newest: '2024-06-28', seed: 3 });
    const home = site.routes.get('/')!;
    // The first visit of the home page hangs (a stuck server); later ones answer.
    site.routes.set('/', {
      handler: (req, res) => {
        homeHits++;
        if (homeHits === 1) {
          setTimeout(() => res.destroy(), 8000);
          return;
        }
        res.writeHead(200, home.headers).end(req.method === 'HEAD' ? undefined : home.body);
      },
    });
    const s = await serve(site.routes);
    servers.push(s);
    const csv = ['名称,网址,部门/地区', `丁市测试网站,${s.origin}/,丁市`].join('\n');
    await importRegistry(db, tmp.dir, Buffer.from(csv));
    const collector = await Coordinator.start({ redisUrl: redis.url, db, config, sweepIntervalMs: 300 });
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 1, allowPrivateNetwork: true, log: () => undefined });
    try {
      const r = await enqueueRun(db, conn, { quarter, asOf, runId: 'retry', config, only: ['丁市'], siteTimeoutMs: 2500 });
      expect(r.added).toBe(1);
      await until(() => getRun(db, 'retry')?.status === 'done', 90_000, 'run retry to close');
      const row = db.prepare(`SELECT outcome, verdict, error_kind FROM site_results WHERE run_id = 'retry'`).get() as Record<string, string>;
      expect(row.outcome).toBe('checked');
      expect(row.error_kind).toBeNull();
      expect(homeHits).toBeGreaterThanOrEqual(2);
      const metrics = await worker.metrics.registry.getSingleMetricAsString('govcheck_worker_jobs_total');
      expect(metrics).toContain('govcheck_worker_jobs_total{job="site",result="retried"} 1');
      expect(metrics).toContain('govcheck_worker_jobs_total{job="site",result="checked"} 1');
    } finally {
      await worker.stop();
      await collector.close();
    }
  });

  it('results wait in Redis until a coordinator stores them: `govcheck collect --once`, then `govcheck collect` closes the run', async () => {
    const dbFile = path.join(tmp.dir, 'flow.db');
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 1, allowPrivateNetwork: true, log: () => undefined });
    const sites = new Queue(SITES_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
    try {
      await enqueueRun(db, conn, { quarter, asOf, runId: 'later', config, only: ['甲市'] });
      await until(async () => (await sites.getJobCounts('completed')).completed === 1, 60_000, 'the site job to finish');
    } finally {
      await worker.stop();
    }
    expect(db.prepare(`SELECT COUNT(*) AS n FROM site_results WHERE run_id = 'later'`).get()).toEqual({ n: 0 });
    const once = await runCli(['collect', '--once', '--redis', redis.url, '--db', dbFile], { timeoutMs: 60_000 });
    expect(once.code).toBe(0);
    expect(once.stdout.trim()).toBe('1');
    expect(db.prepare(`SELECT outcome FROM site_results WHERE run_id = 'later'`).get()).toEqual({ outcome: 'checked' });
    expect((await sites.getJobCounts('completed')).completed).toBe(0);
    await sites.close();
    // --once only stores; the coordinator closes the run.
    expect(getRun(db, 'later')?.status).toBe('running');
    const child = spawn(process.execPath, [CLI, 'collect', '--redis', redis.url, '--db', dbFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await until(() => getRun(db, 'later')?.status === 'done', 60_000, 'govcheck collect to close run later');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(log).toContain('run later closed: done, 1/1 sites');
  }, 120_000);

  it('a worker that may not reach private addresses refuses such a run at once; the site is recorded with the reason', async () => {
    const collector = await Coordinator.start({ redisUrl: redis.url, db, config, sweepIntervalMs: 300 });
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 1, allowPrivateNetwork: false, log: () => undefined });
    try {
      await enqueueRun(db, conn, { quarter, asOf, runId: 'refused', config, only: ['甲市'] });
      await until(() => getRun(db, 'refused')?.status === 'done', 60_000, 'run refused to close');
      const row = db.prepare(`SELECT outcome, error_message FROM site_results WHERE run_id = 'refused'`).get() as Record<string, string>;
      expect(row.outcome).toBe('error');
      expect(row.error_message).toContain('site job failed after 1 tries');
      expect(row.error_message).toContain('started without --allow-private-network');
      expect(runCounts(db, 'refused')).toMatchObject({ total: 1, done: 1, errors: 1 });
    } finally {
      await worker.stop();
      await collector.close();
    }
  });
});
