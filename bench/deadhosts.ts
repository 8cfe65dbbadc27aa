/**
 * Dead hosts are dead once (issue 20): `govcheck check` of a page with 508 share-widget links to a host name
 * that does not resolve (pinned with --resolve HOST:-, so no DNS packet leaves the machine), broken-links only.
 * Before the change every URL was resolved and reported separately (508 findings); now the host is one finding.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './index.js';
import { measure, median } from './_measure.js';
import { DEAD_HOST, DEAD_LINKS, serveDeadHostPage } from './_deadhosts-page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../src/cli/index.js');
const RUNS = 3;

export default async function deadHosts(): Promise<BenchSection> {
  const page = await serveDeadHostPage();
  try {
    const runs: Array<{ ms: number; rss: number; findings: number; notProbed: number; grouped: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const m = await measure(process.execPath, [cli, 'check', page.url, '--resolve', `${DEAD_HOST}:-`, '--allow-private-network', '--checks', 'broken-links', '--no-store', '--format', 'json']);
      const r = JSON.parse(m.stdout) as { checks: Array<{ id: string; findings: Array<{ code: string; evidence: { count?: number } }>; summary?: { notProbed?: number } }> };
      const c = r.checks.find((x) => x.id === 'broken-links')!;
      runs.push({ ms: m.ms, rss: m.peakRssMb, findings: c.findings.length, notProbed: c.summary?.notProbed ?? 0, grouped: c.findings.find((f) => f.code === 'dead-host')?.evidence.count ?? 0 });
    }
    const cmd = `node dist/src/cli/index.js check <page> --resolve ${DEAD_HOST}:- --allow-private-network --checks broken-links --no-store --format json`;
    const body = [
      `A home page with ${DEAD_LINKS} share-widget links to \`${DEAD_HOST}\`, which does not resolve (\`bench/_deadhosts-page.ts\` serves it on 127.0.0.1; \`--resolve ${DEAD_HOST}:-\` pins the name, so no DNS query leaves the machine and the resolver's own latency — ~0.2 s per name in the issue's 104 s — is not in these figures). Median of ${RUNS} runs of \`${cmd}\`.`,
      '',
      '| version | wall | peak RSS | broken-links findings | URLs in the host finding | URLs not requested |',
      '|---|---|---|---|---|---|',
      `| before (main c201581, measured once by hand, same command) | 2.93 s | 178 MB | 508 (one per URL) | — | 0 (every URL probed) |`,
      `| now | ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s | ${Math.round(median(runs.map((r) => r.rss)))} MB | ${runs[0].findings} | ${runs[0].grouped} | ${runs[0].notProbed} (1 name resolution) |`,
    ].join('\n');
    return { title: 'Dead hosts: one finding per host', body };
  } finally {
    await page.close();
  }
}
