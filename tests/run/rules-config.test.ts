import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { failingList } from '../../src/rollup/lists.js';
import { loadGroups } from '../../src/registry/groups.js';
import { runSiteJob } from '../../src/run/job.js';
import { ensureRun, loadSiteResult, openDb } from '../../src/store/db.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';

// The indicator rules are data (config/rules.yaml): a province that changes a threshold or a point value
// in its own file changes the verdicts, without touching code.
const tmp = tmpDir();
let ext: Served;
let planted: Served;
beforeAll(async () => {
  ext = await serve(externalRoutes());
  planted = await serve(generateSite({ externalOrigin: ext.origin, articlesPerColumn: 2 }).routes);
});
afterAll(async () => {
  await Promise.all([ext.close(), planted.close()]);
  tmp.cleanup();
});

function configFile(name: string, yaml: string): string {
  const f = path.join(tmp.dir, name);
  writeFileSync(f, `allowPrivateNetwork: true\nhttp: { retries: 0 }\n${yaml}`);
  return f;
}

describe('indicator rules from config', () => {
  it('the same site passes under the national defaults and fails when a province raises the pass line or a point value', async () => {
    const db = openDb(':memory:');
    const site = { id: 'planted', url: `${planted.origin}/`, kind: 'website' as const, name: '示例市人民政府', group: '甲市' };
    const judge = async (runId: string, file?: string) => {
      const config = loadConfig(file, file ? {} : { allowPrivateNetwork: true, http: { retries: 0 } });
      ensureRun(db, { id: runId, kind: 'quarter', quarter: '2024Q2', asOf: '2024-07-01' });
      await runSiteJob(db, { runId, site, asOf: '2024-07-01' }, { config, checks: ['broken-links'] });
      db.prepare(`INSERT OR IGNORE INTO run_sites (run_id, site_id, kind, grp, name, url, site_json, planned, added_at) VALUES (?, ?, 'website', '甲市', ?, ?, ?, 1, '')`).run(runId, site.id, site.name, site.url, JSON.stringify(site));
      return { result: loadSiteResult(db, runId, site.id)!, config };
    };

    // Defaults: two broken links on the home page (1 point each), two elsewhere (0.1 each), one attachment (0.5).
    const base = await judge('national');
    expect(base.result.verdict).toBe('pass');
    expect(base.result.score).toBeCloseTo(100 - 2.2 - 0.5, 5);
    expect(base.result.decidedBy).toEqual([
      { rule: 'W-D1', kind: 'deduction', points: 2.2, findings: 4 },
      { rule: 'W-D2', kind: 'deduction', points: 0.5, findings: 1 },
    ]);

    // A stricter pass line.
    const strict = await judge('strict', configFile('strict.yaml', 'rules:\n  passLine: 98\n'));
    expect(strict.result.verdict).toBe('fail');
    expect(strict.result.score).toBeCloseTo(97.3, 5);
    const failing = failingList(db, 'strict', 'website', strict.config.rules, loadGroups());
    expect(failing).toHaveLength(1);
    expect(failing[0].reasons[0].title.zh).toBe('得分 97.3 低于合格线 98');
    expect(failing[0].reasons.slice(1).map((r) => [r.rule, r.points])).toEqual([
      ['W-D1', 2.2],
      ['W-D2', 0.5],
    ]);
    // Each rule links to the findings behind it.
    const ids = failing[0].reasons[1].findingIds;
    expect(ids).toHaveLength(4);
    const linked = db.prepare(`SELECT DISTINCT rule, run_id FROM findings WHERE id IN (${ids.join(',')})`).all();
    expect(linked).toEqual([{ rule: 'W-D1', run_id: 'strict' }]);

    // Home-page broken links cost 25 points each, and the indicator's cap is raised to match.
    const heavy = await judge('heavy', configFile('heavy.yaml', 'rules:\n  indicators:\n    W-D1: { max: 60, points: { home: 25, other: 0.1 } }\n'));
    expect(heavy.result.decidedBy.find((h) => h.rule === 'W-D1')).toEqual({ rule: 'W-D1', kind: 'deduction', points: 50.2, findings: 4 });
    expect(heavy.result.verdict).toBe('fail');

    // The same points but the national cap of 10 on W-D1: the cap holds and the site passes.
    const capped = await judge('capped', configFile('capped.yaml', 'rules:\n  indicators:\n    W-D1: { points: { home: 25, other: 0.1 } }\n'));
    expect(capped.result.decidedBy.find((h) => h.rule === 'W-D1')?.points).toBe(10);
    expect(capped.result.verdict).toBe('pass');
    db.close();
  });

  it('a bad rules file is an error naming the key, not a silent default', () => {
    expect(() => loadConfig(configFile('bad.yaml', 'rules:\n  passLine: sixty\n'))).toThrow(/passLine/);
  });
});
