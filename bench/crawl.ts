/**
 * Crawl benchmark: govcheck (all website checks) vs linkinator (link checking only) on the same generated
 * site in the same run, alternating, plus the raw limit (autocannon against the same URLs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { BenchSection } from './index.js';
import { measure, median } from './_measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const CLI = path.join(root, 'dist/src/cli/index.js');
const LINKINATOR = path.join(root, 'node_modules/linkinator/build/src/cli.js');

interface Served {
  child: ChildProcess;
  origin: string;
  broken: string[];
  pages: number;
}

function startServer(pages: number): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, '_serve-bench.js'), String(pages)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const info = JSON.parse(buf.slice(0, nl)) as { origin: string; broken: string[]; pages: number };
        resolve({ child, ...info });
      }
    });
    child.on('error', reject);
  });
}

async function rawLimit(origin: string, pages: number): Promise<number> {
  const requests = Array.from({ length: 200 }, (_, i) => ({ method: 'GET' as const, path: `/art/${Math.floor((i * 7919) % pages)}.html` }));
  const result = await autocannon({ url: origin, connections: 20, duration: 5, requests });
  return result.requests.average;
}

interface RunFigures {
  ms: number;
  /** CPU time of the tool's process (user + system), ms. */
  cpuMs: number;
  rss: number;
  pages: number;
  links: number;
  brokenFound: number;
}

async function runGovcheck(origin: string, concurrency: number, dir: string, engine: 'http' | 'crawlee'): Promise<RunFigures> {
  const m = await measure(process.execPath, [
    CLI,
    'check',
    `${origin}/`,
    '--allow-private-network',
    '--format',
    'json',
    '--db',
    path.join(dir, 'bench.db'),
    '--max-pages',
    '100000',
    '--max-depth',
    '100',
    '--concurrency',
    String(concurrency),
    '--engine',
    engine,
    '--as-of',
    '2024-07-01',
  ]);
  if (m.code !== 0 && m.code !== 1) throw new Error(`govcheck failed (${m.code}): ${m.stderr.slice(0, 500)}`);
  const out = JSON.parse(m.stdout) as { stats: { pages: number; links: number }; checks: Array<{ id: string; findings: Array<{ target: string; severity: string }> }> };
  const bl = out.checks.find((c) => c.id === 'broken-links');
  return { ms: m.ms, cpuMs: m.cpuMs, rss: m.peakRssMb, pages: out.stats.pages, links: out.stats.links, brokenFound: bl ? bl.findings.filter((f) => f.severity !== 'info').length : 0 };
}

async function runLinkinator(origin: string, concurrency: number): Promise<RunFigures> {
  const m = await measure(process.execPath, [LINKINATOR, `${origin}/`, '--recurse', '--format', 'json', '--concurrency', String(concurrency), '--timeout', '15000']);
  const out = JSON.parse(m.stdout) as { links: Array<{ url: string; state: string; parent?: string }> };
  const distinct = new Set(out.links.map((l) => l.url));
  const pages = new Set(out.links.map((l) => l.parent).filter(Boolean));
  const broken = new Set(out.links.filter((l) => l.state === 'BROKEN').map((l) => l.url));
  return { ms: m.ms, cpuMs: m.cpuMs, rss: m.peakRssMb, pages: pages.size, links: distinct.size, brokenFound: broken.size };
}

const fmt = (x: number, d = 1) => x.toFixed(d);

