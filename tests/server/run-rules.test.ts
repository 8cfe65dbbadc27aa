/**
 * A run keeps the indicator rules it was judged with: a run made with custom rules (a province's --config) and then
 * reviewed in the web app is re-scored with its own rules, not with the server's (default) ones. Notes:
 * docs/modules.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Rules } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { importEntries } from '../../src/registry/store.js';
import { quarterReport } from '../../src/rollup/index.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { prepareRun } from '../../src/run/runner.js';
import { buildApp } from '../../src/server/app.js';
import { ensureRun, openDb, saveSiteResult, type DB } from '../../src/store/db.js';
import { runRules } from '../../src/store/reviews.js';
import type { Finding, SiteResult } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-run-rules-');
const defaults = loadConfig(undefined, { allowPrivateNetwork: true });
// A province's stricter pass line (its --config file): 99 points is a pass under the defaults (60) and a fail here.
const strictFile = path.join(tmp.dir, 'strict.yaml');
writeFileSync(strictFile, 'allowPrivateNetwork: true\nrules:\n  passLine: 99.5\n');
const strict = loadConfig(strictFile);
let app: FastifyInstance;
let base = '';
let dbFile = '';

function finding(p: Partial<Finding> & Pick<Finding, 'checkId' | 'code' | 'severity'>): Finding {
  return { tier: 'confirmed', url: 'http://s1.example/', params: {}, message: p.code, messageEn: p.code, evidence: {}, ...p };
}
const veto = finding({ checkId: 'availability', code: 'home-unreachable', severity: 'veto', rule: 'W-V1' });
const broken = finding({ checkId: 'broken-links', code: 'broken', severity: 'deduction', rule: 'W-D1', points: 1, target: 'http://s1.example/missing.html' });

/** The site's result as checkSite computes it: the verdict by the run's rules. */
function result(rules: Rules): SiteResult {
  return {
    site: { id: 's1.example', url: 'http://s1.example/', kind: 'website', name: '示例站', group: '甲市' },
    url: 'http://s1.example/',
    asOf: '2024-06-20',
    startedAt: '2024-06-20T01:00:00Z',
    finishedAt: '2024-06-20T01:01:00Z',
    ...computeVerdict([veto, broken], rules),
    checks: [
      { id: 'availability', status: 'fail', findings: [veto], durationMs: 1 },
      { id: 'broken-links', status: 'fail', findings: [broken], durationMs: 1 },
    ],
    stats: { pages: 1, links: 1, durationMs: 1, skippedByLimit: 0, errors: 0 },
  };
}

function row(db: DB, runId: string) {
  return db.prepare(`SELECT verdict, score, raw_verdict FROM site_results WHERE run_id = ? AND site_id = 's1.example'`).get(runId);
}

beforeAll(async () => {
  expect(strict.rules.passLine).toBe(99.5);
  dbFile = path.join(tmp.dir, 'r.db');
  const db = openDb(dbFile);
  importEntries(db, [{ id: 's1.example', url: 'http://s1.example/', kind: 'website', name: '示例站', group: '甲市', status: 'operating', line: 2 }], {
    file: 'registry.csv',
    format: 'csv',
    sha256: 'x',
    mode: 'replace',
  });
  // The run is made with the strict rules (as `govcheck run --config strict.yaml` does).
  const prepared = await prepareRun(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-06-20', config: strict, checks: ['availability', 'broken-links'], options: {} });
  expect(prepared.pending.map((p) => p.site.id)).toEqual(['s1.example']);
  saveSiteResult(db, '2024Q2', result(strict.rules));
  // A run made before runs stored their rules: it has none, and is re-scored with the default rules.
  ensureRun(db, { id: 'old', kind: 'adhoc', asOf: '2024-06-20' });
  db.prepare(`UPDATE runs SET rules_json = NULL WHERE id = 'old'`).run();
  saveSiteResult(db, 'old', result(defaults.rules));
  db.close();
  // The server runs with the default rules.
  app = await buildApp({ db: dbFile, host: '127.0.0.1', config: defaults, groups: loadGroups() });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

/** Marks the run's W-V1 finding a false positive through the site page's form. */
async function falsePositive(runId: string): Promise<number> {
  const page = await fetch(`${base}/runs/${runId}/sites/s1.example`);
  expect(page.status).toBe(200);
  const body = await page.text();
  const cookie = page.headers
    .getSetCookie()
    .map((l) => l.split(';')[0])
    .join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(body)![1];
  const db = openDb(dbFile);
  const id = (db.prepare(`SELECT id FROM findings WHERE run_id = ? AND code = 'home-unreachable'`).get(runId) as { id: number }).id;
  db.close();
  expect(body).toContain(`action="/findings/${id}/review"`);
  const res = await fetch(`${base}/findings/${id}/review`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: base },
    body: new URLSearchParams({ status: 'false_positive', comment: '检查时网络故障', reviewer: '李四', _csrf: csrf }),
  });
  expect(res.status).toBe(303);
  return id;
}

describe('a run keeps the indicator rules it was judged with', () => {
  it('stores the rules on the run when it is created, and a resumed run keeps them', async () => {
    const db = openDb(dbFile);
    expect(runRules(db, '2024Q2').passLine).toBe(99.5);
    expect(runRules(db, 'old')).toEqual(defaults.rules);
    // Resumed with the default config: the sites still to check are judged with the run's rules.
    const resumed = await prepareRun(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-06-20', config: defaults, checks: ['availability', 'broken-links'], options: {} });
    expect(resumed.resumed).toBe(true);
    expect(resumed.config.rules.passLine).toBe(99.5);
    expect(runRules(db, '2024Q2').passLine).toBe(99.5);
    db.close();
  });

  it('a review in the web app re-scores a custom-rules run with its own rules, not the server’s', async () => {
    await falsePositive('2024Q2');
    const db = openDb(dbFile);
    // Without the veto, 1 point is deducted: 99 is below the run's pass line of 99.5 (the defaults would pass it).
    expect(row(db, '2024Q2')).toEqual({ verdict: 'fail', score: 99, raw_verdict: 'fail' });
    expect(computeVerdict([broken], defaults.rules).verdict).toBe('pass');
    // The roll-ups (govcheck table / notice, the downloads) read the run with its rules too.
    const failing = quarterReport(db, { runId: '2024Q2' }, defaults.rules, loadGroups()).failing;
    expect(failing.map((f) => f.reasons[0].title.zh)).toEqual(['得分 99 低于合格线 99.5']);
    db.close();
    // The site page shows the run's pass line.
    const page = await (await fetch(`${base}/runs/2024Q2/sites/s1.example`)).text();
    expect(page).toContain('99.5');
  });

  it('a run without stored rules is re-scored with the default rules', async () => {
    // The W-V1 review is keyed by site and fingerprint: the old run's result was re-applied by the review above.
    const db = openDb(dbFile);
    expect(row(db, 'old')).toEqual({ verdict: 'pass', score: 99, raw_verdict: 'fail' });
    db.close();
  });
});
