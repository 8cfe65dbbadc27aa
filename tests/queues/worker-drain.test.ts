/**
 * A worker whose Redis is gone still stops: after SIGTERM it drains within its bound (config queue.drainSeconds,
 * then a short close grace), exits non-zero with one line, and logs the lost connection with backoff (first error,
 * then at most one line per 10 s with a count), not in a loop. Notes: docs/modules.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../../queues/producer.js';
import { connect } from '../../queues/redis.js';
import { ThrottledErrorLog } from '../../queues/worker.js';
import { loadConfig } from '../../src/config.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { openDb } from '../../src/store/db.js';
import { generateSite, serve } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';
import { importRegistry, spawnWorker, startRedis, until } from './harness.js';

const tmp = tmpDir('govcheck-drain-');
afterAll(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const queueErrorLines = (log: string) => log.split('\n').filter((l) => l.startsWith('govcheck worker: queue error:'));

describe('ThrottledErrorLog', () => {
  it('logs the first error, then at most one line per interval with the count of the others', () => {
    let now = 0;
    const lines: string[] = [];
    const t = new ThrottledErrorLog(
      (l) => lines.push(l),
      10_000,
      () => now,
    );
    for (let i = 0; i < 1000; i++) {
      t.report(new Error('connect ECONNREFUSED 127.0.0.1:1'));
      now += 25; // 40 errors a second for 25 s
    }
    expect(lines).toEqual([
      'queue error: connect ECONNREFUSED 127.0.0.1:1',
      'queue error: connect ECONNREFUSED 127.0.0.1:1 (399 more since the last report, 401 in all)',
      'queue error: connect ECONNREFUSED 127.0.0.1:1 (399 more since the last report, 801 in all)',
    ]);
    expect(t.count).toBe(1000);
  });
});

describe('worker stop with Redis gone', () => {
  it('idle worker: SIGTERM after Redis died exits within the close grace, code 2, one line; errors logged with backoff', async () => {
    const redis = await startRedis();
    const w = spawnWorker(redis.url, 'idle');
    await w.ready;
    await redis.cleanup();
    await sleep(12_000); // more than one log interval of refused reconnections
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    const exit = await Promise.race([w.exited, sleep(20_000).then(() => 'still running' as const)]);
    const took = Date.now() - t0;
    if (exit === 'still running') w.child.kill('SIGKILL');
    expect(exit).toEqual({ code: 2, signal: null });
    expect(took).toBeLessThan(5_000 + 3_000); // nothing in progress: only the 5 s close grace
    const log = w.log();
    const errors = queueErrorLines(log);
    // ~12 s of reconnecting at up to 2 s intervals, two connections: one line at first, one after 10 s (with a count).
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(3);
    expect(errors.slice(1).every((l) => / more since the last report, \d+ in all\)$/.test(l))).toBe(true);
    const last = log.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^govcheck worker: could not stop cleanly within 5 s: Redis at redis:\/\/127\.0\.0\.1:\d+\/? is unreachable \(\d+ connection errors\)/);
    expect(log).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('a job in progress: the drain bound comes from config queue.drainSeconds; a second SIGTERM exits at once', async () => {
    const redis = await startRedis();
    const db = openDb(path.join(tmp.dir, 'drain.db'));
    const conn = connect(redis.url);
    conn.on('error', () => undefined);
    // A site whose home page never answers within the test: its check stays in progress.
    const site = generateSite({ name: '乙市慢速网站', articlesPerColumn: 1, gbk: false, planted: false, newest: '2024-06-28', seed: 4 });
    site.routes.set('/', { handler: () => undefined });
    const server = await serve(site.routes);
    try {
      await importRegistry(db, tmp.dir, Buffer.from(['名称,网址,部门/地区', `乙市慢速网站,${server.origin}/,乙市`].join('\n')));
      const cfg = path.join(tmp.dir, 'worker.yaml');
      writeFileSync(cfg, 'queue:\n  drainSeconds: 3\n');
      const w = spawnWorker(redis.url, 'busy', ['--concurrency', '1', '--config', cfg]);
      await w.ready;
      const config = loadConfig(undefined, { allowPrivateNetwork: true });
      await enqueueRun(db, conn, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-01', runId: 'drain', config });
      await until(() => server.hits.get('GET /') !== undefined, 30_000, 'the site check to start');
      conn.disconnect();
      await redis.cleanup();
      await sleep(500);
      const t0 = Date.now();
      w.child.kill('SIGTERM');
      const exit = await Promise.race([w.exited, sleep(25_000).then(() => 'still running' as const)]);
      const took = Date.now() - t0;
      if (exit === 'still running') w.child.kill('SIGKILL');
      expect(exit).toEqual({ code: 2, signal: null });
      expect(took).toBeGreaterThanOrEqual(3_000 - 200); // the job had its drain time
      expect(took).toBeLessThan(3_000 + 5_000 + 3_000);
      expect(w.log()).toContain('SIGTERM: finishing 1 job(s) in progress (at most 3 s)');
      expect(w.log().trimEnd().split('\n').at(-1)).toMatch(/^govcheck worker: could not stop cleanly within 8 s: Redis at .* is unreachable/);

      // A second signal does not wait for the drain.
      const redis2 = await startRedis();
      const w2 = spawnWorker(redis2.url, 'twice', ['--config', cfg]);
      await w2.ready;
      await redis2.cleanup();
      w2.child.kill('SIGTERM');
      await sleep(300);
      const t1 = Date.now();
      w2.child.kill('SIGTERM');
      const exit2 = await Promise.race([w2.exited, sleep(10_000).then(() => 'still running' as const)]);
      if (exit2 === 'still running') w2.child.kill('SIGKILL');
      expect(exit2).toEqual({ code: 2, signal: null });
      expect(Date.now() - t1).toBeLessThan(2_000);
      expect(w2.log()).toContain('govcheck worker: second SIGTERM: exiting now without waiting for jobs or Redis');
    } finally {
      conn.disconnect();
      db.close();
      await server.close();
    }
  }, 120_000);
});
