/**
 * The W-V1 probe series: stored probes (real SQLite) summarised over the window before the inspection
 * date, and the availability check deciding from the series when it covers the window.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import availability from '../../checks/availability.js';
import { loadConfig } from '../../src/config.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { openDb } from '../../src/store/db.js';
import { availabilitySeries, saveProbes, type ProbeRecord } from '../../src/store/probes.js';
import type { AvailabilitySeries } from '../../src/types.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-probes-');
afterAll(() => tmp.cleanup());
const config = loadConfig();
const http = new HttpClient();
afterAll(() => http.close());

/** Probes of one site: `perDay` visits a day (at equal intervals) on each day, the listed ones failing. */
function probes(siteId: string, days: string[], perDay: number, failing: (day: number, i: number) => boolean): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  days.forEach((day, d) => {
    for (let i = 0; i < perDay; i++) {
      const at = new Date(Date.parse(`${day}T00:00:00+08:00`) + Math.floor((i * 86_400_000) / perDay)).toISOString();
      const bad = failing(d, i);
      out.push({ siteId, round: `r-${day}-${i}`, url: `http://${siteId}/`, probedAt: at, ok: !bad, status: bad ? null : 200, errorKind: bad ? 'timeout' : null, durationMs: bad ? 15_000 : 80 });
    }
  });
  return out;
}

const WEEK = ['2024-06-24', '2024-06-25', '2024-06-26', '2024-06-27', '2024-06-28', '2024-06-29', '2024-06-30'];

async function check(series: AvailabilitySeries | undefined, status = 200) {
  const a = artifactsFromHtml([{ url: 'http://www.example.gov.cn/', html: '<title>首页</title>', status }], { asOf: '2024-07-01' });
  a.availability = series;
  const [r] = await runChecks(a, [{ module: availability, options: availability.meta.options.parse({}) }], { config, http });
  return r;
}

describe('availability probe series (W-V1)', () => {
  const db = openDb(path.join(tmp.dir, 'p.db'));
  afterAll(() => db.close());

  it('stores probes once per site and round, and summarises the week before the inspection date', () => {
    const rows = probes('a.example', WEEK, 24, (d, i) => d === 2 && i < 3);
    saveProbes(db, rows);
    saveProbes(db, rows); // a round stored twice is not counted twice
    // Visits on the inspection day itself and before the window do not count.
    saveProbes(
      db,
      probes('a.example', ['2024-07-01', '2024-06-23'], 24, () => true),
    );
    const s = availabilitySeries(db, 'a.example', '2024-07-01', 7)!;
    expect(s).toMatchObject({ windowDays: 7, probes: 168, failed: 3, days: 7, minPerDay: 24 });
    expect(s.from).toBe('2024-06-23T16:00:00.000Z');
    expect(s.to).toBe('2024-06-30T16:00:00.000Z');
    expect(s.failures).toHaveLength(3);
    expect(s.failures[0]).toMatchObject({ kind: 'timeout', status: null });
    expect(availabilitySeries(db, 'never-probed.example', '2024-07-01', 7)).toBeUndefined();
  });

  it('counts a day without probes as a gap', () => {
    saveProbes(
      db,
      probes('b.example', WEEK.slice(1), 24, () => false),
    );
    const s = availabilitySeries(db, 'b.example', '2024-07-01', 7)!;
    expect(s).toMatchObject({ probes: 144, days: 6, minPerDay: 0 });
  });

  it('fails a site whose series has ≥ 5 % failed visits, although this visit worked', async () => {
    saveProbes(
      db,
      probes('c.example', WEEK, 24, (_d, i) => i < 2),
    ); // 14 / 168 = 8.3 %
    const r = await check(availabilitySeries(db, 'c.example', '2024-07-01', 7));
    expect(r.status).toBe('fail');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'series-unreachable', severity: 'veto', rule: 'W-V1', params: { failed: 14, probes: 168, rate: '8.33', limit: '5' } });
    expect(r.findings[0].message).toBe('监测期内首页访问失败 14 次，共 168 次，失败率 8.33%，达到 5%');
    expect(r.summary?.series).toMatchObject({ probes: 168, failed: 14, decides: true });
  });

  it('warns above 3 % and passes a site whose only failure is this visit when the series is good', async () => {
    saveProbes(
      db,
      probes('d.example', WEEK, 24, (d, i) => d < 6 && i === 0),
    ); // 6 / 168 = 3.6 %
    const warn = await check(availabilitySeries(db, 'd.example', '2024-07-01', 7));
    expect(warn.status).toBe('pass');
    expect(warn.findings.map((f) => [f.code, f.severity])).toEqual([['series-unstable', 'warning']]);

    saveProbes(
      db,
      probes('e.example', WEEK, 24, (d, i) => d === 0 && i === 0),
    ); // 1 / 168
    const down = await check(availabilitySeries(db, 'e.example', '2024-07-01', 7), 503);
    expect(down.status).toBe('pass');
    expect(down.findings.map((f) => [f.code, f.severity])).toEqual([['unreachable', 'warning']]);
  });

  it('keeps the single-visit veto when the series does not cover the window with enough probes', async () => {
    const gap = availabilitySeries(db, 'b.example', '2024-07-01', 7)!;
    const r = await check(gap, 503);
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['unreachable', 'veto']]);
    expect(r.summary?.series).toMatchObject({ decides: false, days: 6 });
    saveProbes(
      db,
      probes('f.example', WEEK, 10, () => false),
    ); // 10 a day < 20
    const sparse = await check(availabilitySeries(db, 'f.example', '2024-07-01', 7), 503);
    expect(sparse.findings[0].severity).toBe('veto');
  });
});
