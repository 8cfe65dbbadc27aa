/**
 * A province of slow, polite sites (issue 20): N generated websites, each on its own 127.0.0.1 server that answers
 * every request after DELAY ms and serves at most C requests at once (a small government server; more wait in its
 * queue). Each server records its requests and the most it saw at once. Notes: docs/modules.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalRoutes, generateSite, serve, type Routes, type Served } from '../tests/fixtures/site.js';
import { startRedis } from '../tests/fixtures/redis.js';
import type { BenchSection } from './index.js';
import { measure, peakMb, startWorker } from './_measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(path.resolve(here, '../..'), 'dist/src/cli/index.js');

interface SlowSite {
  origin: string;
  requests: number;
  maxAtOnce: number;
  reset(): void;
  close(): Promise<void>;
}

/** One site: routes answered after `delayMs`, at most `perHost` at once (the rest queue), counted. */
async function slowSite(routes: Routes, delayMs: number, perHost: number): Promise<SlowSite> {
  let active = 0;
  let arrived = 0;
  let served = 0;
  let maxAtOnce = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    while (active < perHost && queue.length) {
      active++;
      queue.shift()!();
    }
  };
  const server = http.createServer((req, res) => {
    served++;
    arrived++;
    maxAtOnce = Math.max(maxAtOnce, arrived);
    res.on('close', () => arrived--);
    queue.push(() =>
      setTimeout(() => {
        const url = new URL(req.url ?? '/', 'http://x');
        const route = routes.get(url.pathname);
        if (!route) res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : '<html><body>页面不存在</body></html>');
        else res.writeHead(route.status ?? 200, route.headers ?? {}).end(req.method === 'HEAD' ? undefined : route.body);
        active--;
        next();
      }, delayMs),
    );
    next();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return served;
    },
    get maxAtOnce() {
      return maxAtOnce;
    },
    reset() {
      served = 0;
      maxAtOnce = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export default async function provinceBench(): Promise<BenchSection> {
  const n = Number(process.env.BENCH_PROVINCE_SITES ?? 120);
  const delayMs = Number(process.env.BENCH_PROVINCE_DELAY_MS ?? 800);
  const perHost = Number(process.env.BENCH_PROVINCE_PER_HOST ?? 4);
  const workerCounts = (process.env.BENCH_PROVINCE_WORKERS ?? '1,2,3').split(',').filter(Boolean).map(Number);
  // The second in-process row's `gather.parseWorkers` (0: every page on the crawl's thread); empty leaves it out.
  const pageWorkersEnv = process.env.BENCH_PROVINCE_PAGE_WORKERS ?? '0';
  const pageWorkers = pageWorkersEnv === '' ? undefined : Number(pageWorkersEnv);
  const asOf = '2024-07-01';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-bench-province-'));
  const ext: Served = await serve(externalRoutes());
  const sites: SlowSite[] = [];
  const rows: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const g = generateSite({ name: `示例县${i + 1}人民政府`, seed: i + 1, articlesPerColumn: 2, externalOrigin: ext.origin, newest: '2024-06-28', planted: i % 3 === 0 });
      sites.push(await slowSite(g.routes, delayMs, perHost));
    }
    const csv = ['名称,网址,部门/地区', ...sites.map((s, i) => `示例县${i + 1}人民政府,${s.origin}/,${['甲市', '乙市', '丙市'][i % 3]}`)].join('\n');
    writeFileSync(path.join(dir, 'registry.csv'), csv);
    const dbFile = path.join(dir, 'province.db');
    const imp = await measure(process.execPath, [CLI, 'registry', 'import', path.join(dir, 'registry.csv'), '--db', dbFile]);
    if (imp.code !== 0) throw new Error(`registry import failed: ${imp.stderr}`);
    // The run's per-host politeness is the client's and the crawl's: both at `perHost`.
    const cfg = path.join(dir, 'config.yaml');
    writeFileSync(cfg, `http:\n  perHostConcurrency: ${perHost}\ngather:\n  concurrency: ${perHost}\n`);
    const common = ['--quarter', '2024Q2', '--as-of', asOf, '--db', dbFile, '--config', cfg, '--allow-private-network', '--no-progress'];

    const limitOf = () => {
      const per = sites.map((s) => Math.ceil(s.requests / perHost) * delayMs);
      return { ms: Math.max(Math.max(...per), per.reduce((a, b) => a + b, 0) / n), requests: sites.reduce((a, s) => a + s.requests, 0), maxAtOnce: Math.max(...sites.map((s) => s.maxAtOnce)) };
    };
    const row = (how: string, procs: number, ms: number, rss: string, rssPerSite: number, cpuMs = Number.NaN) => {
      const l = limitOf();
      const ratio = ms / l.ms;
      rows.push(
        `| ${how} | ${procs} | ${n} | ${l.requests} (${(l.requests / n).toFixed(0)}/site) | ${l.maxAtOnce} | ${(ms / 1000).toFixed(1)} s | ${Number.isNaN(cpuMs) ? '—' : `${(cpuMs / 1000).toFixed(1)} s`} | ${(l.ms / 1000).toFixed(1)} s | **${ratio.toFixed(2)}×** ${ratio <= 1.25 ? '(met)' : '(target ≤ 1.25×)'} | ${rss} | ${rssPerSite.toFixed(2)} MB ${rssPerSite <= 2 ? '(met)' : '(target ≤ 2 MB)'} |`,
      );
    };

    for (const s of sites) s.reset();
    const inproc = await measure(process.execPath, [CLI, 'run', ...common, '--run', 'inproc', '--concurrency', String(n)], { timeoutMs: 30 * 60_000 });
    if (inproc.code !== 0) throw new Error(`in-process run failed (${inproc.code}): ${inproc.stderr.slice(-500)}`);
    row(`in process (\`govcheck run --concurrency ${n}\`, page workers \`auto\`)`, 1, inproc.ms, `${inproc.peakRssMb.toFixed(0)} MB`, inproc.peakRssMb / n, inproc.cpuMs);

    // The same run with a fixed number of page workers. The default (\`auto\`) starts cores − 2 of them from 4 cores and,
    // on 2–3 cores, one while 16 or more sites are in flight (src/gather/page-pool.ts).
    if (pageWorkers !== undefined) {
      const cfgWorkers = path.join(dir, 'config-page-workers.yaml');
      writeFileSync(cfgWorkers, `http:\n  perHostConcurrency: ${perHost}\ngather:\n  concurrency: ${perHost}\n  parseWorkers: ${pageWorkers}\n  parseWorkersAfterPages: 0\n`);
      for (const s of sites) s.reset();
      const withWorkers = await measure(process.execPath, [CLI, 'run', ...common.map((a) => (a === cfg ? cfgWorkers : a)), '--run', 'inproc-page-workers', '--concurrency', String(n)], { timeoutMs: 30 * 60_000 });
      if (withWorkers.code !== 0) throw new Error(`in-process run with parseWorkers ${pageWorkers} failed (${withWorkers.code}): ${withWorkers.stderr.slice(-500)}`);
      const how = pageWorkers === 0 ? 'every page on the crawl thread' : `${pageWorkers} page worker thread${pageWorkers > 1 ? 's' : ''}`;
      row(`in process, ${how} (\`gather.parseWorkers: ${pageWorkers}\`${pageWorkers ? ', `parseWorkersAfterPages: 0`' : ''})`, 1, withWorkers.ms, `${withWorkers.peakRssMb.toFixed(0)} MB`, withWorkers.peakRssMb / n, withWorkers.cpuMs);
    }

    for (const w of workerCounts) {
      const redis = await startRedis();
      const workers: ChildProcess[] = [];
      try {
        const per = Math.ceil(n / w);
        for (let i = 0; i < w; i++) workers.push(await startWorker(CLI, redis.url, `province-${w}-${i + 1}`, per));
        for (const s of sites) s.reset();
        const m = await measure(process.execPath, [CLI, 'run', ...common, '--run', `workers-${w}`, '--redis', redis.url, '--wait'], { timeoutMs: 30 * 60_000 });
        if (m.code !== 0) throw new Error(`distributed run failed (${m.code}): ${m.stderr.slice(-500)}`);
        const workerRss = workers.map((c) => peakMb(c.pid));
        row(`${w} worker process${w > 1 ? 'es' : ''} × \`--concurrency ${per}\``, w, m.ms, `${Math.max(...workerRss).toFixed(0)} MB per worker (max), coordinator ${m.peakRssMb.toFixed(0)} MB`, Math.max(...workerRss) / per);
      } finally {
        for (const c of workers) c.kill('SIGTERM');
        await Promise.all(workers.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
        await redis.cleanup();
      }
    }
  } finally {
    await Promise.all(sites.map((s) => s.close()));
    await ext.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: `A province of ${n} slow, polite sites (${delayMs} ms per answer, ${perHost} at once per host)`,
    body: `${n} generated government websites (\`tests/fixtures/site.ts\`, two articles a column, every third with planted broken links), each on its own server on 127.0.0.1 that answers every request after ${delayMs} ms and serves at most ${perHost} at once (more wait in its queue); the run uses the same per-host limit (\`http.perHostConcurrency\`, \`gather.concurrency\`). The **politeness limit** is the least time the requests the servers counted could take at that limit: per site ⌈requests ÷ ${perHost}⌉ × ${delayMs} ms, for the run the largest per-site figure or their sum spread over the ${n} sites in flight, whichever is larger. "most at once" is the largest number of requests one server had open at the same time (over ${perHost} means govcheck was less polite than configured). RSS per site in flight = peak RSS of the process doing the checks ÷ the sites it had in flight. CPU = user + system time of the in-process run: when it nears the wall time, the run waits on its own CPU, not on the sites.

Command: \`npm run bench -- province\` (env: \`BENCH_PROVINCE_SITES\`, \`BENCH_PROVINCE_DELAY_MS\`, \`BENCH_PROVINCE_PER_HOST\`, \`BENCH_PROVINCE_WORKERS\`, \`BENCH_PROVINCE_PAGE_WORKERS\`: the second row's \`gather.parseWorkers\`, 0 by default, empty leaves that row out). Targets (issue 20): wall ≤ 1.25× the limit with 100+ sites in flight, ≤ 2 MB per small site in flight.

| how | processes | sites in flight | requests | most at once (one server) | wall | CPU (in process) | politeness limit | ratio | peak RSS | RSS per site in flight |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}`,
  };
}
