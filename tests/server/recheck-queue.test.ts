/**
 * Re-checks through the queue (`govcheck serve --redis`): a real redis-server, a real `govcheck worker` process
 * (dist/), a real site on 127.0.0.1. Notes: docs/modules.md.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../queues/coordinator.js';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { buildApp } from '../../src/server/app.js';
import { ensureRun, finishRun, openDb, saveSiteResult, type DB } from '../../src/store/db.js';
import type { Finding, SiteResult } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { redisForFile, spawnWorker, until, type SpawnedWorker } from '../queues/harness.js';
import { generateSite, serve, type Served } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';

const redis = await redisForFile();
const tmp = tmpDir('govcheck-recheck-queue-');
const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { retries: 0, retryBaseMs: 20 }, gather: { retries: 0 } });
let site: Served;
let db: DB;
let app: FastifyInstance;
let worker: SpawnedWorker;

function stored(id: string, origin: string): SiteResult {
  const f: Finding = { checkId: 'availability', code: 'home-unreachable', severity: 'veto', tier: 'confirmed', rule: 'W-V1', url: `${origin}/`, params: {}, message: '首页无法访问', messageEn: 'home page unreachable', evidence: {} };
  return {
    site: { id, url: `${origin}/`, kind: 'website', name: '甲市人民政府', owner: '甲市人民政府办公室', group: '甲市' },
    url: `${origin}/`,
    asOf: '2024-06-27',
    startedAt: '2024-06-27T01:00:00Z',
    finishedAt: '2024-06-27T01:01:00Z',
    ...computeVerdict([f], config.rules),
    checks: [{ id: 'availability', status: 'fail', findings: [f], durationMs: 1 }],
    stats: { pages: 1, links: 0, durationMs: 10, skippedByLimit: 0, errors: 0 },
  };
}

beforeAll(async () => {
  site = await serve(generateSite({ articlesPerColumn: 1, seed: 5 }).routes);
  db = openDb(path.join(tmp.dir, 'q.db'));
  ensureRun(db, { id: '2024Q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-27', options: { checks: ['availability'] }, rules: config.rules });
  saveSiteResult(db, '2024Q2', stored('jia.example', site.origin));
  finishRun(db, '2024Q2');
  worker = spawnWorker(redis.url, 'recheck-w1');
  await worker.ready;
  app = await buildApp({ db, host: '127.0.0.1', config, groups: loadGroups(), redisUrl: redis.url });
}, 120_000);

afterAll(async () => {
  await app?.close();
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  db?.close();
  await site?.close();
  tmp.cleanup();
});

async function recheck(): Promise<void> {
  const page = await app.inject({ method: 'GET', url: '/runs/2024Q2/sites/jia.example' });
  const cookie = ([] as unknown[])
    .concat(page.headers['set-cookie'] ?? [])
    .map((c) => String(c).split(';')[0])
    .join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
  const r = await app.inject({ method: 'POST', url: '/runs/2024Q2/sites/jia.example/recheck', payload: `_csrf=${encodeURIComponent(csrf)}`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } });
  expect(r.statusCode).toBe(303);
}
const row = () => db.prepare(`SELECT verdict, finished_at FROM site_results WHERE run_id = '2024Q2' AND site_id = 'jia.example'`).get() as { verdict: string; finished_at: string };

describe('re-checks through the queue', () => {
  it('a worker checks the site; the server stores the result under the run (no collect running)', async () => {
    await recheck();
    const queued = await app.inject({ method: 'GET', url: '/runs/2024Q2/sites/jia.example' });
    expect(queued.body).toMatch(/已加入队列（queue）|正在重新检查（queue）|重新检查完成/);
    await until(async () => (await app.inject({ method: 'GET', url: '/runs/2024Q2/sites/jia.example' })).body.includes('重新检查完成'), 60_000, 'the queued re-check');
    expect(row().verdict).toBe('pass');
    expect(worker.log()).not.toMatch(/failed/);
    // The run stays as it was (a re-check never closes or reopens it).
    expect((db.prepare(`SELECT status FROM runs WHERE id = '2024Q2'`).get() as { status: string }).status).toBe('done');
  }, 90_000);

  it('with govcheck collect running, the coordinator stores it and the server reads the stored result', async () => {
    const before = row().finished_at;
    const cdb = openDb(path.join(tmp.dir, 'q.db'));
    const coordinator = await Coordinator.start({ redisUrl: redis.url, db: cdb, config, log: () => undefined, sweepIntervalMs: 200 });
    try {
      await recheck();
      await until(() => row().finished_at > before, 60_000, 'the coordinator to store the re-check');
      await until(async () => (await app.inject({ method: 'GET', url: '/runs/2024Q2/sites/jia.example' })).body.includes('重新检查完成'), 30_000, 'the server to see it');
      expect((cdb.prepare(`SELECT status FROM runs WHERE id = '2024Q2'`).get() as { status: string }).status).toBe('done');
    } finally {
      await coordinator.close();
      cdb.close();
    }
  }, 90_000);
});
