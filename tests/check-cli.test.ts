import Database from 'better-sqlite3';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalRoutes, generateSite, resolveTarget, serve, type FixtureSite, type Served } from './fixtures/site.js';
import { runCli, tmpDir } from './helpers.js';

let ext: Served;
let site: FixtureSite;
let planted: Served;
let clean: Served;
let down: Served;
const tmp = tmpDir();

beforeAll(async () => {
  ext = await serve(externalRoutes());
  site = generateSite({ externalOrigin: ext.origin });
  planted = await serve(site.routes);
  clean = await serve(generateSite({ externalOrigin: ext.origin, planted: false, seed: 2 }).routes);
  down = await serve(new Map([['/', { status: 503, body: '系统维护中' }]]));
});
afterAll(async () => {
  await Promise.all([ext.close(), planted.close(), clean.close(), down.close()]);
  tmp.cleanup();
});

describe('govcheck check (end to end, real servers on 127.0.0.1)', () => {
  it('reports exactly the planted broken targets, with their parents, and decodes GBK pages', async () => {
    const db = path.join(tmp.dir, 'a.db');
    const r = await runCli(['check', `${planted.origin}/`, '--allow-private-network', '--format', 'json', '--db', db, '--as-of', '2024-07-01']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ url: `${planted.origin}/`, verdict: 'pass', asOf: '2024-07-01' });
    expect(r.code).toBe(0);
    const links = out.checks.find((c: { id: string }) => c.id === 'broken-links');
    const reported = links.findings
      .filter((f: { severity: string }) => f.severity !== 'info')
      .map((f: { target: string }) => f.target)
      .sort();
    const expected = site.truth.broken.map((b) => resolveTarget(b.target.replace('{external}', ext.origin), planted.origin)).sort();
    expect(reported).toEqual(expected);
    for (const b of site.truth.broken) {
      const f = links.findings.find((x: { target: string }) => x.target === resolveTarget(b.target, planted.origin));
      const parents = f.evidence.parents.map((p: { page: string }) => new URL(p.page).pathname);
      expect(parents).toEqual(b.parents);
      expect(f.evidence.onHome ?? false).toBe(b.attachment ? false : b.onHome);
    }
    for (const w of site.truth.working) {
      expect(reported).not.toContain(resolveTarget(w, planted.origin));
    }
    expect(out.stats.pages).toBeGreaterThanOrEqual(site.truth.pages.length);
    const points = Object.fromEntries(out.decidedBy.map((h: { rule: string; points: number }) => [h.rule, h.points]));
    expect(points['W-D1']).toBeCloseTo(1 + 1 + 0.1 + 0.1, 5); // two on the home page, two elsewhere
    expect(points['W-D2']).toBeCloseTo(0.5, 5); // one attachment
  });

  it('stores pages decoded correctly: GBK declared by meta or by header', async () => {
    const { gatherSite } = await import('../src/gather/crawl.js');
    const a = await gatherSite({ id: 'x', url: `${planted.origin}/`, kind: 'website' }, { networkPolicy: true }, [], '2024-07-01');
    const crawled = new Set(a.pages.map((p) => new URL(p.url).pathname));
    for (const p of site.truth.pages) expect(crawled.has(p), p).toBe(true);
    for (const g of site.truth.gbkPages) {
      const p = a.pages.find((x) => x.url === `${planted.origin}${g.path}`);
      expect(p, g.path).toBeDefined();
      expect(p!.title).toBe(g.title);
      expect(p!.encoding).toBe('gb18030');
      expect(p!.encodingSource).toBe(g.declaredBy);
    }
  });

  it('exits 0 on a clean site, 2 on a down one (one visit decides nothing), 1 when the office counts one visit, in Chinese and in English', async () => {
    const ok = await runCli(['check', `${clean.origin}/`, '--allow-private-network', '--no-store', '--as-of', '2024-07-01']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('结论: 合格');
    const down1 = await runCli(['check', `${down.origin}/`, '--allow-private-network', '--no-store']);
    expect(down1.code).toBe(2);
    expect(down1.stdout).toBe('');
    expect(down1.stderr.trim().split('\n')).toHaveLength(1);
    expect(down1.stderr).toContain('未检查，无结论');
    expect(down1.stderr).toContain('HTTP 503');
    expect(down1.stderr).toContain('W-V1 需一周监测');
    const cfg = path.join(tmp.dir, 'one-visit.yaml');
    writeFileSync(cfg, 'checks:\n  availability:\n    vetoOnSingleProbe: true\n');
    const bad = await runCli(['check', `${down.origin}/`, '--allow-private-network', '--no-store', '--lang', 'en', '--config', cfg]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('Verdict: FAIL');
    expect(bad.stdout).toContain('Home page unreachable: HTTP 503');
  });

  it('stores results in SQLite without duplicating rows when re-run', async () => {
    const db = path.join(tmp.dir, 'b.db');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['check', `${planted.origin}/`, '--allow-private-network', '--format', 'json', '--db', db, '--as-of', '2024-07-01']);
      expect(r.code).toBe(0);
    }
    const conn = new Database(db, { readonly: true });
    expect(conn.prepare('SELECT count(*) n FROM site_results').get()).toEqual({ n: 1 });
    expect(conn.prepare('SELECT count(*) n FROM runs').get()).toEqual({ n: 1 });
    const n = conn.prepare("SELECT count(*) n FROM findings WHERE check_id = 'broken-links' AND severity != 'info'").get() as { n: number };
    expect(n.n).toBe(site.truth.broken.length);
    conn.close();
  });

  it('checks a site by its host name pinned with --resolve, and classifies a name that does not resolve', async () => {
    const port = new URL(clean.origin).port;
    const ok = await runCli(['check', `http://www.shifan.gov.cn:${port}/`, '--resolve', 'www.shifan.gov.cn:127.0.0.1', '--allow-private-network', '--no-store', '--format', 'json', '--checks', 'availability']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verdict: 'pass', error: null });
    const gone = await runCli(['check', `http://gone.shifan.gov.cn:${port}/`, '--resolve', 'gone.shifan.gov.cn:-', '--allow-private-network', '--no-store', '--format', 'json']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/未检查，无结论.*dns_error/);
  });

  it('refuses loopback targets unless --allow-private-network is given', async () => {
    const r = await runCli(['check', `${clean.origin}/`, '--no-store', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('private_address_blocked');
  });

  it('exits 2 with a clear message on bad arguments and an unusable database', async () => {
    const badUrl = await runCli(['check', 'not a url']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('not a valid URL');
    const badOpt = await runCli(['check', `${clean.origin}/`, '--max-pages', 'many']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toContain('--max-pages must be a whole number');
    const badDb = await runCli(['check', `${clean.origin}/`, '--allow-private-network', '--db', '/proc/govcheck/deeper/x.db']);
    expect(badDb.code).toBe(2);
    expect(badDb.stderr).toMatch(/govcheck: cannot (open|create)/);
    const badCheck = await runCli(['check', `${clean.origin}/`, '--allow-private-network', '--no-store', '--checks', 'nope']);
    expect(badCheck.code).toBe(2);
    expect(badCheck.stderr).toContain('unknown check(s): nope');
  });
});
