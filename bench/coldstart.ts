/**
 * Cold start (issue 20): wall time and peak RSS of `govcheck --help`, `govcheck checks` and `govcheck check` of a
 * one-page site served on 127.0.0.1 (the fixed cost of a check before any real work), median of RUNS runs each,
 * against the targets.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './index.js';
import { measure, median } from './_measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../src/cli/index.js');
const RUNS = 5;

/** A one-page site of our own: a home page with a title and a heading, 404 for anything else. */
const PAGE = '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>示例县人民政府</title></head><body><h1>示例县人民政府</h1><p>政务公开</p></body></html>';

function serveOnePage(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

interface Case {
  name: string;
  args: string[];
  targetS?: number;
  targetMb?: number;
}

export default async function coldStart(): Promise<BenchSection> {
  const site = await serveOnePage();
  try {
    const cases: Case[] = [
      { name: '`--help`', args: ['--help'], targetS: 0.3, targetMb: 70 },
      { name: '`checks`', args: ['checks'] },
      { name: '`check` of a one-page site', args: ['check', site.url, '--allow-private-network', '--no-store', '--format', 'json'], targetS: 0.8, targetMb: 150 },
    ];
    const rows: string[] = [];
    const bare: number[] = [];
    const bareCpu: number[] = [];
    const load0 = os.loadavg()[0];
    for (let i = 0; i < RUNS; i++) {
      const m = await measure(process.execPath, ['-e', '0']);
      bare.push(m.ms);
      bareCpu.push(m.cpuMs);
    }
    for (const c of cases) {
      const ms: number[] = [];
      const mb: number[] = [];
      const cpu: number[] = [];
      // One run first, not counted: it builds what later starts read from the cache folder (lexicon, dictionaries).
      await measure(process.execPath, [cli, ...c.args]);
      for (let i = 0; i < RUNS; i++) {
        const m = await measure(process.execPath, [cli, ...c.args]);
        if (m.code !== 0 && m.code !== 1) throw new Error(`govcheck ${c.args.join(' ')} exited ${m.code}: ${m.stderr.split('\n')[0]}`);
        ms.push(m.ms);
        mb.push(m.peakRssMb);
        cpu.push(m.cpuMs);
      }
      const s = median(ms) / 1000;
      const rss = median(mb);
      const target = c.targetS === undefined ? '—' : `≤ ${c.targetS} s, ≤ ${c.targetMb} MB`;
      const met = c.targetS === undefined ? '—' : s <= c.targetS && rss <= c.targetMb! ? 'met' : `not met (${s > c.targetS ? 'time' : ''}${s > c.targetS && rss > c.targetMb! ? ', ' : ''}${rss > c.targetMb! ? 'memory' : ''})`;
      rows.push(`| ${c.name} | ${s.toFixed(2)} s (${(Math.min(...ms) / 1000).toFixed(2)}–${(Math.max(...ms) / 1000).toFixed(2)}) | ${(median(cpu) / 1000).toFixed(2)} s | ${Math.round(rss)} MB | ${target} | ${met} |`);
    }
    const load1 = os.loadavg()[0];
    const body = [
      `Median wall time, CPU time (user + system of the process) and peak RSS over ${RUNS} runs of \`node dist/src/cli/index.js ARGS\` after one run not counted (it fills the cache folder, as a first start on a machine does) (\`check\`: \`check http://127.0.0.1:PORT/ --allow-private-network --no-store --format json\`, a one-page site served by the bench). A bare \`node -e 0\` took ${(median(bare) / 1000).toFixed(2)} s wall, ${(median(bareCpu) / 1000).toFixed(2)} s CPU (median) at the time — the floor on this machine and its load (load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end, ${os.cpus().length} cores).`,
      '',
      '| command | wall, median (min–max) | CPU, median | peak RSS, median | target (issue 20) | |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    return { title: 'Cold start', body };
  } finally {
    await site.close();
  }
}
