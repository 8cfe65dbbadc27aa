/**
 * Distributed runs end to end with real parts: 60 fixture sites and accounts on 127.0.0.1, a real redis-server,
 * three `govcheck worker` processes and `govcheck run --redis … --wait` as the coordinator. The same registry is
 * also run in process; verdicts, findings and tables must be identical. Notes: docs/modules.md.
 */
import { Queue } from 'bullmq';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_PREFIX, SITES_QUEUE } from '../../queues/names.js';
import { connect } from '../../queues/redis.js';
import { loadConfig } from '../../src/config.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { getRun, runQuarter } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { serveQueueSites } from '../fixtures/queue-sites.js';
import { runCli, tmpDir, type CliResult } from '../helpers.js';
import { siteDigests, tables } from './compare.js';
import { listRegistry } from '../../src/registry/store.js';
import { probeWeek } from '../fixtures/probe-week.js';
import { importRegistry, redisForFile, spawnWorker, until, type SpawnedWorker } from './harness.js';

const redis = await redisForFile();
const tmp = tmpDir('govcheck-dist-');
const dbFile = path.join(tmp.dir, 'dist.db');
const sites = await serveQueueSites({ websites: 56, accounts: 4 });
const db = openDb(dbFile);
await importRegistry(db, tmp.dir, sites.registryCsv());
// The week of availability visits before the date: W-V1 of the down sites is then decided the same way in
// process and through the queue (the producer puts the series on each site job).
await probeWeek(
  db,
  listRegistry(db, { status: 'operating', kind: 'website' }).map((s) => ({ id: s.id, url: s.url })),
  { asOf: sites.asOf, config: loadConfig(undefined, { allowPrivateNetwork: true }) },
);
const conn = connect(redis.url);
conn.on('error', () => undefined);
afterAll(async () => {
  conn.disconnect();
  db.close();
  await sites.close();
  tmp.cleanup();
});

const quarter = parseQuarter('2024Q2');
const asOf = sites.asOf;
// Short locks so a killed worker's job comes back within seconds; generous stall count for a busy machine.
const WORKER_ARGS = ['--concurrency', '2', '--lock-duration', '5', '--stalled-interval', '2', '--max-stalled', '10', '--drain-timeout', '5'];
const workers: SpawnedWorker[] = [];

function runDistributed(runId: string, extra: string[] = []): Promise<CliResult> {
  return runCli(['run', '--quarter', quarter.id, '--as-of', asOf, '--run', runId, '--redis', redis.url, '--wait', '--db', dbFile, '--allow-private-network', '--no-progress', ...extra], {
    timeoutMs: 240_000,
  });
}

const stored = (runId: string) => (db.prepare(`SELECT COUNT(*) AS n FROM site_results WHERE run_id = ?`).get(runId) as { n: number }).n;

describe('distributed run with three worker processes', () => {
  beforeAll(async () => {
    for (const name of ['w1', 'w2', 'w3']) workers.push(spawnWorker(redis.url, name, WORKER_ARGS));
    await Promise.all(workers.map((w) => w.ready));
  }, 120_000);

  it('checks the registry in process first (the reference)', async () => {
    const config = loadConfig(undefined, { allowPrivateNetwork: true });
    const s = await runQuarter(db, { quarter, asOf, asOfExplicit: true, runId: 'inproc', config, concurrency: 4 });
    expect(s.status).toBe('done');
    expect(s.counts.total).toBe(60);
    // The fixture's variety shows in the verdicts: some pass, some fail, both kinds present.
    expect(s.counts.passed).toBeGreaterThan(5);
    expect(s.counts.failed).toBeGreaterThan(5);
  }, 240_000);

  it('gives the same verdicts, findings and tables, although a worker is killed with SIGKILL mid-site', async () => {
    const running = runDistributed('dist');
    // Kill a worker while it has a site job in progress.
    await until(() => stored('dist') >= 6, 180_000, 'six results of run dist');
    const queue = new Queue(SITES_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
    let victim: SpawnedWorker | undefined;
    let victimJob: string | undefined;
    try {
      await until(
        async () => {
          for (const job of await queue.getActive()) {
            const w = workers.find((x) => x.name === job.processedBy && x.child.exitCode === null);
            if (w) {
              victim = w;
              victimJob = job.id;
              return true;
            }
          }
          return false;
        },
        60_000,
        'a worker with a job in progress',
      );
      victim!.child.kill('SIGKILL');
      expect((await victim!.exited).signal).toBe('SIGKILL');
      const r = await running;
      expect(r.stderr).not.toContain('Error');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('已完成');
    } finally {
      await queue.close();
    }
    expect(victimJob).toBeTruthy();
    expect(getRun(db, 'dist')?.status).toBe('done');
    expect(stored('dist')).toBe(60);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM site_results WHERE run_id = 'dist' AND outcome = 'error'`).get()).toEqual({ n: 0 });

    const ref = siteDigests(db, 'inproc');
    const got = siteDigests(db, 'dist');
    expect([...got.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [id, d] of ref) expect({ id, ...got.get(id) }).toEqual({ id, ...d });
    expect(tables(db, 'dist')).toEqual(tables(db, 'inproc'));
    // Nothing of the run is left in Redis once it is stored.
    const q = new Queue(SITES_QUEUE, { connection: conn, prefix: QUEUE_PREFIX });
    expect(await q.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed')).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0, delayed: 0 });
    await q.close();
  }, 300_000);

  it('survives a Redis restart mid-run (AOF): delayed, nothing lost or stored twice', async () => {
    const only = ['甲市', '乙市'];
    const running = runDistributed('restart', ['--only', only.join(',')]);
    await until(() => stored('restart') >= 3, 180_000, 'three results of run restart');
    const runIdOf = async () => /run_id:(\w+)/.exec(await conn.info('server'))?.[1];
    const before = await runIdOf();
    const storedBefore = stored('restart');
    await redis.restart(2000);
    expect(await runIdOf()).not.toBe(before); // a new server process, with the data of the AOF
    const r = await running;
    expect(r.code).toBe(0);
    const planned = (db.prepare(`SELECT COUNT(*) AS n FROM run_sites WHERE run_id = 'restart' AND planned = 1`).get() as { n: number }).n;
    expect(planned).toBe(sites.entries.filter((e) => only.includes(e.group)).length);
    expect(storedBefore).toBeLessThan(planned);
    expect(stored('restart')).toBe(planned);
    expect(getRun(db, 'restart')?.status).toBe('done');
    const mine = new Set((db.prepare(`SELECT site_id FROM run_sites WHERE run_id = 'restart' AND planned = 1`).all() as Array<{ site_id: string }>).map((x) => x.site_id));
    const ref = siteDigests(db, 'inproc', mine);
    const got = siteDigests(db, 'restart', mine);
    for (const [id, d] of ref) expect({ id, ...got.get(id) }).toEqual({ id, ...d });
    // The surviving workers are still at work after the restart.
    for (const w of workers.filter((x) => x.child.exitCode === null && x.child.signalCode === null)) expect(w.log()).not.toContain('Error:');
  }, 300_000);
});
