/**
 * Stopping workers: SIGTERM lets the site in progress finish, then the worker exits; SIGINT, and SIGTERM while a
 * Chromium is open, release the site job back to the queue instead of storing a cut-short result, and another worker
 * checks it in full. Also the Prometheus endpoint.
 */
import { Queue } from 'bullmq';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../queues/coordinator.js';
import { QUEUE_PREFIX, SITES_QUEUE } from '../../queues/names.js';
import { enqueueRun } from '../../queues/producer.js';
import { connect } from '../../queues/redis.js';
import { SiteWorker } from '../../queues/worker.js';
import { BrowserSession, browserOptionsFromConfig } from '../../src/browser/launcher.js';
import { loadConfig } from '../../src/config.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { getRun, runQuarter } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { generateSite, serve } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';
import { siteDigests } from './compare.js';
import { importRegistry, redisForFile, spawnWorker, until } from './harness.js';

const redis = await redisForFile();
const tmp = tmpDir('govcheck-signals-');
const db = openDb(path.join(tmp.dir, 's.db'));
const conn = connect(redis.url);
conn.on('error', () => undefined);
const config = loadConfig(undefined, { allowPrivateNetwork: true });
const quarter = parseQuarter('2024Q2');
const asOf = '2024-07-01';

// One site whose home page takes 3 s to answer: a check is surely in progress (crawling) for a while.
const site = generateSite({ name: '甲市慢速网站', articlesPerColumn: 2, gbk: false, planted: false, newest: '2024-06-28', seed: 9 });
const home = site.routes.get('/')!;
site.routes.set('/', { handler: (req, res) => setTimeout(() => res.writeHead(200, home.headers).end(req.method === 'HEAD' ? undefined : home.body), 3000) });
const server = await serve(site.routes);
await importRegistry(db, tmp.dir, Buffer.from(['名称,网址,部门/地区', `甲市慢速网站,${server.origin}/,甲市`].join('\n')));
const siteId = new URL(server.origin).host;
const collector = await Coordinator.start({ redisUrl: redis.url, db, config, sweepIntervalMs: 300 });
const sitesQueue = new Queue(SITES_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });

afterAll(async () => {
  await collector.close();
  await sitesQueue.close();
  conn.disconnect();
  db.close();
  await server.close();
  tmp.cleanup();
});

const activeBy = async (name: string) => (await sitesQueue.getActive()).some((j) => j.processedBy === name);

describe('stopping a worker', () => {
  it('checks the site in process (the reference)', async () => {
    const s = await runQuarter(db, { quarter, asOf, asOfExplicit: true, runId: 'ref', config });
    expect(s.counts.done).toBe(1);
  }, 120_000);

  it('SIGTERM: the site in progress is finished and stored, then the worker exits 0', async () => {
    const w = spawnWorker(redis.url, 'term', ['--concurrency', '1', '--drain-timeout', '60']);
    await w.ready;
    await enqueueRun(db, conn, { quarter, asOf, runId: 'term', config });
    await until(() => activeBy('term'), 60_000, 'the job to start');
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(w.log()).toContain('SIGTERM: finishing 1 job(s) in progress');
    await until(() => getRun(db, 'term')?.status === 'done', 60_000, 'run term to close');
    expect(siteDigests(db, 'term').get(siteId)).toEqual(siteDigests(db, 'ref').get(siteId));
  }, 180_000);

  it('SIGINT during a crawl: the job goes back to the queue, and another worker checks the site in full', async () => {
    const w = spawnWorker(redis.url, 'int', ['--concurrency', '1']);
    await w.ready;
    await enqueueRun(db, conn, { quarter, asOf, runId: 'int', config });
    await until(() => activeBy('int'), 60_000, 'the job to start');
    // The home page answers after 3 s: the crawl is still on when the signal comes.
    await new Promise((r) => setTimeout(r, 500));
    w.child.kill('SIGINT');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(w.log()).toContain('SIGINT: Crawlee (gather.engine: crawlee) pauses running crawls and Playwright exits on SIGINT, so the checks in progress may be cut short; releasing 1 job(s)');
    expect(w.log()).toContain('back to the queue');
    expect(await sitesQueue.getJobCounts('wait', 'active', 'completed')).toEqual({ wait: 1, active: 0, completed: 0 });
    expect(getRun(db, 'int')?.status).toBe('running');

    const next = spawnWorker(redis.url, 'next', ['--concurrency', '1', '--metrics-port', '0', '--metrics-host', '127.0.0.1']);
    await next.ready;
    await until(() => getRun(db, 'int')?.status === 'done', 120_000, 'run int to close');
    expect(siteDigests(db, 'int').get(siteId)).toEqual(siteDigests(db, 'ref').get(siteId));

    const port = Number(/metrics on port (\d+)/.exec(next.log())?.[1]);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('govcheck_worker_jobs_total{job="site",result="checked"} 1');
    expect(body).toMatch(/govcheck_worker_pages_total \d+/);
    expect(body).toContain('govcheck_queue_jobs{queue="govcheck-sites",state="waiting"} 0');
    expect(body).toContain('process_resident_memory_bytes');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  }, 240_000);

  it('SIGTERM while a Chromium of the worker is open (Playwright closes it on SIGTERM): the job is released, not finished', async () => {
    const logs: string[] = [];
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 1, allowPrivateNetwork: true, name: 'with-browser', log: (l) => logs.push(l) });
    const browser = await BrowserSession.launch(browserOptionsFromConfig(config));
    try {
      expect(BrowserSession.running).toBe(1);
      await enqueueRun(db, conn, { quarter, asOf, runId: 'browser', config });
      await until(() => activeBy('with-browser'), 60_000, 'the job to start');
      // What the worker command does on SIGTERM.
      await worker.stop('SIGTERM');
      expect(logs.join('\n')).toContain('SIGTERM: Playwright closes its browsers on SIGTERM, so the checks in progress may be cut short; releasing 1 job(s)');
      expect(await sitesQueue.getJobCounts('wait', 'active')).toEqual({ wait: 1, active: 0 });
    } finally {
      await browser.close();
    }
    expect(BrowserSession.running).toBe(0);
    const again = await SiteWorker.start({ redisUrl: redis.url, concurrency: 1, allowPrivateNetwork: true, log: () => undefined });
    try {
      await until(() => getRun(db, 'browser')?.status === 'done', 120_000, 'run browser to close');
      expect(siteDigests(db, 'browser').get(siteId)).toEqual(siteDigests(db, 'ref').get(siteId));
    } finally {
      await again.stop();
    }
  }, 240_000);
});
