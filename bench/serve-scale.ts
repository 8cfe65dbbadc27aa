/**
 * The review app and /api/v1 at a province's scale: a generated quarterly run of 14,000 sites and 1,000,000 findings
 * (bench/_scale-db.ts), and the time each page or API answer takes through fastify's `inject` (the whole request:
 * routing, access control, SQLite, rendering) on the built app. Notes: docs/modules.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { loadGroups } from '../src/registry/groups.js';
import { buildApp } from '../src/server/app.js';
import type { BenchSection } from './index.js';
import { generateScaleDb } from './_scale-db.js';
import { median } from './_measure.js';

export default async function serveScale(): Promise<BenchSection> {
  const sites = Number(process.env.BENCH_SCALE_SITES ?? 14_000);
  const findings = Number(process.env.BENCH_SCALE_FINDINGS ?? 1_000_000);
  const repeat = Number(process.env.BENCH_SCALE_REPEAT ?? 7);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-bench-scale-'));
  const config = loadConfig(undefined, { allowPrivateNetwork: true });
  const groups = loadGroups();
  try {
    const g = generateScaleDb(path.join(dir, 'scale.db'), { sites, findings, rules: config.rules, groups });
    process.stderr.write(`serve-scale: generated ${g.sites} sites, ${g.findings} findings in ${(g.ms / 1000).toFixed(1)} s\n`);
    const app = await buildApp({ db: g.file, host: '127.0.0.1', config, groups });
    await app.ready();
    const enc = encodeURIComponent;
    const urls: Array<{ what: string; url: string; target?: boolean }> = [
      { what: 'site list, first page (HTML, 100 sites)', url: `/runs/${g.runId}/sites`, target: true },
      { what: 'site list, page 70 (HTML)', url: `/runs/${g.runId}/sites?page=70`, target: true },
      { what: 'filtered: failing websites of one group (HTML)', url: `/runs/${g.runId}/sites?group=${enc(g.group)}&kind=website&verdict=fail`, target: true },
      { what: 'filtered: sites with a counted W-D1 problem (HTML)', url: `/runs/${g.runId}/sites?category=W-D1`, target: true },
      { what: 'filtered: failing check typos + search (HTML)', url: `/runs/${g.runId}/sites?check=typos&q=${enc('第1')}`, target: true },
      { what: 'filtered: disputed findings (HTML)', url: `/runs/${g.runId}/sites?review=disputed`, target: true },
      { what: `a site's page, typical (${g.typicalSite}, ~${Math.round(findings / sites)} findings)`, url: `/runs/${g.runId}/sites/${enc(g.typicalSite)}`, target: true },
      { what: `a site's page, the heaviest (${g.heaviestSite.findings} findings, 200 a page)`, url: `/runs/${g.runId}/sites/${enc(g.heaviestSite.id)}`, target: true },
      { what: 'API: sites, first page (50)', url: `/api/v1/runs/${g.runId}/sites` },
      { what: 'API: sites, status=fail&rule=W-V1', url: `/api/v1/runs/${g.runId}/sites?status=fail&rule=W-V1` },
      { what: "API: a site's result (typical)", url: `/api/v1/runs/${g.runId}/sites/${enc(g.typicalSite)}` },
      { what: "API: the heaviest site's findings, page 20", url: `/api/v1/runs/${g.runId}/sites/${enc(g.heaviestSite.id)}/findings?page=20` },
      { what: 'API: the two tables', url: `/api/v1/runs/${g.runId}/tables` },
      { what: 'API: runs', url: `/api/v1/runs` },
      { what: 'runs page (HTML)', url: '/' },
      { what: 'run overview page (HTML: tables, charts, failing list)', url: `/runs/${g.runId}` },
    ];
    const rows: string[] = [];
    let worstTarget = 0;
    for (const u of urls) {
      const times: number[] = [];
      const cpu: number[] = [];
      let status = 0;
      let bytes = 0;
      for (let k = 0; k <= repeat; k++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const res = await app.inject({ method: 'GET', url: u.url });
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (k > 0) cpu.push((c.user + c.system) / 1000);
        status = res.statusCode;
        bytes = res.rawPayload.length;
        if (k > 0) times.push(ms);
      }
      if (status !== 200) throw new Error(`${u.url} answered ${status}`);
      const med = median(times);
      const max = Math.max(...times);
      if (u.target) worstTarget = Math.max(worstTarget, med);
      rows.push(`| ${u.what} | \`${decodeURIComponent(u.url)}\` | ${med.toFixed(0)} ms | ${max.toFixed(0)} ms | ${median(cpu).toFixed(0)} ms | ${(bytes / 1024).toFixed(0)} KiB | ${u.target ? (med <= 200 ? 'yes' : '**no**') : '—'} |`);
      process.stderr.write(`serve-scale: ${u.url} ${med.toFixed(0)} ms (cpu ${median(cpu).toFixed(0)} ms)\n`);
    }
    await app.close();
    return {
      title: `Review app and /api/v1 on a run of ${sites.toLocaleString('en')} sites and ${g.findings.toLocaleString('en')} findings`,
      body: `A generated quarterly run (\`bench/_scale-db.ts\`: ${sites.toLocaleString('en')} sites in the ${groups.groups.length} configured groups, one in seven a new-media account, one in 60 not inspectable; ${g.findings.toLocaleString('en')} findings shaped like real ones — broken links, typos, late columns, security headers, vetoes on one site in twelve — most sites with 40–90, four with 5,000; disputes and confirmed false positives; verdicts by the real rules), written in one transaction with prepared statements in ${(g.ms / 1000).toFixed(1)} s. Each URL is asked through fastify's \`inject\` on the built app (routing, access control, SQLite, rendering; no socket), once to warm up and then ${repeat} times. Target: ≤ 200 ms (median) for the site list, filtered lists and a site's page.

Command: \`npm run bench -- serve-scale\` (env: \`BENCH_SCALE_SITES\`, \`BENCH_SCALE_FINDINGS\`, \`BENCH_SCALE_REPEAT\`).

| what | URL | median | slowest | CPU (median) | size | ≤ 200 ms |
| --- | --- | ---: | ---: | ---: | ---: | :---: |
${rows.join('\n')}

Slowest median of the targeted pages: ${worstTarget.toFixed(0)} ms. "CPU" is this process's CPU time for the request (user + system): on a shared machine the wall time also holds the time other processes had the cores (load average at the end: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores).`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
