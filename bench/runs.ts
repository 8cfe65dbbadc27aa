/**
 * Quarterly-run benchmark: the same fixture registry (N small generated sites and a few feed accounts, on 127.0.0.1)
 * checked by one in-process `govcheck run`, then by `govcheck run --redis … --wait` with 1, 2 and 3 `govcheck
 * worker` processes on a real redis-server. Notes: docs/modules.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { serveQueueSites } from '../tests/fixtures/queue-sites.js';
import { startRedis } from '../tests/fixtures/redis.js';
import type { BenchSection } from './index.js';
import { measure, peakMb, startWorker } from './_measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const CLI = path.join(root, 'dist/src/cli/index.js');

function verdicts(dbFile: string, runId: string): string {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db.prepare(`SELECT site_id, verdict, score FROM site_results WHERE run_id = ? ORDER BY site_id`).all(runId) as Array<{ site_id: string; verdict: string; score: number }>;
    return rows.map((r) => `${r.site_id}:${r.verdict}:${r.score}`).join('\n');
  } finally {
    db.close();
  }
}

export default async function runsBench(): Promise<BenchSection> {
  const n = Number(process.env.BENCH_RUN_SITES ?? 200);
  const concurrency = Number(process.env.BENCH_RUN_CONCURRENCY ?? 4);
  const workerCounts = (process.env.BENCH_RUN_WORKERS ?? '1,2,3').split(',').map(Number);
  const accounts = Math.max(1, Math.round(n / 25));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-bench-runs-'));
  const dbFile = path.join(dir, 'bench.db');
  const sites = await serveQueueSites({ websites: n - accounts, accounts });
  const rows: string[] = [];
  try {
    writeFileSync(path.join(dir, 'registry.csv'), sites.registryCsv());
    const imp = await measure(process.execPath, [CLI, 'registry', 'import', path.join(dir, 'registry.csv'), '--db', dbFile]);
    if (imp.code !== 0) throw new Error(`registry import failed: ${imp.stderr}`);
    const common = ['--quarter', '2024Q2', '--as-of', sites.asOf, '--db', dbFile, '--allow-private-network', '--no-progress'];

    const inproc = await measure(process.execPath, [CLI, 'run', ...common, '--run', 'inproc', '--concurrency', String(concurrency)], { timeoutMs: 60 * 60_000 });
    if (inproc.code !== 0) throw new Error(`in-process run failed (${inproc.code}): ${inproc.stderr.slice(-500)}`);
    const ref = verdicts(dbFile, 'inproc');
    rows.push(`| in process (\`govcheck run --concurrency ${concurrency}\`) | 1 | ${concurrency} | ${(inproc.ms / 1000).toFixed(1)} s | ${(n / (inproc.ms / 1000)).toFixed(2)} | ${inproc.peakRssMb.toFixed(0)} MB | — |`);

    for (const w of workerCounts) {
      const redis = await startRedis();
      const workers: ChildProcess[] = [];
      try {
        for (let i = 0; i < w; i++) workers.push(await startWorker(CLI, redis.url, `bench-${w}-${i + 1}`, concurrency));
        const runId = `workers-${w}`;
        const m = await measure(process.execPath, [CLI, 'run', ...common, '--run', runId, '--redis', redis.url, '--wait'], { timeoutMs: 60 * 60_000 });
        if (m.code !== 0) throw new Error(`distributed run failed (${m.code}): ${m.stderr.slice(-500)}`);
        const same = verdicts(dbFile, runId) === ref;
        const workerRss = Math.max(...workers.map((c) => peakMb(c.pid)));
        rows.push(
          `| ${w} worker process${w > 1 ? 'es' : ''} (\`govcheck worker --concurrency ${concurrency}\`) + \`run --redis … --wait\` | ${w} | ${w * concurrency} | ${(m.ms / 1000).toFixed(1)} s | ${(n / (m.ms / 1000)).toFixed(2)} | ${m.peakRssMb.toFixed(0)} MB coordinator, ${workerRss.toFixed(0)} MB per worker (max) | ${same ? 'yes' : '**no**'} |`,
        );
      } finally {
        for (const c of workers) c.kill('SIGTERM');
        await Promise.all(workers.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
        await redis.cleanup();
      }
    }
  } finally {
    await sites.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: `Quarterly run of ${n} sites: in process vs. 1, 2, 3 worker processes`,
    body: `Fixture registry (\`tests/fixtures/queue-sites.ts\`): ${n - accounts} generated government websites of ~20–28 pages each (one server per site on 127.0.0.1, stale home pages, planted broken links, a home page answering 500, dead ports) and ${accounts} feed accounts. The same registry is checked by the in-process run, then by \`govcheck run --redis URL --wait\` (the coordinator, storing results in SQLite) with W \`govcheck worker\` processes on a real redis-server (noeviction, AOF); every process on this machine. Wall time of the run command; the workers are started and ready before the clock starts. "same verdicts" compares every site's verdict and score with the in-process run.

Command: \`npm run bench -- runs\` (env: \`BENCH_RUN_SITES\`, \`BENCH_RUN_CONCURRENCY\` = sites per process at once, \`BENCH_RUN_WORKERS\`).

| how | processes | sites at once | wall | sites/s | peak RSS | same verdicts |
|---|---|---|---|---|---|---|
${rows.join('\n')}

All processes share this machine's cores, so more worker processes only help while the run waits on the network rather than the CPU; on separate machines each worker brings its own cores.`,
  };
}
