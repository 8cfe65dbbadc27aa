/**
 * Schedules on a real redis-server: `govcheck schedule` registers (idempotently), lists and removes the quarterly run
 * and the probes; probe rounds store real visits whose series decides W-V1 (in process and distributed); the
 * quarterly scheduler starts the run of the quarter that just ended.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../queues/coordinator.js';
import { SCHEDULER } from '../../queues/names.js';
import { enqueueRun } from '../../queues/producer.js';
import { connect } from '../../queues/redis.js';
import { listSchedules, registerSchedules, removeSchedules } from '../../queues/schedules.js';
import { SiteWorker } from '../../queues/worker.js';
import { loadConfig } from '../../src/config.js';
import { todayInShanghai } from '../../src/china-time.js';
import { parseQuarter, previousQuarter } from '../../src/run/quarter.js';
import { getRun, runQuarter } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { listProbes } from '../../src/store/probes.js';
import { freePort } from '../fixtures/redis.js';
import { addDays, generateSite, serve } from '../fixtures/site.js';
import { runCli, tmpDir } from '../helpers.js';
import { siteDigests } from './compare.js';
import { importRegistry, redisForFile, until } from './harness.js';

const redis = await redisForFile();
const tmp = tmpDir('govcheck-sched-');
const db = openDb(path.join(tmp.dir, 'sched.db'));
const conn = connect(redis.url);
conn.on('error', () => undefined);

// Three websites: one always up, one down for the first probe rounds, one whose port answers nothing.
let flakyDown = true;
const up = await serve(generateSite({ name: '甲市正常网站', articlesPerColumn: 2, gbk: false, planted: false, newest: '2024-06-28', seed: 21 }).routes);
const flakySite = generateSite({ name: '乙市不稳定网站', articlesPerColumn: 2, gbk: false, planted: false, newest: '2024-06-28', seed: 22 });
const flakyHome = flakySite.routes.get('/')!;
flakySite.routes.set('/', {
  handler: (req, res) => {
    if (flakyDown) res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>系统维护中</body></html>');
    else res.writeHead(200, flakyHome.headers).end(req.method === 'HEAD' ? undefined : flakyHome.body);
  },
});
const flaky = await serve(flakySite.routes);
const deadOrigin = `http://127.0.0.1:${await freePort()}`;
await importRegistry(db, tmp.dir, Buffer.from(['名称,网址,部门/地区', `甲市正常网站,${up.origin}/,甲市`, `乙市不稳定网站,${flaky.origin}/,乙市`, `丙市无响应网站,${deadOrigin}/,丙市`].join('\n')));
const id = (origin: string) => new URL(origin).host;

afterAll(async () => {
  conn.disconnect();
  db.close();
  await up.close();
  await flaky.close();
  tmp.cleanup();
});

describe('schedules', () => {
  it('registers both schedules from one command; again replaces them; list and remove', async () => {
    const r = await runCli(['schedule', '--redis', redis.url, '--format', 'json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ id: string; pattern: string; timezone: string; next: string; job: string }>;
    expect(list.map((s) => [s.id, s.job, s.pattern, s.timezone]).sort()).toEqual([
      [SCHEDULER.probes, 'probe-round', '*/30 * * * *', 'Asia/Shanghai'],
      [SCHEDULER.quarterlyRun, 'quarterly-run', '0 2 1 1,4,7,10 *', 'Asia/Shanghai'],
    ]);
    // The next quarterly run: 02:00 Asia/Shanghai (18:00 UTC the day before) on the 1st of Jan/Apr/Jul/Oct.
    const next = new Date(list.find((s) => s.id === SCHEDULER.quarterlyRun)!.next);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getUTCHours()).toBe(18);
    const local = new Date(next.getTime() + 8 * 3600_000);
    expect(local.getUTCDate()).toBe(1);
    expect([0, 3, 6, 9]).toContain(local.getUTCMonth());

    const config = loadConfig();
    const again = await registerSchedules(conn, config, { probePattern: '*/20 * * * *' });
    expect(again).toHaveLength(2);
    expect(again.find((s) => s.id === SCHEDULER.probes)?.pattern).toBe('*/20 * * * *');

    await expect(removeSchedules(conn, ['no-such-schedule'])).rejects.toThrow(/no schedule no-such-schedule; registered: /);
    expect(await removeSchedules(conn, [SCHEDULER.quarterlyRun])).toEqual([SCHEDULER.quarterlyRun]);
    expect((await listSchedules(conn)).map((s) => s.id)).toEqual([SCHEDULER.probes]);
    expect(await removeSchedules(conn, ['all'])).toEqual([SCHEDULER.probes]);
    expect(await listSchedules(conn)).toEqual([]);

    const bad = await runCli(['schedule', '--redis', redis.url, '--probes', 'not a cron'], { timeoutMs: 60_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('schedule govcheck-availability-probes');
  }, 120_000);

  it('probe rounds visit every operating website; the series decides W-V1 the same in process and distributed', async () => {
    // Windows of one day and 3 probes a day, so a test can fill a window in seconds.
    const config = loadConfig(undefined, { allowPrivateNetwork: true, probes: { windowDays: 1 }, checks: { availability: { minProbesPerDay: 3 } } });
    const collector = await Coordinator.start({ redisUrl: redis.url, db, config, sweepIntervalMs: 300 });
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 2, probeConcurrency: 1, allowPrivateNetwork: true, log: () => undefined });
    try {
      await registerSchedules(conn, config, { only: ['probes'], probePattern: '* * * * * *' });
      await until(() => listProbes(db, id(flaky.origin)).length >= 2, 60_000, 'two probe rounds');
      flakyDown = false;
      await until(() => listProbes(db, id(flaky.origin)).filter((p) => p.ok).length >= 4, 60_000, 'four good probes of the flaky site');
      await removeSchedules(conn, ['all']);
      await new Promise((r) => setTimeout(r, 1500));
      await collector.sweep();

      const upProbes = listProbes(db, id(up.origin));
      const flakyProbes = listProbes(db, id(flaky.origin));
      const deadProbes = listProbes(db, id(deadOrigin));
      expect(upProbes.length).toBeGreaterThanOrEqual(6);
      expect(upProbes.every((p) => p.ok && p.status === 200)).toBe(true);
      expect(flakyProbes.filter((p) => !p.ok).every((p) => p.status === 503 && p.errorKind === 'http_error')).toBe(true);
      expect(flakyProbes.filter((p) => !p.ok).length).toBeGreaterThanOrEqual(2);
      expect(deadProbes.length).toBe(upProbes.length);
      expect(deadProbes.every((p) => !p.ok && p.errorKind === 'connection_refused')).toBe(true);
      // One row per site and round: each round's visits share its id.
      expect(new Set(upProbes.map((p) => p.round)).size).toBe(upProbes.length);

      // Judged the day after: the window is today (Asia/Shanghai).
      const asOf = addDays(todayInShanghai(), 1);
      const quarter = parseQuarter(`${asOf.slice(0, 4)}Q${Math.floor((Number(asOf.slice(5, 7)) - 1) / 3) + 1}`);
      await runQuarter(db, { quarter, asOf, asOfExplicit: true, runId: 'probed-inproc', config });
      await enqueueRun(db, conn, { quarter, asOf, asOfExplicit: true, runId: 'probed-dist', config });
      await until(() => getRun(db, 'probed-dist')?.status === 'done', 120_000, 'run probed-dist to close');

      const avail = (runId: string, site: string) =>
        db.prepare(`SELECT code, severity FROM findings WHERE run_id = ? AND site_id = ? AND check_id = 'availability' ORDER BY code`).all(runId, site) as Array<{ code: string; severity: string }>;
      // The flaky site answered the crawl, but failed ≥ 5 % of the day's visits: W-V1 fails it.
      expect(avail('probed-inproc', id(flaky.origin))).toEqual([{ code: 'series-unreachable', severity: 'veto' }]);
      expect(avail('probed-inproc', id(up.origin))).toEqual([]);
      expect(avail('probed-inproc', id(deadOrigin)).map((f) => f.code)).toEqual(['series-unreachable', 'unreachable']);
      const summary = db.prepare(`SELECT summary_json FROM check_results WHERE run_id = 'probed-inproc' AND site_id = ? AND check_id = 'availability'`).get(id(flaky.origin)) as { summary_json: string };
      expect(JSON.parse(summary.summary_json).series).toMatchObject({ decides: true, windowDays: 1, failed: flakyProbes.filter((p) => !p.ok).length });
      expect(siteDigests(db, 'probed-dist')).toEqual(siteDigests(db, 'probed-inproc'));
    } finally {
      await removeSchedules(conn, ['all']).catch(() => undefined);
      await worker.stop();
      await collector.close();
    }
  }, 300_000);

  it('the quarterly scheduler starts the run of the quarter that just ended, as of today', async () => {
    const config = loadConfig(undefined, { allowPrivateNetwork: true });
    const collector = await Coordinator.start({ redisUrl: redis.url, db, config, sweepIntervalMs: 300 });
    const worker = await SiteWorker.start({ redisUrl: redis.url, concurrency: 3, allowPrivateNetwork: true, log: () => undefined });
    const today = todayInShanghai();
    const expected = previousQuarter(parseQuarter(`${today.slice(0, 4)}Q${Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1}`));
    try {
      await registerSchedules(conn, config, { only: ['quarterly'], quarterlyPattern: '*/2 * * * * *' });
      await until(() => getRun(db, expected.id) !== undefined, 60_000, `the scheduled run ${expected.id}`);
      await removeSchedules(conn, ['all']);
      await until(() => getRun(db, expected.id)?.status === 'done', 180_000, `run ${expected.id} to close`);
      const run = getRun(db, expected.id)!;
      expect(run).toMatchObject({ kind: 'quarter', quarter: expected.id, as_of: today, status: 'done' });
      expect((db.prepare(`SELECT COUNT(*) AS n FROM site_results WHERE run_id = ?`).get(expected.id) as { n: number }).n).toBe(3);
    } finally {
      await removeSchedules(conn, ['all']).catch(() => undefined);
      await worker.stop();
      await collector.close();
    }
  }, 300_000);
});