export default async function crawlBench(): Promise<BenchSection[]> {
  const sizes = (process.env.BENCH_SIZES ?? '5000,20000').split(',').map(Number);
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const govConcurrency = Number(process.env.BENCH_GOV_CONCURRENCY ?? 16);
  const linkConcurrency = Number(process.env.BENCH_LINK_CONCURRENCY ?? 100);
  const withCrawlee = process.env.BENCH_CRAWLEE !== '0';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-bench-'));
  const rows: string[] = [];
  const notes: string[] = [];
  try {
    for (const size of sizes) {
      const server = await startServer(size);
      try {
        const raw = await rawLimit(server.origin, size);
        const gov: RunFigures[] = [];
        const govCrawlee: RunFigures[] = [];
        const lin: RunFigures[] = [];
        const n = size === sizes[0] ? reps : Number(process.env.BENCH_REPS_LARGE ?? 1);
        for (let i = 0; i < n; i++) {
          gov.push(await runGovcheck(server.origin, govConcurrency, dir, 'http'));
          lin.push(await runLinkinator(server.origin, linkConcurrency));
          if (withCrawlee) govCrawlee.push(await runGovcheck(server.origin, govConcurrency, dir, 'crawlee'));
        }
        const summarise = (runs: RunFigures[]) => ({
          ms: median(runs.map((x) => x.ms)),
          cpuMs: median(runs.map((x) => x.cpuMs)),
          rss: median(runs.map((x) => x.rss)),
          pages: runs[0].pages,
          links: runs[0].links,
          broken: runs[0].brokenFound,
        });
        const g = summarise(gov);
        const c = withCrawlee ? summarise(govCrawlee) : undefined;
        const l = summarise(lin);
        // CPU per page: the process's CPU time over the site's pages (the same denominator for every tool).
        const row = (tool: string, x: ReturnType<typeof summarise>) =>
          `| ${size} | ${tool} | ${fmt(x.ms / 1000, 2)} s | ${fmt(x.cpuMs / 1000, 2)} s | ${fmt(x.cpuMs / size, 2)} ms | ${x.pages} | ${fmt(x.pages / (x.ms / 1000))} | ${x.links} | ${fmt(x.links / (x.ms / 1000))} | ${fmt(x.rss, 0)} MB | ${x.broken} / ${server.broken.length} | ${n} |`;
        rows.push(row(`govcheck (default http engine), all website checks, concurrency ${govConcurrency}`, g));
        if (c) rows.push(row(`govcheck (crawlee engine), all website checks, concurrency ${govConcurrency}`, c));
        rows.push(row(`linkinator 6.3, --recurse, concurrency ${linkConcurrency}`, l));
        notes.push(
          `- ${size} pages: govcheck CPU **${fmt(g.cpuMs / size, 2)} ms per page** (target ≤ 1.2 ms: ${g.cpuMs / size <= 1.2 ? 'met' : 'not met'}), linkinator ${fmt(l.cpuMs / size, 2)} ms; govcheck/linkinator wall-time ratio **${fmt(g.ms / l.ms, 2)}**${c ? ` (crawlee engine ${fmt(c.ms / l.ms, 2)})` : ''} (target ≤ 1.25), peak-RSS ratio **${fmt(g.rss / l.rss, 2)}**${c ? ` (crawlee engine ${fmt(c.rss / l.rss, 2)})` : ''} (target ≤ 1.5); raw server limit (autocannon, 20 connections, 5 s, same URLs) **${fmt(raw, 0)} req/s**, so govcheck crawls at ${fmt((100 * g.pages) / (g.ms / 1000) / raw, 1)} % of what the server can answer; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores after these runs.`,
        );
      } finally {
        server.child.kill('SIGTERM');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      title: 'Crawl and link checking: govcheck vs linkinator',
      body: `Generated site (\`tests/fixtures/bench-site.ts\`): N article pages, 20 references each (navigation, related articles, images, PDF attachments), ~2 % of references to missing targets, 5 % of pages GBK declared only in \`<meta>\`. Served by a plain Node HTTP server in its own process on 127.0.0.1. Every tool runs as a child process, alternating (govcheck with its default HTTP engine, linkinator, govcheck with \`--engine crawlee\`); wall time and peak RSS (VmHWM) are medians of the runs. "pages" for linkinator = distinct parent pages in its report; "links" = distinct URLs checked.

Command: \`npm run bench -- crawl\` (env: \`BENCH_SIZES\`, \`BENCH_REPS\` (first size), \`BENCH_REPS_LARGE\` (other sizes), \`BENCH_GOV_CONCURRENCY\`, \`BENCH_LINK_CONCURRENCY\`, \`BENCH_CRAWLEE=0\` leaves the crawlee engine out). CPU = user + system time of the tool's process (median); per page = over the site's N pages.

| pages | tool | wall | CPU | CPU per page | pages crawled | pages/s | distinct links | links/s | peak RSS | broken found / planted | runs |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${notes.join('\n')}`,
    },
  ];
}
