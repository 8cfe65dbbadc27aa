import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { importRegistryFile, loadGroups } from '../../src/registry/index.js';
import { loadRunSites } from '../../src/rollup/data.js';
import { computeTable } from '../../src/rollup/tables.js';
import { parseQuarter, defaultAsOf } from '../../src/run/quarter.js';
import { runQuarter, type RunEvent } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { probeWeek } from '../fixtures/probe-week.js';
import { externalRoutes, generateSite, serve, type Routes, type Served } from '../fixtures/site.js';
import { CLI, runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir();
const servers: Served[] = [];
const groups = loadGroups();
let ext: Served;
const CHECKS = ['availability', 'broken-links'];

/** Every answer of the site delayed by `ms` (a slow government server), so a run takes long enough to be killed mid-way. */
function slow(routes: Routes, ms: number): Routes {
  const out: Routes = new Map();
  for (const [k, r] of routes) {
    out.set(k, {
      handler: (req, res) =>
        setTimeout(() => {
          if (r.handler) return r.handler(req, res);
          res.writeHead(r.status ?? 200, r.headers ?? {});
          res.end(req.method === 'HEAD' ? undefined : r.body);
        }, ms),
    });
  }
  return out;
}

async function site(routes: Routes): Promise<Served> {
  const s = await serve(routes);
  servers.push(s);
  return s;
}

function registryFile(name: string, rows: Array<[string, string, string]>): string {
  const f = path.join(tmp.dir, name);
  writeFileSync(f, stringifyCsv([['名称', '网址', '部门/地区'], ...rows]));
  return f;
}

let hang: http.Server;
let hangOrigin: string;

beforeAll(async () => {
  ext = await serve(externalRoutes());
  servers.push(ext);
  // A home page that never answers.
  hang = http.createServer(() => undefined);
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  hangOrigin = `http://127.0.0.1:${(hang.address() as import('node:net').AddressInfo).port}`;
});
afterAll(async () => {
  hang.closeAllConnections();
  hang.close();
  await Promise.all(servers.map((s) => s.close()));
  tmp.cleanup();
});

describe('quarterly run in process', () => {
  it('checks every operating site once; a dead site with a week of failed probes fails W-V1, a hanging one without probes is recorded as not inspected, never a stopped run', async () => {
    const a = await site(generateSite({ name: '甲市人民政府', seed: 1, articlesPerColumn: 2, externalOrigin: ext.origin }).routes);
    const b = await site(generateSite({ name: '甲市教育局', seed: 2, articlesPerColumn: 2, externalOrigin: ext.origin }).routes);
    const dead = await serve(new Map());
    const deadOrigin = dead.origin;
    await dead.close();
    const f = registryFile('inproc.csv', [
      ['甲市人民政府', `${a.origin}/`, '甲市'],
      ['甲市教育局', `${b.origin}/`, '甲市'],
      ['乙市挂起网站', `${hangOrigin}/`, '乙市'],
      ['乙市停机网站', `${deadOrigin}/`, '乙市'],
    ]);
    const db = openDb(path.join(tmp.dir, 'inproc.db'));
    const imported = await importRegistryFile(db, f, { groups });
    expect(imported.ok).toBe(true);
    const config = loadConfig(undefined, { allowPrivateNetwork: true, gather: { timeoutMs: 1500, retries: 0 }, http: { timeoutMs: 1500, retries: 0 } });
    // The dead site was probed for the week before the date (every visit refused); the hanging one was not.
    const deadEntry = (imported.ok ? imported.entries : []).find((e) => e.name === '乙市停机网站')!;
    expect(await probeWeek(db, [{ id: deadEntry.id, url: deadEntry.url }], { asOf: '2024-07-01', config })).toBe(140);
    const events: RunEvent[] = [];
    const started = Date.now();
    const s = await runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-01', config, checks: CHECKS, concurrency: 2, onEvent: (e) => events.push(e) });
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(s).toMatchObject({ runId: '2024Q2', asOf: '2024-07-01', status: 'done', checkedNow: 4 });
    expect(s.counts).toMatchObject({ total: 4, done: 4, passed: 2, failed: 1, errors: 1 });
    const rows = db.prepare(`SELECT s.name, r.verdict, r.outcome, r.error_kind, r.decided_by_json FROM site_results r JOIN sites s ON s.id = r.site_id WHERE r.run_id = '2024Q2' ORDER BY s.name`).all() as Array<Record<string, string>>;
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    // One visit that timed out decides nothing: not inspected, listed apart, its W-V1 finding suspected.
    expect(byName['乙市挂起网站']).toMatchObject({ outcome: 'error', error_kind: 'timeout' });
    expect(byName['乙市停机网站']).toMatchObject({ verdict: 'fail', outcome: 'checked' });
    expect(JSON.parse(byName['乙市停机网站'].decided_by_json)).toEqual([{ rule: 'W-V1', kind: 'veto', points: 0, findings: 1 }]);
    expect(byName['甲市人民政府'].verdict).toBe('pass');
    expect(byName['甲市教育局'].verdict).toBe('pass');
    expect(events.filter((e) => e.type === 'site-done')).toHaveLength(4);
    // One HTTP client for the run: the external target both sites link to was probed once (HEAD, then GET
    // because HEAD said 404), not once per site.
    expect([ext.hits.get('HEAD /missing.html'), ext.hits.get('GET /missing.html')]).toEqual([1, 1]);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'done' });
    const t = computeTable(loadRunSites(db, '2024Q2'), 'website', groups, { quarter: '2024Q2', runId: '2024Q2', asOf: '2024-07-01' });
    expect(t.rows.map((r) => [r.group, r.operating, r.checked, r.failed, r.rate])).toEqual([
      ['甲市', 2, 2, 0, '0'],
      ['乙市', 2, 1, 1, '100'],
    ]);
    expect(t.errors).toBe(1);

    // Run again: nothing left to do, nothing duplicated; another as-of for the same run is refused.
    const again = await runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-09', config, checks: CHECKS });
    expect(again).toMatchObject({ checkedNow: 0, status: 'done', asOf: '2024-07-01' });
    await expect(runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-09', asOfExplicit: true, config, checks: CHECKS })).rejects.toThrow(/started as of 2024-07-01/);

    // A site check that runs past the site time limit is recorded as an error, listed apart from the table counts,
    // and checked again on request.
    const r2 = await runQuarter(db, { quarter: parseQuarter('2024Q2'), runId: 'q2-timeout', asOf: '2024-07-01', config, checks: CHECKS, only: ['甲市'], siteTimeoutMs: 1 });
    expect(r2.counts).toMatchObject({ total: 2, done: 2, errors: 2, passed: 0 });
    const t2 = computeTable(loadRunSites(db, 'q2-timeout'), 'website', groups, { quarter: '2024Q2', runId: 'q2-timeout', asOf: '2024-07-01' });
    expect(t2.total).toMatchObject({ operating: 4, checked: 0, failed: 0 });
    expect(t2.errors).toBe(2);
    expect((db.prepare(`SELECT error_kind FROM site_results WHERE run_id = 'q2-timeout'`).all() as Array<{ error_kind: string }>).map((r) => r.error_kind)).toEqual(['timeout', 'timeout']);
    const r3 = await runQuarter(db, { quarter: parseQuarter('2024Q2'), runId: 'q2-timeout', asOf: '2024-07-01', config, checks: CHECKS, only: ['甲市'], retryErrors: true });
    expect(r3.counts).toMatchObject({ total: 2, done: 2, errors: 0, passed: 2 });
    db.close();
  });

  it('refuses an empty registry and an --only that matches nothing', async () => {
    const db = openDb(':memory:');
    const config = loadConfig(undefined, { allowPrivateNetwork: true });
    await expect(runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-01', config })).rejects.toThrow(/registry has no operating site/);
    await importRegistryFile(db, registryFile('one.csv', [['甲市人民政府', 'http://127.0.0.1:1/', '甲市']]), { groups });
    await expect(runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-01', config, only: ['火星市'] })).rejects.toThrow(/matches no operating site/);
    db.close();
  });

  it('defaults the inspection date to today, refuses quarters that have not started, warns about old ones', () => {
    const q = parseQuarter('2024Q2');
    expect(q).toMatchObject({ id: '2024Q2', start: '2024-04-01', end: '2024-06-30' });
    expect(parseQuarter('2024年第四季度')).toMatchObject({ id: '2024Q4', end: '2024-12-31' });
    expect(defaultAsOf(q, '2024-07-08')).toEqual({ asOf: '2024-07-08' });
    expect(() => defaultAsOf(q, '2024-03-31')).toThrow(/has not started/);
    expect(defaultAsOf(q, '2025-01-15').warning).toMatch(/more than a quarter after it ended/);
  });
});

describe('govcheck run (CLI): killed mid-run with SIGKILL, then run again', () => {
  it('continues with the unfinished sites; every site ends with exactly one result and finished ones are not checked again', async () => {
    const rows: Array<[string, string, string]> = [];
    for (let i = 0; i < 8; i++) {
      const s = await site(slow(generateSite({ name: `丙市第${i + 1}局`, seed: 10 + i, articlesPerColumn: 2, externalOrigin: ext.origin, planted: i % 2 === 0 }).routes, 40));
      rows.push([`丙市第${i + 1}局`, `${s.origin}/`, '丙市']);
    }
    const db = path.join(tmp.dir, 'resume.db');
    const imp = await runCli(['registry', 'import', registryFile('resume.csv', rows), '--db', db]);
    expect(imp.code, imp.stderr).toBe(0);
    const args = [CLI, 'run', '--quarter', '2024Q2', '--as-of', '2024-07-01', '--db', db, '--allow-private-network', '--concurrency', '2', '--checks', CHECKS.join(',')];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code, sig) => r(sig ? null : code)));
    const ro = () => new Database(db, { readonly: true, fileMustExist: true });
    const done = () => {
      try {
        const h = ro();
        try {
          return (h.prepare(`SELECT COUNT(*) AS n FROM site_results WHERE run_id = '2024Q2'`).get() as { n: number }).n;
        } finally {
          h.close();
        }
      } catch {
        return 0; // schema not there yet
      }
    };
    const deadline = Date.now() + 60_000;
    while (done() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect(await exited).toBeNull();
    const h = ro();
    const before = h.prepare(`SELECT site_id, finished_at FROM site_results WHERE run_id = '2024Q2'`).all() as Array<{ site_id: string; finished_at: string }>;
    expect((h.prepare(`SELECT status FROM runs WHERE id = '2024Q2'`).get() as { status: string }).status).toBe('running');
    h.close();
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(8);

    const again = await runCli(args.slice(1), { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`继续未完成的 ${8 - before.length} 个`);
    expect(again.stdout).toMatch(/检查批次 2024Q2（2024Q2，检查日期 2024-07-01）已完成/);
    const h2 = ro();
    const after = h2.prepare(`SELECT site_id, finished_at FROM site_results WHERE run_id = '2024Q2' ORDER BY site_id`).all() as Array<{ site_id: string; finished_at: string }>;
    expect(after).toHaveLength(8);
    expect(new Set(after.map((r) => r.site_id)).size).toBe(8);
    for (const b of before) expect(after.find((a) => a.site_id === b.site_id)!.finished_at).toBe(b.finished_at);
    // Findings of a site are not duplicated either: one per (check, seq), as many as the site's result says.
    const dupFindings = h2.prepare(`SELECT COUNT(*) AS n FROM (SELECT site_id, check_id, seq, COUNT(*) c FROM findings WHERE run_id = '2024Q2' GROUP BY 1, 2, 3 HAVING c > 1)`).get() as { n: number };
    expect(dupFindings.n).toBe(0);
    expect((h2.prepare(`SELECT status FROM runs WHERE id = '2024Q2'`).get() as { status: string }).status).toBe('done');
    h2.close();

    const table = await runCli(['table', '--quarter', '2024Q2', '--db', db, '--kind', 'website', '--format', 'json']);
    expect(JSON.parse(table.stdout).total).toMatchObject({ operating: 8, checked: 8, failed: 0, rate: '0' });
    expect(stderr).toContain('检查批次 2024Q2（检查日期 2024-07-01）：共 8 个网站和账号，待检查 8 个');
  }, 300_000); // four CLI processes; each start costs seconds on a loaded 2-core machine
});
